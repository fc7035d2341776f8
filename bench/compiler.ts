// Benchmark of a whole Rust compiler through Nix (not a test, not CI: hours on 2 cores).
//   bun bench/compiler.ts [WORK] [--rust 1.63|1.95] [--rounds N] [--tree DIR]
//     WORK     default $TMPDIR/nixify-bench-compiler-<rust>
//     --rust   which compiler (default 1.63; see RUSTS below)
//     --rounds plain and verify N times each, interleaved (plain, verify, plain, verify, ...);
//              the ratio is of their medians (default 1)
//     --tree   a tree gen already wrote for the same build (e.g. test/fixtures/compiler-1.63.tar.xz
//              unpacked): no gen phase; verify points it at the prepared checkout (--src)
// On Rust 1.63 or 1.95 prepared as Debian does (RUSTS: the stage0, LLVM and config of each),
// `x.py build --stage 1 <RUSTS: library>` (the stage-1 compiler and its std with libtest):
//   gen       gen --depth rustc: the observed capture, steps by kind
//   plain N   x.py's wall time from a fresh build dir, its bootstrap binary already built
//   verify N  verify --jobs 2 --offline into a fresh store; the Nix-built stage-1 rustc's
//             --version, and hello world compiled against the Nix-built stage-1 std, run
//   change N  one line added to a compiler crate (RUSTS: changedFile), another each round, in a
//             copy of the checkout: verify --src COPY on the last verify's store (steps rebuilt,
//             evaluation, each rebuilt step's command and overhead), then x.py's own rebuild after
//             the same change in the last plain build's dir (its rustc wrapper timing each call,
//             to set crate by crate beside verify's commands); --change-rounds N (default 3), and
//             the ratio of their medians
// Each phase's figures are kept in WORK/figures.json (and each verify round's report in WORK/verify-N.json) and a finished phase is not run again, so
// the phases may run in separate sittings; delete the file (or WORK) to start over. Each phase
// records the machine's mean load (meanLoad), the CPU seconds all processes used (cpuSeconds) and
// the share of the time the cores were busy (busy): the same x.py build has taken a fifth more or
// less CPU time from one run to the next here, hence interleaved rounds and medians. verify also
// gives its steps' seconds summed and its critical path (the longest chain of steps, each at its
// own seconds): a build bound by its chain has a critical path near its wall time, one bound by
// the cores a sum near cores x wall time; and from the report's timeline, the seconds in which no
// step built (Nix between builds), in which one step built alone, and which steps built alone longest;
// and the steps' commands' seconds summed against their own overhead (the report's commandSeconds
// and overheadSeconds), with the median overhead per step, for the rebuild (change) too.
import { mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Manifest } from "../lib/schema.ts";
import { NO_CODEGEN } from "../lib/steps/pipeline.ts";
import { spawn } from "../lib/process.ts";
import type { StepReport, VerifyReport } from "../lib/verify/report.ts";
import { loadManifest } from "../lib/write/tree.ts";

const HERE = join(import.meta.dir, "..");
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rust: { type: "string", default: "1.63" },
    rounds: { type: "string", default: "1" },
    "change-rounds": { type: "string", default: "3" },
    tree: { type: "string" },
  },
});
const TARGET = "x86_64-unknown-linux-gnu";

/**
 * What each compiler builds with. 1.63: Debian's rustc 1.63 as stage0 (a local rebuild) and LLVM 14.
 * 1.95: the machine's toolchain, which must be 1.94 or 1.95 (Debian's 1.96 does not build 1.95's
 * compiler), LLVM 22 from Debian 12's security archive, and Debian's own config keys for 1.95 (its
 * compiler-rt builtins archive: a stable std otherwise wants src/llvm-project).
 */
type Rust = {
  configName: string;
  /** What x.py builds at stage 1: the std with libtest (1.63's library/std holds it, 1.95's does not). */
  library: string;
  changedFile: string;
  aptPackages: string[];
  stage0: () => Promise<string>;
  config: (stage0: string, buildDir: string) => string;
};
const RUSTS: { [version: string]: Rust } = {
  "1.63": {
    configName: "config.toml",
    library: "library/std",
    changedFile: "compiler/rustc_driver/src/lib.rs",
    aptPackages: ["llvm-14-dev"],
    stage0: () => support("debian-stage0.sh", "1.63"),
    config: (stage0, buildDir) =>
      `changelog-seen = 2\n[build]\nrustc = "${stage0}/bin/rustc"\ncargo = "${stage0}/bin/cargo"\nsubmodules = false\nlocal-rebuild = true\n` +
      `vendor = true\nbuild-dir = "${buildDir}"\ndocs = false\n[rust]\ndeny-warnings = false\n[llvm]\nlink-shared = true\n` +
      `[target.${TARGET}]\nllvm-config = "/usr/bin/llvm-config-14"\n`,
  },
  "1.95": {
    configName: "bootstrap.toml",
    library: "library",
    changedFile: "compiler/rustc_driver_impl/src/lib.rs",
    aptPackages: ["llvm-22-dev", "llvm-22-tools", "libclang-rt-22-dev"],
    stage0: () => support("toolchain-for.sh", "1.95"),
    config: (stage0, buildDir) =>
      `change-id = "ignore"\n[build]\nrustc = "${stage0}/bin/rustc"\ncargo = "${stage0}/bin/cargo"\nsubmodules = false\nvendor = true\n` +
      `build-dir = "${buildDir}"\ndocs = false\noptimized-compiler-builtins = "/usr/lib/llvm-22/lib/clang/22/lib/linux/libclang_rt.builtins-x86_64.a"\n` +
      `[llvm]\nlink-shared = true\ndownload-ci-llvm = false\n[rust]\ndownload-rustc = false\njemalloc = false\ndeny-warnings = false\n` +
      `channel = "stable"\nlld = false\n[target.${TARGET}]\nllvm-config = "/usr/lib/llvm-22/bin/llvm-config"\n`,
  },
};
const rust = RUSTS[opts.rust!];
if (!rust) throw new Error(`--rust ${opts.rust}: one of ${Object.keys(RUSTS).join(", ")}`);
const work = resolve(positionals[0] ?? join(tmpdir(), `nixify-bench-compiler-${opts.rust}`));
const rounds = Number(opts.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${opts.rounds}: give a whole number of at least 1`);
const CHANGED_FILE = rust.changedFile;
await mkdir(work, { recursive: true });

type Figures = { [phase: string]: { [k: string]: number | string } };
const figuresFile = join(work, "figures.json");
const figures: Figures = (await Bun.file(figuresFile).exists()) ? await Bun.file(figuresFile).json() : {};
const save = () => Bun.write(figuresFile, `${JSON.stringify(figures, null, 2)}\n`);

async function run(argv: string[], opts: { cwd?: string; env?: { [k: string]: string } } = {}): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const t = performance.now();
  const r = await spawn(argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  const seconds = (performance.now() - t) / 1000;
  if (r.code !== 0) throw new Error(`${argv.slice(0, 4).join(" ")} ... failed (${r.code}): ${r.stderr.slice(-3000)}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}
async function support(script: string, version: string): Promise<string> {
  return (await run(["bash", join(HERE, "test/support", script), version])).stdout.trim().split("\n").at(-1)!;
}
const nixify = (args: string[], cwd = work) => run([process.execPath, join(HERE, "main.ts"), ...args], { cwd });
// /proc/stat's first line: the machine's CPU time in ticks (USER_HZ, 100 on Linux), busy and all.
const CLOCK_TICKS = 100;
async function cpuTicks(): Promise<{ busy: number; all: number }> {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (await Bun.file("/proc/stat").text())
    .split("\n")[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, all: busy + idle! + iowait! + steal! };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Its steps' seconds summed, the longest chain of steps by their seconds, and the metadata steps (pipelining) with their seconds. */
function stepSeconds(manifest: Manifest, report: VerifyReport): { [k: string]: number | string } {
  const seconds = new Map(report.steps.map((s) => [s.id, s.seconds]));
  const finish = new Map<string, number>();
  for (const s of manifest.steps) finish.set(s.id, Math.max(0, ...s.deps.map((d) => finish.get(d) ?? 0)) + (seconds.get(s.id) ?? 0));
  const sum = (ids: string[]) => Math.round(ids.reduce((a, id) => a + (seconds.get(id) ?? 0), 0));
  const metadata = manifest.steps.filter((s) => s.args.includes(NO_CODEGEN)).map((s) => s.id);
  // Each step's own cost beside its command (run-step.sh times the command; Nix's log the rest).
  const overheads = report.steps.flatMap((s) => (s.overheadSeconds === undefined ? [] : [s.overheadSeconds]));
  const commandSum = report.steps.reduce((a, s) => a + (s.commandSeconds ?? 0), 0);
  return {
    stepSecondsSum: sum(manifest.steps.map((s) => s.id)),
    commandSecondsSum: Math.round(commandSum),
    overheadSteps: overheads.length,
    medianOverheadMs: overheads.length ? Math.round(median(overheads) * 1000) : "none",
    overheadSecondsSum: Math.round(overheads.reduce((a, b) => a + b, 0)),
    criticalPathSeconds: Math.round(Math.max(...finish.values())),
    metadataSteps: metadata.length,
    metadataStepSeconds: sum(metadata),
    ...sideBySide(report),
  };
}

/**
 * From the report's timeline: the seconds of the build (after evaluation) in which no step built,
 * in which one built alone, and the steps that built alone longest (where the build waited on one
 * call: the candidates for pipelining or a shorter chain).
 */
function sideBySide(report: VerifyReport): { [k: string]: number | string } {
  const edges = report.steps.flatMap((s) =>
    s.startSeconds === undefined
      ? []
      : ([
          [s.startSeconds, 1, s],
          [s.startSeconds + s.seconds, -1, s],
        ] as const),
  );
  if (edges.length === 0) return {};
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const alone = new Map<StepReport, number>();
  const running = new Set<StepReport>();
  let [t, idle] = [0, 0];
  for (const [at, change, step] of edges) {
    if (running.size === 0) idle += at - t;
    else if (running.size === 1) for (const s of running) alone.set(s, (alone.get(s) ?? 0) + at - t);
    t = at;
    if (change > 0) running.add(step);
    else running.delete(step);
  }
  const oneStep = [...alone.values()].reduce((a, b) => a + b, 0);
  const longest = [...alone]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([s, seconds]) => `${s.id} ${s.label} ${Math.round(seconds)} s`);
  return { noStepSeconds: Math.round(idle), oneStepSeconds: Math.round(oneStep), aloneLongest: longest.join("; ") };
}

/**
 * The compiler calls of a rebuild, crate by crate: verify's commands against the x.py's rustc
 * wrapper's timings (`[RUSTC-TIMING] CRATE test:false SECONDS`), both summed over a crate's calls,
 * and the crates whose calls took longest more under one than under the other (a slower command,
 * not our overhead, when the sums differ).
 */
function crateSeconds(rebuilt: StepReport[], xpyStderr: string): { [k: string]: number | string } {
  const add = (m: Map<string, number>, k: string, s: number) => m.set(k, (m.get(k) ?? 0) + s);
  const ours = new Map<string, number>();
  for (const s of rebuilt) {
    const crate = /^rustc (\S+)/.exec(s.label)?.[1];
    if (crate && s.commandSeconds !== undefined) add(ours, crate, s.commandSeconds);
  }
  const theirs = new Map<string, number>();
  for (const [, crate, seconds] of xpyStderr.matchAll(/^\[RUSTC-TIMING\] (\S+) test:false (\d+\.\d+)/gm)) add(theirs, crate!, Number(seconds));
  if (theirs.size === 0) return {};
  const crates = [...new Set([...ours.keys(), ...theirs.keys()])];
  const sum = (m: Map<string, number>) => Number([...m.values()].reduce((a, b) => a + b, 0).toFixed(1));
  const apart = crates
    .map((c) => [c, (ours.get(c) ?? 0) - (theirs.get(c) ?? 0)] as const)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 6)
    .map(([c, d]) => `${c} ${(ours.get(c) ?? 0).toFixed(1)} s against ${(theirs.get(c) ?? 0).toFixed(1)} s`);
  return { commandSecondsOfCrates: sum(ours), xpyCrateSeconds: sum(theirs), xpyCrates: theirs.size, cratesApart: apart.join("; ") };
}

async function phase(name: string, body: () => Promise<{ [k: string]: number | string }>): Promise<void> {
  if (figures[name]) return console.log(`${name}: kept from an earlier run`, figures[name]);
  console.log(`${name}: running`);
  // The machine's load while the phase runs (1-minute load average, sampled every 15 s): on 2
  // cores a figure taken at load 2 and one taken at load 6 are not like for like.
  const loads: number[] = [];
  const sample = async () => loads.push(Number((await Bun.file("/proc/loadavg").text()).split(" ")[0]));
  const timer = setInterval(sample, 15_000);
  const cpu0 = await cpuTicks();
  try {
    figures[name] = await body();
  } finally {
    clearInterval(timer);
  }
  const cpu1 = await cpuTicks();
  if (loads.length > 0) figures[name]!.meanLoad = Number((loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1));
  figures[name]!.cpuSeconds = Math.round((cpu1.busy - cpu0.busy) / CLOCK_TICKS);
  figures[name]!.busy = Number(((cpu1.busy - cpu0.busy) / (cpu1.all - cpu0.all)).toFixed(2));
  await save();
  console.log(`${name}:`, figures[name]);
}

// A compiler build needs a system LLVM (Debian's tarballs drop src/llvm-project): Debian 12's.
if ((await spawn(["dpkg", "-s", ...rust.aptPackages])).code !== 0) {
  await run(["sh", "-c", `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${rust.aptPackages.join(" ")} >/dev/null`]);
}
const [src, stage0] = [await support("prepare-debian-tree.sh", opts.rust!), await rust.stage0()];
const config = (buildDir: string) => rust.config(stage0, buildDir);

/** A copy of the checkout that shares its files (hard links), with CHANGED_FILE replaced by one with `change` (a line) added. */
async function copyOf(dest: string, change?: string): Promise<string> {
  if (!(await Bun.file(join(dest, "x.py")).exists())) {
    await spawn(["rm", "-rf", dest]);
    if ((await spawn(["cp", "-al", src, dest])).code !== 0) await run(["cp", "-a", src, dest]);
  }
  const file = join(dest, CHANGED_FILE);
  const text = await Bun.file(join(src, CHANGED_FILE)).text();
  await run(["rm", "-f", file]);
  await Bun.write(file, change === undefined ? text : `${text}\n${change}\n`);
  return dest;
}

const tree = opts.tree ? resolve(opts.tree) : join(work, "tree");
if (!opts.tree) {
  await phase("gen", async () => {
    // A fresh build dir: what is already built is not compiled again, so it would not be observed.
    await spawn(["rm", "-rf", join(work, "gen-build")]);
    await Bun.write(join(work, "gen-config.toml"), config(join(work, "gen-build")));
    const g = await nixify([
      "gen",
      "--src",
      src,
      "--depth",
      "rustc",
      "--config",
      "gen-config.toml",
      "--out",
      tree,
      "--force",
      "--json",
      "--",
      "build",
      "--stage",
      "1",
      rust.library,
    ]);
    const manifest = JSON.parse(g.stdout) as Manifest;
    const kinds: { [k: string]: number } = {};
    for (const s of manifest.steps) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
    return { genSeconds: Math.round(g.seconds), steps: manifest.steps.length, ...Object.fromEntries(Object.entries(kinds).map(([k, n]) => [`steps ${k}`, n])) };
  });
}

// x.py alone, in a copy of the checkout (the change phase edits it), from a fresh build dir each
// round, its bootstrap binary built first.
const plainSrc = join(work, "plain-src");
const plainDir = join(work, "plain");
const plain = async () => {
  await copyOf(plainSrc);
  await spawn(["rm", "-rf", plainDir]);
  await mkdir(plainDir, { recursive: true });
  await Bun.write(join(plainDir, rust.configName), config(join(plainDir, "build")));
  // x.py build --help builds the bootstrap binary, then may exit 1 (usage); the binary is what counts.
  // (A bare --help does not build it on newer trees: bootstrap.py prints a saved text.)
  await spawn(["python3", join(plainSrc, "x.py"), "build", "--help"], { cwd: plainDir, env: process.env });
  if (!(await Bun.file(join(plainDir, "build/bootstrap/debug/bootstrap")).exists())) throw new Error("x.py build --help built no bootstrap binary");
  const b = await run(["python3", join(plainSrc, "x.py"), "build", "--stage", "1", rust.library], { cwd: plainDir });
  return { xpySeconds: Math.round(b.seconds) };
};

/**
 * A small real project whose dependencies come from the checkout's vendor/ (cargo's source
 * replacement, offline), built and tested by the stage0 cargo with RUSTC the Nix-built compiler:
 * the summary line of `cargo test`.
 */
async function vendoredProject(rustc: string): Promise<string> {
  const dir = join(work, "project");
  await spawn(["rm", "-rf", dir]);
  await Bun.write(
    join(dir, "Cargo.toml"),
    '[package]\nname = "digits"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nitoa = "1"\nmemchr = "2"\nsmallvec = "1"\n',
  );
  await Bun.write(join(dir, ".cargo/config.toml"), `[source.crates-io]\nreplace-with = "vendored"\n[source.vendored]\ndirectory = "${join(src, "vendor")}"\n`);
  await Bun.write(
    join(dir, "src/lib.rs"),
    `use smallvec::SmallVec;
/// The decimal digits of n, and where the first 0 is among them.
pub fn digits(n: u64) -> (SmallVec<[u8; 20]>, Option<usize>) {
    let mut buf = itoa::Buffer::new();
    let text: SmallVec<[u8; 20]> = buf.format(n).bytes().collect();
    let zero = memchr::memchr(b'0', &text);
    (text, zero)
}
#[cfg(test)]
mod tests {
    #[test]
    fn digits_of_a_number() {
        let (d, zero) = super::digits(1_203);
        assert_eq!(&d[..], b"1203");
        assert_eq!(zero, Some(2));
    }
    #[test]
    fn no_zero() {
        assert_eq!(super::digits(7).1, None);
    }
}
`,
  );
  const env = { ...process.env, RUSTC: rustc, CARGO_HOME: join(dir, ".cargo-home"), CARGO_TARGET_DIR: join(dir, "target") };
  // --lib: its unit tests, not its doc tests, which run the stage0's rustdoc (the tree builds none),
  // and a rustdoc of another compiler cannot read the crates this one compiled (E0514).
  const t = await spawn([join(stage0, "bin/cargo"), "test", "--offline", "--lib"], { cwd: dir, env });
  if (t.code !== 0) throw new Error(`cargo test with the Nix-built rustc failed: ${t.stderr.slice(-3000)}`);
  return /test result: .*/.exec(t.stdout)?.[0] ?? "no test result";
}

const state = join(work, "nix");
// verify names the prepared checkout (--src) itself: a given tree (the fixture) names none of this machine's.
const verifyArgs = ["verify", tree, "--offline", "--state", state, "--toolchain", stage0, "--jobs", "2", "--json"];
const verify = async (round: number) => {
  await spawn(["rm", "-rf", state]);
  const v = await nixify([...verifyArgs, "--src", src]);
  // Each round's report is kept (each step's seconds), to see where the build ran one step alone.
  await Bun.write(join(work, `verify-${round}.json`), v.stdout);
  const report = JSON.parse(v.stdout) as VerifyReport;
  // The last hand-over into stage1 is the compiler with its std, as x.py leaves build/<host>/stage1.
  const { manifest } = await loadManifest(tree);
  const last = manifest.steps.filter((s) => s.kind === "handover" && s.label.includes(`${TARGET}/stage1`)).at(-1)!;
  const stage1 = join(report.steps.find((s) => s.id === last.id)!.outPath!, "build", TARGET, "stage1");
  const version = (await run([join(stage1, "bin/rustc"), "--version"])).stdout.trim();
  await Bun.write(join(work, "hello.rs"), 'fn main() { println!("hello from a Nix-built rustc and std"); }\n');
  await run([join(stage1, "bin/rustc"), "hello.rs", "-o", "hello"], { cwd: work });
  const hello = (await run([join(work, "hello")])).stdout.trim();
  const project = await vendoredProject(join(stage1, "bin/rustc"));
  return {
    verifySeconds: Math.round(report.totalSeconds),
    evalSeconds: Math.round(report.evalSeconds),
    passed: report.steps.filter((s) => s.status === "passed").length,
    failed: report.steps.filter((s) => s.status !== "passed" && s.status !== "built").length,
    stage1Version: version,
    hello,
    project,
    stage1Files: (await readdir(join(stage1, "lib"))).length,
    ...stepSeconds(manifest, report),
  };
};

for (let round = 1; round <= rounds; round++) {
  await phase(`plain ${round}`, plain);
  await phase(`verify ${round}`, () => verify(round));
}

// Medians over the rounds, and each round's verify against the plain run right before it.
/** A figure of each of a phase's `count` rounds (`NAME 1`, `NAME 2`, ...). */
const ofRounds = (phaseName: string, key: string, count = rounds) => Array.from({ length: count }, (_, i) => Number(figures[`${phaseName} ${i + 1}`]![key]));
const [xpySeconds, verifySeconds] = [ofRounds("plain", "xpySeconds"), ofRounds("verify", "verifySeconds")];
const [xpy, nix] = [median(xpySeconds), median(verifySeconds)];
figures.summary = {
  rounds,
  "median x.py seconds": xpy,
  "median verify seconds": nix,
  "verify / x.py (medians)": Number((nix / xpy).toFixed(2)),
  "median x.py CPU seconds": median(ofRounds("plain", "cpuSeconds")),
  "median verify CPU seconds": median(ofRounds("verify", "cpuSeconds")),
  "verify / x.py by round": verifySeconds.map((v, i) => (v / xpySeconds[i]!).toFixed(2)).join(" "),
};
await save();

// The edit-rebuild loop: rounds of verify, then x.py, each after the same new change (round 1's
// x.py runs in the build dir the last plain round left).
const changeRounds = Number(opts["change-rounds"]);
for (let round = 1; round <= changeRounds; round++) {
  await phase(`change ${round}`, async () => {
    // Another line each run too: a round of an earlier run must not find its rebuild in the store.
    const change = `// nixify-rust bench: change ${round}, ${new Date().toISOString()}`;
    const changed = await copyOf(join(work, "changed-src"), change);
    const v = await nixify([...verifyArgs, "--src", changed]);
    await Bun.write(join(work, `change-${round}.json`), v.stdout);
    const report = JSON.parse(v.stdout) as VerifyReport;
    await copyOf(plainSrc, change);
    // The bootstrap's rustc wrapper times each compiler call it runs (every version has it).
    const x = await run(["python3", join(plainSrc, "x.py"), "build", "--stage", "1", rust.library], {
      cwd: plainDir,
      env: { RUSTC_PRINT_STEP_TIMINGS: "1" },
    });
    const rebuilt = report.steps.filter((s) => s.status === "passed");
    // Each rebuilt step: its seconds, its command's and its own overhead's.
    for (const s of rebuilt) {
      console.log(
        `  ${s.id} ${s.label}: ${s.seconds.toFixed(2)} s, command ${s.commandSeconds?.toFixed(2) ?? "-"} s, overhead ${s.overheadSeconds?.toFixed(2) ?? "-"} s`,
      );
    }
    return {
      rebuilt: rebuilt.length,
      alreadyBuilt: report.steps.filter((s) => s.status === "built").length,
      verifySeconds: Number(report.totalSeconds.toFixed(1)),
      evalSeconds: Number(report.evalSeconds.toFixed(2)),
      xpyRebuildSeconds: Number(x.seconds.toFixed(1)),
      "verify / x.py rebuild": Number((report.totalSeconds / x.seconds).toFixed(2)),
      // Where the rebuild's seconds went: the rebuilt steps' commands, their own overhead, the chain.
      ...stepSeconds((await loadManifest(tree)).manifest, report),
      ...crateSeconds(rebuilt, x.stderr),
    };
  });
}
if (changeRounds > 0) {
  const ofChanges = (key: string) => ofRounds("change", key, changeRounds);
  const [nixRebuild, xpyRebuild] = [median(ofChanges("verifySeconds")), median(ofChanges("xpyRebuildSeconds"))];
  figures["change summary"] = {
    rounds: changeRounds,
    "median verify rebuild seconds": nixRebuild,
    "median x.py rebuild seconds": xpyRebuild,
    "verify / x.py rebuild (medians)": Number((nixRebuild / xpyRebuild).toFixed(2)),
    "median evaluation seconds": median(ofChanges("evalSeconds")),
    "median step overhead ms": median(ofChanges("medianOverheadMs")),
    "verify / x.py rebuild by round": ofChanges("verify / x.py rebuild").join(" "),
  };
  await save();
}
console.log(JSON.stringify(figures, null, 2));
