// lib/capture/dry-run.ts: the bootstrap binary's plan (`x.py build --dry-run -v`, Rust 1.85) read from the
// real transcript: Rust's Debug form of a Command split into words, `running:` lines into records.
import { describe, expect, test } from "bun:test";
import { cargoCallsOfDryRun, parseRunningLine, splitDebugCommand } from "../../lib/capture/dry-run.ts";
import { RECORD_SCHEMA_VERSION } from "../../lib/schema.ts";
import { buildSteps } from "../../lib/steps/steps.ts";
import { makeSymbolizer } from "../../lib/placeholders.ts";
import { fixtureText } from "./fixtures.ts";

const transcript = await fixtureText("dry-run-1.85.txt");
const lines = transcript.split("\n");
const line = (start: string) => lines.find((l) => l.startsWith(start))!;
const TMP = "/tmp/nixify-rust-7QDI59/cargo";
const CARGO = "/home/user/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/cargo";
const [std0, rustc0, std1] = lines.filter((l) => l.startsWith('running: cd "'));

describe("splitDebugCommand", () => {
  const q = (word: string) => ({ word, quoted: true });
  const b = (word: string) => ({ word, quoted: false });
  test.each([
    ["quoted words", '"cargo" "build"', [q("cargo"), q("build")]],
    ["bare words", "cd DIR && env -u MAKEFLAGS", [b("cd"), b("DIR"), b("&&"), b("env"), b("-u"), b("MAKEFLAGS")]],
    ['K="V" is a bare K= then the quoted V', 'RUSTC_STAGE="0"', [b("RUSTC_STAGE="), q("0")]],
    ["an empty value", 'CC_x86_64_unknown_linux_gnu=""', [b("CC_x86_64_unknown_linux_gnu="), q("")]],
    ["spaces inside quotes stay", '"backtrace panic-unwind"', [q("backtrace panic-unwind")]],
    ["Rust's escapes are undone: \\\" \\\\ \\t \\n \\r \\0", String.raw`"a\"b\\c\td\ne\rf\0g"`, [q('a"b\\c\td\ne\rf\0g')]],
    ["a \\u{...} escape is its code point", String.raw`"crab \u{1f980} \u{7f}"`, [q("crab 🦀 \x7f")]],
    ["an escape Rust's Debug does not make passes its character", String.raw`"it\'s"`, [q("it's")]],
    ["runs of spaces separate nothing", '  "a"   "b"  ', [q("a"), q("b")]],
    ["bootstrap's notes after the command are bare words", '"cargo" (failure_mode=Exit)', [q("cargo"), b("(failure_mode=Exit)")]],
    ["nothing", "", []],
  ])("%s", (_, text, words) => expect(splitDebugCommand(text)).toEqual(words));

  test("the real RUSTDOCFLAGS value of 1.85's plan, with its \\t and \\\" escapes", () => {
    const words = splitDebugCommand(std0!.slice("running: ".length));
    const i = words.findIndex((w) => w.word === "RUSTDOCFLAGS=");
    expect(words[i + 1]!.word).toContain("--crate-version 1.85.0\t(4d91de4e4\t2025-02-17)\t(built\tfrom\ta\tsource\ttarball)");
    expect(words[i + 1]!.word).toContain('-Zcrate-attr=doc(html_root_url="https://doc.rust-lang.org/1.85.0/")');
  });
});

describe("parseRunningLine", () => {
  test.each([
    ["bootstrap.py's own running: line (not Debug-printed, no cd)", line("running: /tmp/")],
    ["a cargo metadata query without cd (bootstrap's notes after it)", line("running: RUSTC_BOOTSTRAP")],
    ["a progress line", line("Building stage0 library artifacts")],
    ["a line that only mentions running", line("running sanity check")],
    ["cd without a command", 'running: cd "/tmp" && env A="1"'],
    ["an empty line", ""],
  ])("%s is no record", (_, text) => expect(parseRunningLine(text, 1)).toBeUndefined());

  test("the stage0 std build: cwd, the environment after -u, the argv", () => {
    const r = parseRunningLine(std0!, 7)!;
    expect({ ...r, env: undefined, args: r.args.slice(0, 3) }).toEqual({
      type: "rust_compiler_invocation",
      schema: RECORD_SCHEMA_VERSION,
      seq: 7,
      command: CARGO,
      args: ["build", "--target", "x86_64-unknown-linux-gnu"],
      env: undefined,
      cwd: `${TMP}/src`,
      site: "bootstrap dry run",
      isBootstrap: false,
    });
    expect(r.args.slice(-4)).toEqual(["--manifest-path", `${TMP}/src/library/sysroot/Cargo.toml`, "--message-format", "json-render-diagnostics"]);
    // -u MAKEFLAGS -u MFLAGS unset variables: they are not in the record.
    expect(Object.keys(r.env)).not.toContain("MAKEFLAGS");
    expect(Object.keys(r.env)).not.toContain("-u");
    expect(Object.keys(r.env)).toHaveLength(43);
    expect(r.env).toMatchObject({
      CARGO_INCREMENTAL: "0",
      CARGO_TARGET_DIR: `${TMP}/run/build/tmp-dry-run/x86_64-unknown-linux-gnu/stage0-std`,
      CC_x86_64_unknown_linux_gnu: "",
      RUSTC: `${TMP}/run/build/bootstrap/debug/rustc`,
      __CARGO_DEFAULT_LIB_METADATA: "bootstrapstd",
    });
  });

  test("what follows the argv (bootstrap's notes) is not an argument", () => {
    const r = parseRunningLine(`${std0} (failure_mode=Exit) (created at src/core/builder.rs:1:2, executed at src/lib.rs:3:4)`, 1)!;
    expect(r.args.at(-1)).toBe("json-render-diagnostics");
  });
});

describe("cargoCallsOfDryRun", () => {
  const calls = cargoCallsOfDryRun(transcript);

  test("the real plan's three cargo builds, numbered in order (not the metadata queries)", () => {
    expect(calls.map((r) => [r.seq, r.args[0], r.env.CARGO_TARGET_DIR?.split("/").at(-1), r.args[r.args.indexOf("--manifest-path") + 1]])).toEqual([
      [1, "build", "stage0-std", `${TMP}/src/library/sysroot/Cargo.toml`],
      [2, "build", "stage0-rustc", `${TMP}/src/compiler/rustc/Cargo.toml`],
      [3, "build", "stage1-std", `${TMP}/src/library/sysroot/Cargo.toml`],
    ]);
    expect(calls.map((r) => r.env.RUSTC_STAGE)).toEqual(["0", "0", "1"]);
    expect(calls).toEqual([std0, rustc0, std1].map((l, i) => parseRunningLine(l!, i + 1)!));
  });

  test.each([
    ["cargo metadata", "metadata"],
    ["cargo doc", "doc"],
    ["cargo run", "run"],
  ])("%s is a query or not a build: left out", (_, sub) => {
    expect(cargoCallsOfDryRun(std0!.replace('"build"', `"${sub}"`))).toEqual([]);
  });

  test.each([
    ["cargo check", "check"],
    ["cargo rustc", "rustc"],
  ])("%s builds: kept", (_, sub) => {
    expect(cargoCallsOfDryRun(`${std0!.replace('"build"', `"${sub}"`)}\r\n`).map((r) => r.args[0])).toEqual([sub]);
  });

  test("made symbolic and chained, they become gen's cargo steps, each keeping its target dir", () => {
    const sym = makeSymbolizer([
      [`${TMP}/src`, "@src@"],
      [`${TMP}/run/build/tmp-dry-run`, "@build@"],
      [`${TMP}/run/build`, "@build@"],
      [`${TMP}/run`, "@work@"],
    ]);
    const records = calls.map((r) => ({
      ...r,
      cwd: sym(r.cwd),
      args: r.args.map(sym),
      env: Object.fromEntries(Object.entries(r.env).map(([k, v]) => [k, sym(v)])),
    }));
    const steps = buildSteps(records, new Map(), [0, 1, 2]);
    expect(steps.map((s) => [s.kind, s.label, s.deps, s.outputs])).toEqual([
      ["cargo", "cargo build sysroot (stage0-std)", [], ["@build@/x86_64-unknown-linux-gnu/stage0-std"]],
      ["cargo", "cargo build rustc (stage0-rustc)", ["step001"], ["@build@/x86_64-unknown-linux-gnu/stage0-rustc"]],
      ["cargo", "cargo build sysroot (stage1-std)", ["step002"], ["@build@/x86_64-unknown-linux-gnu/stage1-std"]],
    ]);
  });
});
