// The stage0 checksums of a checkout: src/stage0.json (Rust <= 1.73) or src/stage0 (newer).
import { join } from "node:path";
import * as v from "valibot";
import { NixifyError } from "../errors.ts";

const Stage0JsonSchema = v.looseObject({
  checksums_sha256: v.record(v.string(), v.string()),
  compiler: v.optional(v.looseObject({ date: v.string(), version: v.string() })),
});

/** Map from dist path (`dist/DATE/FILE`) to sha256, empty when the checkout lists none. */
export async function readStage0Checksums(root: string): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  const keyValue = Bun.file(join(root, "src/stage0"));
  if (await keyValue.exists()) {
    for (const line of (await keyValue.text()).split("\n")) {
      const m = /^([^#=\s][^=]*)=([0-9a-f]{64})\s*$/.exec(line);
      if (m) sums.set(m[1]!, m[2]!);
    }
    return sums;
  }
  const json = Bun.file(join(root, "src/stage0.json"));
  if (await json.exists()) {
    const parsed = v.safeParse(Stage0JsonSchema, await json.json().catch(() => null));
    if (!parsed.success) {
      throw new NixifyError("badInput", `${join(root, "src/stage0.json")}: not a stage0 list (${parsed.issues[0].message})`);
    }
    for (const [key, sum] of Object.entries(parsed.output.checksums_sha256)) sums.set(key, sum);
  }
  return sums;
}

/** The stage0 compiler the checkout's list names (`compiler_version`, `compiler_date`), if it names one. */
export async function readStage0Compiler(root: string): Promise<{ version: string; date: string } | undefined> {
  const keyValue = Bun.file(join(root, "src/stage0"));
  if (await keyValue.exists()) {
    const text = await keyValue.text();
    const value = (key: string) => new RegExp(`^${key}=(\\S+)\\s*$`, "m").exec(text)?.[1];
    const [version, date] = [value("compiler_version"), value("compiler_date")];
    return version && date ? { version, date } : undefined;
  }
  const json = await Bun.file(join(root, "src/stage0.json"))
    .json()
    .catch(() => undefined);
  const parsed = v.safeParse(Stage0JsonSchema, json);
  return parsed.success ? parsed.output.compiler : undefined;
}

/** The checksum for a download URL: the stage0 key it ends with. */
export function checksumFor(url: string, sums: Map<string, string>): string | undefined {
  for (const [key, sum] of sums) if (url.endsWith(`/${key}`)) return sum;
  return undefined;
}
