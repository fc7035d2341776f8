// lib/depths/: each depth's recording and steps on real captures, and the registry --depth reads.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BOOTSTRAP_PY } from "../../lib/capture/checkout.ts";
import { cargoCallsOfDryRun } from "../../lib/capture/dry-run.ts";
import { SAMPLE_FILES } from "../../lib/capture/sample.ts";
import { symbolizerOf } from "../../lib/capture/symbolizer.ts";
import type { RecordingContext } from "../../lib/capture/types.ts";
import { DEPTH_DEFINITIONS } from "../../lib/depths/index.ts";
import { ExitCode } from "../../lib/errors.ts";
import { DEPTHS } from "../../lib/schema.ts";
import { symbolicRecord } from "../../lib/steps/symbolic-records.ts";
import { FIXTURES, fixtureCapture, fixtureRecords, fixtureText } from "./fixtures.ts";

const bootstrapText = SAMPLE_FILES.get(BOOTSTRAP_PY)!;
const context = (recordFile: string): RecordingContext => ({
  root: "/home/user/rust",
  tempDir: "/tmp/nixify-rust-test",
  bootstrap: { text: bootstrapText, file: `/home/user/rust/${BOOTSTRAP_PY}` },
  runConfig: undefined,
  python: "/usr/bin/python3",
  xpyArgs: ["build", "--stage", "1"],
  recordFile,
  paths: {
    rootReal: "/home/user/rust",
    overlay: "/tmp/nixify-rust-test/src",
    build: "/tmp/nixify-rust-test/run/build",
    buildReal: "/tmp/nixify-rust-test/run/build",
  },
});

describe("the registry", () => {
  test.each([...DEPTHS])("%s: its help starts with its name, its nothing-recorded line has an exit code of the table", (name) => {
    const depth = DEPTH_DEFINITIONS[name];
    expect(depth.help.startsWith(`${name}: `)).toBe(true);
    expect(ExitCode[depth.nothingRecorded.code]).toBeGreaterThan(1);
    expect(depth.nothingRecorded.message.length).toBeGreaterThan(0);
  });
  test("only depths that build compile crates resolve their locks; only rustc pins the compiler", () => {
    expect(DEPTHS.map((d) => [d, DEPTH_DEFINITIONS[d].builds, DEPTH_DEFINITIONS[d].pinsToolchain])).toEqual([
      ["shell", [], false],
      ["cargo", ["bootstrap"], false],
      ["rustc", ["bootstrap", "library"], true],
    ]);
  });
});

describe("shell", () => {
  test("patches bootstrap.py's run in the copy, keeps x.py's arguments, reads the recorder's file", async () => {
    const recording = await DEPTH_DEFINITIONS.shell.record(context(join(FIXTURES, "sample.records.jsonl")));
    const patched = recording.files.get(BOOTSTRAP_PY)!;
    expect(patched.startsWith(bootstrapText.trimEnd())).toBe(true);
    expect(patched.length).toBeGreaterThan(bootstrapText.length);
    expect(recording.xpyArgs).toEqual(["build", "--stage", "1"]);
    expect(await recording.records()).toEqual(await fixtureRecords("sample.records.jsonl"));
  });
  test("refuses a bootstrap.py without a module-level run, naming it", async () => {
    const ctx = { ...context("/nonexistent"), bootstrap: { text: "print('no run here')\n", file: "/home/user/rust/bootstrap.py" } };
    await expect(DEPTH_DEFINITIONS.shell.record(ctx)).rejects.toThrow("/home/user/rust/bootstrap.py: no module-level");
  });
  test("steps: the records made symbolic, in the recorded order, nothing chained", async () => {
    const cap = { ...(await fixtureCapture("sample.capture.json")), records: await fixtureRecords("sample.records.jsonl") };
    const sym = symbolizerOf(cap);
    const steps = DEPTH_DEFINITIONS.shell.steps(cap);
    expect(steps.records).toEqual(cap.records.map((r) => symbolicRecord(r, sym)));
    expect(steps.chain).toEqual([]);
    expect(steps.extraDeps.size).toBe(0);
  });
});

describe("cargo", () => {
  test("asks for the plan (--dry-run -v) and keeps the running: lines of stdout, whatever else comes", async () => {
    const recording = await DEPTH_DEFINITIONS.cargo.record(context("/nonexistent"));
    expect(recording.xpyArgs).toEqual(["build", "--stage", "1", "--dry-run", "-v"]);
    expect(recording.files.size).toBe(0);
    const transcript = await fixtureText("dry-run-1.85.txt");
    for (const line of transcript.split("\n")) recording.onStdout!(line);
    const records = await recording.records();
    expect(records).toEqual(cargoCallsOfDryRun(transcript));
    expect(records.length).toBeGreaterThan(0);
  });
  test("steps: the outer shell but the bootstrap binary's run, then the plan, chained, on the stage0 the outer shell unpacks", async () => {
    const outer = { ...(await fixtureCapture("shell-1.85.capture.json")), records: await fixtureRecords("shell-1.85.records.jsonl") };
    // The plan's capture (dry-run-1.85.txt), with the toolchain it ran with (--run-toolchain).
    const [tmp, build] = ["/tmp/nixify-rust-7QDI59/cargo", "/tmp/nixify-rust-7QDI59/cargo/run/build"];
    const paths = {
      overlay: `${tmp}/src`,
      root: "/home/user/rust",
      rootReal: "/home/user/rust",
      work: `${tmp}/run`,
      build,
      buildReal: build,
      home: `${tmp}/home`,
      tmp: `${tmp}/tmp`,
    };
    const records = cargoCallsOfDryRun(await fixtureText("dry-run-1.85.txt"));
    const runToolchain = ["/home/user/.rustup/toolchains/stable-x86_64-unknown-linux-gnu"];
    const steps = DEPTH_DEFINITIONS.cargo.steps({ ...outer, records, paths, runToolchain, outer });
    const cargo = "@build@/x86_64-unknown-linux-gnu/stage0/bin/cargo build";
    expect(steps.records.map((r) => (r.type === "unpack" ? `unpack ${r.match}` : `${r.command} ${r.args[0]}`))).toEqual([
      ...Array(3).fill("curl --progress-bar"),
      "unpack rust-std-x86_64-unknown-linux-gnu",
      "unpack rustc",
      "unpack cargo",
      cargo,
      ...records.map(() => cargo),
    ]);
    expect(steps.chain).toEqual([7, 8, 9]);
    expect(steps.records.at(-1)).toMatchObject({ cwd: "@src@" });
  });
  test("a run that printed no plan has no records", async () => {
    const recording = await DEPTH_DEFINITIONS.cargo.record(context("/nonexistent"));
    recording.onStdout!("Building bootstrap");
    expect(await recording.records()).toEqual([]);
  });
});
