// What makes a folder a Rust checkout, and how its bootstrap.py is turned into a recorder.
import { join } from "node:path";
import { NixifyError } from "../errors.ts";
import recorderSource from "./recorder.py" with { type: "text" };

export const BOOTSTRAP_PY = "src/bootstrap/bootstrap.py";
export const CHANNEL_FILE = "src/ci/channel";

/** Throws unless `root` has x.py and src/bootstrap/bootstrap.py. */
export async function assertRustCheckout(root: string): Promise<void> {
  for (const file of ["x.py", BOOTSTRAP_PY]) {
    if (!(await Bun.file(join(root, file)).exists())) {
      throw new NixifyError(
        "notRustCheckout",
        `${root} is not a Rust checkout: ${file} is missing`,
        "run gen inside a rust-lang/rust checkout, or pass --src PATH",
      );
    }
  }
}

export async function isRustCheckout(root: string): Promise<boolean> {
  return assertRustCheckout(root).then(
    () => true,
    () => false,
  );
}

// `run` must be a module-level function: the recorder replaces it in the module's globals,
// which is where every caller in bootstrap.py looks it up.
const MODULE_LEVEL_RUN = /^def run\(\s*args\b/m;

/** bootstrap.py's text with the recorder appended; throws, naming the file, if `run` is not there. */
export function patchBootstrap(text: string, file: string): string {
  if (!MODULE_LEVEL_RUN.test(text)) {
    throw new NixifyError(
      "unknownBootstrap",
      `${file}: no module-level \`def run(args, ...)\` found, so its commands cannot be recorded`,
      "this bootstrap.py is not one nixify-rust knows (Rust 1.63 and newer are supported)",
    );
  }
  return `${text.trimEnd()}\n${recorderSource}`;
}
