// The stage0 list of a checkout (its checksums and compiler): src/stage0.json (Rust <= 1.73) or src/stage0 (newer).
import { join } from "node:path";
import * as v from "valibot";
import { NixifyError } from "../errors.ts";

const Stage0JsonSchema = v.looseObject({
  checksums_sha256: v.record(v.string(), v.string()),
  compiler: v.optional(v.looseObject({ date: v.string(), version: v.string() })),
});

/** A checkout's stage0 list: the compiler it names, and its checksums by dist path. */
export type Stage0List = {
  /** Dist path (`dist/DATE/FILE`) -> sha256, empty when the checkout lists none. */
  checksums: Map<string, string>;
  /** `compiler_version` and `compiler_date` (`compiler` of stage0.json), where it names them. */
  compiler?: { version: string; date: string };
};

/** The checkout's stage0 list, each file read and parsed once. */
export async function readStage0(root: string): Promise<Stage0List> {
  const checksums = new Map<string, string>();
  const keyValue = Bun.file(join(root, "src/stage0"));
  if (await keyValue.exists()) {
    const text = await keyValue.text();
    for (const line of text.split("\n")) {
      const m = /^([^#=\s][^=]*)=([0-9a-f]{64})\s*$/.exec(line);
      if (m) checksums.set(m[1]!, m[2]!);
    }
    const value = (key: string) => new RegExp(`^${key}=(\\S+)\\s*$`, "m").exec(text)?.[1];
    const [version, date] = [value("compiler_version"), value("compiler_date")];
    return { checksums, compiler: version && date ? { version, date } : undefined };
  }
  const json = Bun.file(join(root, "src/stage0.json"));
  if (!(await json.exists())) return { checksums };
  const parsed = v.safeParse(Stage0JsonSchema, await json.json().catch(() => null));
  if (!parsed.success) {
    throw new NixifyError("badInput", `${join(root, "src/stage0.json")}: not a stage0 list (${parsed.issues[0].message})`);
  }
  for (const [key, sum] of Object.entries(parsed.output.checksums_sha256)) checksums.set(key, sum);
  return { checksums, compiler: parsed.output.compiler };
}

/** The checkout's stage0 checksums: dist path (`dist/DATE/FILE`) -> sha256, empty when it lists none. */
export async function readStage0Checksums(root: string): Promise<Map<string, string>> {
  return (await readStage0(root)).checksums;
}

/** The checksum for a download URL: the stage0 key it ends with. */
export function checksumFor(url: string, sums: Map<string, string>): string | undefined {
  for (const [key, sum] of sums) if (url.endsWith(`/${key}`)) return sum;
  return undefined;
}
