// lib/capture/rustc-recording.ts: how the bootstrap's rustc shim is taught to call the recorder.
import { describe, expect, test } from "bun:test";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { parseConfig } from "../../lib/capture/config-toml.ts";
import { prepareRustcRecorder, shimWithWrapper } from "../../lib/capture/rustc-recording.ts";
import { tempDir } from "../helpers.ts";
import { thrown } from "./fixtures.ts";

// The call of the real compiler in Rust 1.63's src/bootstrap/bin/rustc.rs, and the start of 1.85's
// src/bootstrap/src/bin/rustc.rs, which already hands it to $RUSTC_WRAPPER_REAL.
const SHIM_163 =
  '    let rustc = env::var_os(rustc).unwrap_or_else(|| panic!("{:?} was not set", rustc));\n    let mut cmd = Command::new(rustc);\n    cmd.args(&args).env(dylib_path_var(), env::join_paths(&dylib_path).unwrap());\n';
const SHIM_185 = '    let mut cmd = match env::var_os("RUSTC_WRAPPER_REAL") {\n        Some(wrapper) if !wrapper.is_empty() => {\n';

async function checkout(files: { [rel: string]: string }): Promise<string> {
  const root = await tempDir();
  for (const [rel, text] of Object.entries(files)) await Bun.write(join(root, rel), text);
  return root;
}

describe("shimWithWrapper", () => {
  test("1.85's shim already hands calls over: nothing to change", async () => {
    expect(await shimWithWrapper(await checkout({ "src/bootstrap/src/bin/rustc.rs": SHIM_185 }))).toEqual(new Map());
  });

  test("1.63's shim gets its one call taught to go through the wrapper", async () => {
    const files = await shimWithWrapper(await checkout({ "src/bootstrap/bin/rustc.rs": SHIM_163 }));
    expect([...files.keys()]).toEqual(["src/bootstrap/bin/rustc.rs"]);
    const text = files.get("src/bootstrap/bin/rustc.rs")!;
    expect(text).not.toContain("let mut cmd = Command::new(rustc);");
    expect(text).toContain(
      'let mut cmd = match env::var_os("RUSTC_WRAPPER_REAL") { Some(w) if !w.is_empty() => { let mut c = Command::new(w); c.arg(&rustc); c } _ => Command::new(rustc) };',
    );
    expect(text.split("\n").slice(2)).toEqual(SHIM_163.split("\n").slice(2));
  });

  test.each([
    [
      "a shim calling the compiler twice",
      { "src/bootstrap/bin/rustc.rs": SHIM_163 + SHIM_163 },
      "src/bootstrap/bin/rustc.rs neither hands compiler calls to $RUSTC_WRAPPER_REAL nor makes them in the one way gen knows",
    ],
    [
      "a shim calling it another way",
      { "src/bootstrap/bin/rustc.rs": "let mut cmd = Command::new(&rustc);\n" },
      "src/bootstrap/bin/rustc.rs neither hands compiler calls to $RUSTC_WRAPPER_REAL nor makes them in the one way gen knows",
    ],
    ["no shim at all", {}, "the checkout has no rustc shim of the bootstrap (src/bootstrap/src/bin/rustc.rs or src/bootstrap/bin/rustc.rs)"],
  ])("%s is a bootstrap gen does not know", async (_, files, message) => {
    const root = await checkout(files);
    expect(await thrown(() => shimWithWrapper(root))).toEqual({ code: "unknownBootstrap", message });
  });
});

const NO_STAGE0 = "--depth rustc runs a real build and needs a stage0 compiler: the config names no build.rustc and the checkout lists no stage0 (src/stage0)";

describe("prepareRustcRecorder", () => {
  test.each([
    ["no config, and no stage0 list", undefined, NO_STAGE0],
    ["a config without build.rustc, and no stage0 list", "[build]\nsubmodules = false\n", NO_STAGE0],
    ["a build.rustc that does not exist", '[build]\nrustc = "/nonexistent/bin/rustc"\n', "build.rustc /nonexistent/bin/rustc does not exist"],
  ])("%s is bad input", async (_, config, message) => {
    const root = await checkout({ "src/bootstrap/src/bin/rustc.rs": SHIM_185 });
    const parsed = config === undefined ? undefined : parseConfig(config);
    expect(await thrown(() => prepareRustcRecorder(join(root, "rec"), root, parsed, "python3"))).toEqual({ code: "badInput", message });
  });

  test("without build.rustc, a checkout's stage0 list is the compiler: the recorder is prepared", async () => {
    const root = await checkout({
      "src/bootstrap/src/bin/rustc.rs": SHIM_185,
      "src/stage0": `compiler_version=1.84.0\ndist/2025-01-09/rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz=${"0".repeat(64)}\n`,
    });
    const r = await prepareRustcRecorder(join(root, "rec"), root, parseConfig("[build]\nsubmodules = false\n"), "python3");
    expect(r.env.RUSTC_WRAPPER_REAL).toBe(join(root, "rec", "bin", "rustc-wrapper"));
  });

  test("writes the recorder and a wrapper the shim calls, and says where records go", async () => {
    const root = await checkout({ "src/bootstrap/bin/rustc.rs": SHIM_163, "stage0/bin/rustc": "" });
    const dir = join(root, "rec");
    const r = await prepareRustcRecorder(dir, root, parseConfig(`[build]\nrustc = "${root}/stage0/bin/rustc"\n`), "/usr/bin/python3");
    expect(r.env).toEqual({
      RUSTC_WRAPPER_REAL: join(dir, "bin", "rustc-wrapper"),
      NIXIFY_RUSTC_RECORD_FILE: join(dir, "observed.jsonl"),
      NIXIFY_RUSTC_SHIM: join(dir, "rustc-recorder.py"),
    });
    expect(r.recordFile).toBe(join(dir, "observed.jsonl"));
    expect([...r.files.keys()]).toEqual(["src/bootstrap/bin/rustc.rs"]);
    expect(await Bun.file(r.env.RUSTC_WRAPPER_REAL!).text()).toBe(`#!/bin/sh\nexec "/usr/bin/python3" "${join(dir, "rustc-recorder.py")}" "$@"\n`);
    expect((await stat(r.env.RUSTC_WRAPPER_REAL!)).mode & 0o777).toBe(0o755);
    expect(await Bun.file(r.env.NIXIFY_RUSTC_SHIM!).text()).toContain("NIXIFY_RUSTC_RECORD_FILE");
  });
});
