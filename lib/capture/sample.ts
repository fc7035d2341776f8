// The sample tree shipped inside the executable, used when gen is given no Rust checkout.
import { join } from "node:path";
import xpy from "../../sample/x.py" with { type: "text" };
import bootstrapPy from "../../sample/src/bootstrap/bootstrap.py" with { type: "text" };
import stage0 from "../../sample/src/stage0.json";
import channel from "../../sample/src/ci/channel" with { type: "text" };
import greeting from "../../sample/library/greeting/lib.rs" with { type: "text" };
import hello from "../../sample/src/hello/main.rs" with { type: "text" };
import tool from "../../sample/src/tool/main.rs" with { type: "text" };
import readme from "../../sample/README.md" with { type: "text" };

export const SAMPLE_FILES: ReadonlyMap<string, string> = new Map([
  ["README.md", readme],
  ["x.py", xpy],
  ["src/bootstrap/bootstrap.py", bootstrapPy],
  // JSON imports arrive parsed; the file is kept in JSON.stringify's layout so this is byte-identical.
  ["src/stage0.json", `${JSON.stringify(stage0, null, 2)}\n`],
  ["src/ci/channel", channel],
  ["library/greeting/lib.rs", greeting],
  ["src/hello/main.rs", hello],
  ["src/tool/main.rs", tool],
]);

/** Writes the sample tree into `dir`. */
export async function writeSample(dir: string): Promise<void> {
  for (const [rel, content] of SAMPLE_FILES) await Bun.write(join(dir, rel), content);
}
