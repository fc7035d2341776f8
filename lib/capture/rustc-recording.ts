// gen --depth rustc: a real x.py build whose rustc shim hands every compiler call (of every stage)
// to our recorder, and every build-script run is observed too.
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { NixifyError } from "../errors.ts";
import { RECORDER_ENV } from "../schema.ts";
import { configValue, type Config } from "./config-toml.ts";
import { readStage0Checksums } from "./stage0.ts";
import recorderSource from "./rustc-recorder.py" with { type: "text" };

export type RustcRecorder = {
  env: { [name: string]: string };
  recordFile: string;
  /** Files of the recording copy: the bootstrap's rustc shim, taught to call a wrapper where it cannot yet. */
  files: Map<string, string>;
};

/** Bootstrap's rustc shim, which every compiler call of a build passes (newest layout first). */
const SHIM_SOURCES = ["src/bootstrap/src/bin/rustc.rs", "src/bootstrap/bin/rustc.rs"];
/** Bootstraps from about 1.70 on hand the final call to $RUSTC_WRAPPER_REAL; older ones call rustc here. */
const WRAPPER_VAR = "RUSTC_WRAPPER_REAL";
const PLAIN_CALL = "let mut cmd = Command::new(rustc);";
const WRAPPED_CALL = `let mut cmd = match env::var_os("${WRAPPER_VAR}") { Some(w) if !w.is_empty() => { let mut c = Command::new(w); c.arg(&rustc); c } _ => Command::new(rustc) };`;

/**
 * The shim's source as the recording copy needs it: as it is where it already hands calls to
 * $RUSTC_WRAPPER_REAL, else with its one call of the real compiler taught to. The wrapper then
 * sees every call of every stage (the stage-1 compiler's too) with the shim's final arguments.
 */
export async function shimWithWrapper(root: string): Promise<Map<string, string>> {
  for (const rel of SHIM_SOURCES) {
    const text = await Bun.file(join(root, rel))
      .text()
      .catch(() => undefined);
    if (text === undefined) continue;
    if (text.includes(WRAPPER_VAR)) return new Map();
    if (text.split(PLAIN_CALL).length === 2) return new Map([[rel, text.replace(PLAIN_CALL, WRAPPED_CALL)]]);
    throw new NixifyError(
      "unknownBootstrap",
      `${rel} neither hands compiler calls to $${WRAPPER_VAR} nor makes them in the one way gen knows`,
      "--depth rustc cannot observe this bootstrap; use --depth shell or cargo",
    );
  }
  throw new NixifyError(
    "unknownBootstrap",
    `the checkout has no rustc shim of the bootstrap (${SHIM_SOURCES.join(" or ")})`,
    "--depth rustc needs a rust-lang/rust checkout; use --depth shell",
  );
}

/** Writes the recorder into `dir` and returns the environment and copy files that make x.py's build use it. */
export async function prepareRustcRecorder(dir: string, root: string, config: Config | undefined, python: string): Promise<RustcRecorder> {
  // Without build.rustc the bootstrap runs the stage0 of the checkout's stage0 list (downloaded,
  // or from its build cache); the tree then makes that compiler with its own steps.
  const realRustc = configValue(config, "build.rustc");
  if (!realRustc && (await readStage0Checksums(root)).size === 0) {
    throw new NixifyError(
      "badInput",
      "--depth rustc runs a real build and needs a stage0 compiler: the config names no build.rustc and the checkout lists no stage0 (src/stage0)",
      'pass --config with [build] rustc = "/path/to/bin/rustc" and cargo = "/path/to/bin/cargo" (and local-rebuild = true when they are of the same version as the sources)',
    );
  }
  if (realRustc && !(await Bun.file(realRustc).exists())) throw new NixifyError("badInput", `build.rustc ${realRustc} does not exist`);
  const files = await shimWithWrapper(root);
  const script = join(dir, "rustc-recorder.py");
  const wrapper = join(dir, "bin", "rustc-wrapper");
  await mkdir(join(dir, "bin"), { recursive: true });
  await Bun.write(script, recorderSource);
  await Bun.write(wrapper, `#!/bin/sh\nexec "${python}" "${script}" "$@"\n`);
  await chmod(wrapper, 0o755);
  const recordFile = join(dir, "observed.jsonl");
  return {
    env: { [WRAPPER_VAR]: wrapper, [RECORDER_ENV.rustcRecordFile]: recordFile, [RECORDER_ENV.rustcShim]: script },
    recordFile,
    files,
  };
}
