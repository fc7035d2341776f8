// Path helpers shared by the stages (capture, depths, write): below all of them, so none reaches
// into another for them.
import { realpath } from "node:fs/promises";

/** Whether `path` is `dir` or lies inside it (real paths). */
export const holds = (dir: string, path: string) => path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);

/** Each path with its value, and where the path really is (through links) with the same value. */
export async function withRealPaths<T>(pairs: Array<[string, T]>): Promise<Array<[string, T]>> {
  const out: Array<[string, T]> = [];
  for (const [path, value] of pairs) {
    out.push([path, value]);
    const real = await realpath(path).catch(() => path);
    if (real !== path) out.push([real, value]);
  }
  return out;
}
