// verify and graph against a hostile user: trees generated from the embedded sample and then
// broken as a user could break them, a Nix that fails, and options that choose nothing. Real CLI,
// real Nix offline, a private store per test.
import { describe, expect, test } from "bun:test";
import { chmod, mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode } from "../lib/errors.ts";
import { spawn } from "../lib/process.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { cli, tempDir } from "./helpers.ts";

/** `gen --out tree` in an empty temp folder (the embedded sample); returns the folder. */
async function genTree(): Promise<string> {
  const dir = await tempDir();
  const r = await cli(["gen", "--out", "tree"], { cwd: dir });
  expect(r.code).toBe(ExitCode.ok);
  return dir;
}

async function runVerify(dir: string, extra: string[] = [], env: { [k: string]: string | undefined } = process.env) {
  const r = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix"), "--json", ...extra], { cwd: dir, env });
  const report = r.stdout ? (JSON.parse(r.stdout) as VerifyReport) : undefined;
  return { ...r, report, statuses: report?.steps.map((s) => `${s.id} ${s.status}`) };
}

/** Replaces a step's command (and its arguments) in the generated tree, as a user editing it would. */
async function setCommand(dir: string, id: string, command: string, args: string[]): Promise<void> {
  const file = join(dir, "tree", id, "default.nix");
  const text = await Bun.file(file).text();
  const edited = text
    .replace(/command = "[^"]*";/, `command = "${command}";`)
    .replace(/args = \[[^\]]*\];/, `args = [ ${args.map((a) => `"${a}"`).join(" ")} ];`);
  expect(edited).not.toBe(text);
  await Bun.write(file, edited);
}

async function editManifest(dir: string, edit: (m: { steps: Array<{ id: string; index: number; deps: string[] }> }) => void): Promise<void> {
  const file = join(dir, "tree/steps.json");
  const m = await Bun.file(file).json();
  edit(m);
  await Bun.write(file, JSON.stringify(m, null, 2));
}

/** The lines of stderr that report a user-facing error: exactly one, and no stack trace. */
function errorLines(stderr: string): string[] {
  expect(stderr).not.toMatch(/^\s+at .*\.ts:\d+/m);
  expect(stderr).not.toContain("RangeError");
  // consola's fancy reporter says " ERROR ", its basic one (no TTY, under test) "[error]".
  return stderr.split("\n").filter((l) => /^\s*(\[error\]|ERROR )/.test(l));
}

/**
 * A `nix-store` first on PATH that runs `cases` (a shell `case "$*"` body) and otherwise hands over
 * to the real one: a store whose database cannot be read, a build loop that crashes.
 */
async function brokenNixStore(dir: string, cases: string): Promise<{ [k: string]: string | undefined }> {
  const real = Bun.which("nix-store");
  expect(real).toBeTruthy();
  const bin = join(dir, "broken-bin");
  const script = join(bin, "nix-store");
  await Bun.write(script, `#!/bin/sh\ncase "$*" in\n${cases}\nesac\nexec ${real} "$@"\n`);
  await chmod(script, 0o755);
  return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
}

describe("verify trusts only the store, and Nix failing is an error (nixFailed)", () => {
  test("a validity query that fails is not 'everything is built'", async () => {
    const dir = await genTree();
    const env = await brokenNixStore(dir, `  *--check-validity*) echo "error: opening the Nix database: Permission denied" >&2; exit 1;;`);
    const r = await runVerify(dir, [], env);
    expect(r.code).toBe(ExitCode.nixFailed);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("✔");
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("nix-store --check-validity exited with 1: opening the Nix database: Permission denied");
    expect(r.stderr).toContain("hint:");
  });

  test("a realise that built nothing and a store that cannot be asked afterwards: no step is passed", async () => {
    const dir = await genTree();
    const mark = join(dir, "realised");
    const env = await brokenNixStore(
      dir,
      [
        `  *--realise*) touch ${mark}; exit 0;;`,
        `  *--check-validity*) if [ -e ${mark} ]; then echo "error: database disk image is malformed" >&2; exit 1; fi;;`,
      ].join("\n"),
    );
    const r = await runVerify(dir, [], env);
    expect(r.code).toBe(ExitCode.nixFailed);
    expect(r.stderr).not.toContain("✔ passed");
    expect(errorLines(r.stderr)[0]).toContain("database disk image is malformed");
  });

  test("a realise that says success but built nothing", async () => {
    const dir = await genTree();
    const env = await brokenNixStore(dir, `  *--realise*) exit 0;;`);
    const r = await runVerify(dir, [], env);
    expect(r.code).toBe(ExitCode.nixFailed);
    expect(r.stderr).not.toContain("✔ passed");
    expect(errorLines(r.stderr)[0]).toMatch(/nix-store --realise said it built everything, but step00\d's output .* is not in the store/);
  });

  test("a realise that crashes (not a build failure) with no step failing", async () => {
    const dir = await genTree();
    const env = await brokenNixStore(dir, `  *--realise*) echo "error: unexpected end-of-file in the build loop" >&2; exit 1;;`);
    const r = await runVerify(dir, [], env);
    expect(r.code).toBe(ExitCode.nixFailed);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("nix-store --realise failed (exit code 1) with no step failing: error: unexpected end-of-file in the build loop");
  });
});

test("--keep-going with one build at a time: a failed step is reported once, as failed", async () => {
  const dir = await genTree();
  // step003 depends on nothing, so Nix builds it between step001 and step002.
  await setCommand(dir, "step003", "false", []);
  const r = await runVerify(dir, ["--keep-going", "--jobs", "1"]);
  expect(r.code).toBe(ExitCode.buildFailed);
  expect(r.statuses).toEqual(["step001 passed", "step002 passed", "step003 failed", "step004 passed"]);
  const live = r.stderr.split("\n").filter((l) => /\[\d\/4\] step\d{3} /.test(l));
  expect(live).toHaveLength(4);
  expect(live.filter((l) => l.includes("step003"))).toEqual([expect.stringContaining("✖ failed")]);
  for (const n of [1, 2, 3, 4]) expect(live.filter((l) => l.includes(`[${n}/4]`))).toHaveLength(1);
  expect(r.stderr).toContain("1 failed, 0 skipped");
});

describe("steps.json is validated as a graph before anything runs (notATree)", () => {
  const cases: Array<[string, (m: { steps: Array<{ id: string; index: number; deps: string[] }> }) => void, RegExp]> = [
    ["a dependency cycle", (m) => void (m.steps[0]!.deps = ["step004"]), /step001 depends on step004, which does not come before it \(a dependency cycle\)/],
    ["a duplicate id", (m) => void (m.steps[2]!.id = "step002"), /step step002 appears twice/],
    ["a dependency naming no step", (m) => void (m.steps[3]!.deps = ["step002", "step009"]), /step004 depends on step009, which is not a step of this tree/],
    ["an index that is not the step's position", (m) => void (m.steps[1]!.index = 7), /steps\.1: step002 has index 7, but it is step number 2/],
  ];
  for (const [name, edit, message] of cases) {
    test(name, async () => {
      const dir = await genTree();
      await editManifest(dir, edit);
      const v = await runVerify(dir);
      expect(v.code).toBe(ExitCode.notATree);
      const errors = errorLines(v.stderr);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(v.stderr).not.toContain("evaluating");
      const g = await cli(["graph", "tree"], { cwd: dir });
      expect(g.code).toBe(ExitCode.notATree);
      expect(g.stdout).toBe("");
      expect(errorLines(g.stderr)[0]).toMatch(message);
    });
  }
});

test("a tree Nix cannot evaluate (a step folder deleted): Nix's own error, and all of it with --verbose", async () => {
  const dir = await genTree();
  await rm(join(dir, "tree/step002"), { recursive: true });
  const r = await runVerify(dir);
  expect(r.code).toBe(ExitCode.evalFailed);
  const errors = errorLines(r.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/evaluating .* failed: getting status of '.*\/step002': No such file or directory/);
  expect(r.stderr).not.toContain("(use '--show-trace'");
  const verbose = await runVerify(dir, ["--verbose"]);
  expect(verbose.code).toBe(ExitCode.evalFailed);
  expect(verbose.stderr).toContain("(use '--show-trace' to show detailed location information)");
  expect(verbose.stderr).toContain("error: getting status of");
});

test("--from after --to chooses nothing: an error, not ✔", async () => {
  const dir = await genTree();
  const r = await runVerify(dir, ["--from", "step004", "--to", "step002"]);
  expect(r.code).toBe(ExitCode.badInput);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toContain("✔");
  const errors = errorLines(r.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain("no step to build: --from step004 --to step002 chooses none");
});

test("--jobs 2: each step's seconds are its own build time, not the time until the batch ended", async () => {
  const dir = await genTree();
  // step003 depends on nothing, so it runs beside step001 -> step002 -> step004, for 3 s.
  await setCommand(dir, "step003", "sleep", ["3"]);
  const r = await runVerify(dir, ["--jobs", "2"]);
  expect(r.code).toBe(ExitCode.ok);
  const byId = new Map(r.report!.steps.map((s) => [s.id, s]));
  const slow = byId.get("step003")!;
  expect(slow.status).toBe("passed");
  expect(slow.timing).toBeUndefined();
  expect(slow.seconds).toBeGreaterThanOrEqual(2.9);
  expect(slow.seconds).toBeLessThan(6);
  // Its command's own seconds, as run-step.sh timed them, and the rest of its build: its overhead.
  expect(slow.commandSeconds).toBeGreaterThanOrEqual(3);
  expect(slow.commandSeconds).toBeLessThanOrEqual(slow.seconds);
  expect(slow.overheadSeconds).toBeGreaterThanOrEqual(0);
  expect(slow.overheadSeconds).toBeLessThan(2);
  for (const id of ["step001", "step002", "step004"]) {
    const s = byId.get(id)!;
    expect(s.status).toBe("passed");
    expect(s.timing).toBeUndefined();
    // rustc on a one-line crate: far less than the sleep it ran beside.
    expect(s.seconds).toBeLessThan(slow.seconds - 1);
  }
  expect(r.stderr).toMatch(/step003 🦀 rustc tool \.\.\. [3-5]\.\ds ✔ passed/);
  // The timeline: the chain one after another, the sleep beside it.
  const span = (id: string) => {
    const { startSeconds, seconds } = byId.get(id)!;
    return [startSeconds!, startSeconds! + seconds] as const;
  };
  expect(span("step001")[0]).toBeGreaterThanOrEqual(0);
  expect(span("step001")[1]).toBeLessThanOrEqual(span("step002")[0]);
  expect(span("step002")[1]).toBeLessThanOrEqual(span("step004")[0]);
  expect(span("step003")[0]).toBeLessThan(span("step004")[1]);
  expect(span("step003")[1]).toBeGreaterThan(span("step001")[0]);
});

describe("a step runs the compiler verify's report names, and --toolchain is a working one the tree uses", () => {
  test("a rustc in the folder of the stand-in's coreutils (as Debian's rustc-web in /usr/bin beside rustup's) does not shadow the toolchain's", async () => {
    const dir = await genTree();
    // Offline, coreutils is named by the folder `cp` is found in; this folder's rustc comes
    // after the real one on PATH (it does not answer --print sysroot, so the stand-in passes it
    // by, as it passed /usr/bin/rustc by for rustup's), but first on a step's PATH it would run.
    const shadow = join(dir, "shadow/bin");
    await mkdir(shadow, { recursive: true });
    await symlink(Bun.which("cp")!, join(shadow, "cp"));
    await Bun.write(join(shadow, "rustc"), `#!/bin/sh\ncase "$*" in *--print*) exit 1;; esac\necho "not the rustc verify names: $0" >&2\nexit 1\n`);
    await chmod(join(shadow, "rustc"), 0o755);
    const r = await runVerify(dir, [], { ...process.env, PATH: `${shadow}:${process.env.PATH}` });
    expect({ code: r.code, err: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, err: "" });
    expect(r.statuses).toEqual(["step001 passed", "step002 passed", "step003 passed", "step004 passed"]);
    // The report names the stand-in's compiler, and that one built: its version is in the rlib.
    const sysroot = (await spawn(["rustc", "--print", "sysroot"])).stdout.trim();
    const version = (await spawn([join(sysroot, "bin/rustc"), "-V"])).stdout.trim();
    expect(r.report!.steps.filter((s) => s.kind === "rustc").map((s) => s.compiler)).toEqual(Array(3).fill(`${version} at ${sysroot}`));
    expect(r.stderr).toContain(`compilers: ${version} at ${sysroot} for 3 steps`);
    const rlib = await Bun.file(join(r.report!.steps[0]!.outPath!, "build/libgreeting.rlib")).text();
    expect(rlib).toContain(version);
  });

  /** A toolchain folder with bin/rustc and bin/cargo of the given text and mode. */
  async function fakeToolchain(dir: string, script: string, mode: number): Promise<string> {
    const tc = join(dir, "toolchain");
    for (const tool of ["rustc", "cargo"]) {
      await Bun.write(join(tc, "bin", tool), script);
      await chmod(join(tc, "bin", tool), mode);
    }
    return tc;
  }

  test.each([
    ["a compiler that echoes and exits 0", '#!/bin/sh\necho "$@"\nexit 0\n', 0o755],
    ["a bin/rustc that is not executable", "#!/bin/sh\nexit 0\n", 0o644],
  ])("--toolchain with %s: one line before anything is evaluated, nothing built", async (_, script, mode) => {
    const dir = await genTree();
    const tc = await fakeToolchain(dir, script, mode);
    const r = await runVerify(dir, ["--toolchain", tc]);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("✔");
    expect(r.stderr).not.toContain("evaluating");
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`--toolchain ${tc}: bin/rustc is not a working rustc`);
  });

  test("--toolchain that the tree would not use (online, a tree that pins no compiler): one line", async () => {
    const dir = await genTree();
    const sysroot = (await spawn(["rustc", "--print", "sysroot"])).stdout.trim();
    const r = await cli(["verify", "tree", "--toolchain", sysroot], { cwd: dir });
    expect(r.code).toBe(ExitCode.badInput);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`--toolchain ${sysroot} would not be used: this tree (--depth shell) pins no compiler`);
    expect(r.stderr).not.toContain("evaluating");
  });
});

describe("verify's options are checked before anything runs: one line, exit badInput, nothing evaluated", () => {
  test.each([
    ["--src naming a file", (dir: string) => ["--state", join(dir, "nix"), "--src", join(dir, "tree/steps.json")], "--src DIR/tree/steps.json is not a folder"],
    ["--src naming nothing", (dir: string) => ["--state", join(dir, "nix"), "--src", join(dir, "nope")], "--src DIR/nope does not exist"],
    [
      "--state naming a file",
      (dir: string) => ["--state", join(dir, "tree/steps.json")],
      "--state DIR/tree/steps.json cannot hold verify's store and settings: it, or a folder above it, is a file",
    ],
    ["--state under a file", (dir: string) => ["--state", join(dir, "tree/steps.json/nix")], "it, or a folder above it, is a file"],
    [
      "--state where no folder can be made",
      () => ["--state", "/proc/nixify-state"],
      "--state /proc/nixify-state cannot hold verify's store and settings: it cannot be made or written",
    ],
    ["--state with a space", (dir: string) => ["--state", join(dir, "my state")], `has " ", which Nix cannot take in the store and flake URLs that name it`],
    ["--state with a semicolon", (dir: string) => ["--state", join(dir, "a;b")], `has ";", which Nix cannot take`],
    [
      "--jobs beyond what Nix takes",
      (dir: string) => ["--state", join(dir, "nix"), "--jobs", "100000000000000000000"],
      "--jobs must be a whole number from 0 to 4294967295",
    ],
    ["--jobs in another notation", (dir: string) => ["--state", join(dir, "nix"), "--jobs", "1e3"], "--jobs must be a whole number from 0 to 4294967295"],
  ] as const)("%s", async (_, args, message) => {
    const dir = await genTree();
    const r = await cli(["verify", "tree", "--offline", ...args(dir)], { cwd: dir });
    expect(r.code).toBe(ExitCode.badInput);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message.replace("DIR", dir));
    expect(r.stderr).not.toContain("evaluating");
  });
});
