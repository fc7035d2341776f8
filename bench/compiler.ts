// Benchmark of a whole Rust compiler through Nix (not a test, not CI: hours on 2 cores).
//   bun bench/compiler.ts [WORK]     (default WORK: $TMPDIR/nixify-bench-compiler)
// On Rust 1.63 prepared as Debian does, with Debian's rustc 1.63 as stage0 and Debian's LLVM 14,
// `x.py build --stage 1 library/std`:
//   plain     x.py's wall time, its bootstrap binary already built (timed from a built one)
//   gen       gen --depth rustc: the observed capture, steps by kind
//   verify    verify --jobs 2 --offline into a fresh store; the Nix-built stage-1 rustc's
//             --version, and hello world compiled against the Nix-built stage-1 std, run
//   change    one line added to compiler/rustc_driver/src/lib.rs in a copy of the checkout:
//             verify --src COPY (steps rebuilt, seconds) against x.py's own rebuild after it
// Each phase's figures are kept in WORK/figures.json and a finished phase is not run again, so
// the phases may run in separate sittings; delete the file (or WORK) to start over. plain runs
// right before verify, each once, and each phase records the machine's mean load (meanLoad), the
// CPU seconds all processes used (cpuSeconds) and the share of the time the cores were busy
// (busy): the ratios compare one run of each, and are like for like only where the loads match.
// verify also gives its steps' seconds summed and its critical path (the longest chain of steps,
// each at its own seconds): a build bound by its chain has a critical path near its wall time,
// one bound by the cores a sum near cores x wall time.
import { mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "../lib/schema.ts";
import { spawn } from "../lib/process.ts";
import type { VerifyReport } from "../lib/verify/report.ts";

const HERE = join(import.meta.dir, "..");
const work = process.argv[2] ?? join(tmpdir(), "nixify-bench-compiler");
const TARGET = "x86_64-unknown-linux-gnu";
const CHANGED_FILE = "compiler/rustc_driver/src/lib.rs";
await mkdir(work, { recursive: true });

type Figures = { [phase: string]: { [k: string]: number | string } };
const figuresFile = join(work, "figures.json");
const figures: Figures = (await Bun.file(figuresFile).exists()) ? await Bun.file(figuresFile).json() : {};
const save = () => Bun.write(figuresFile, `${JSON.stringify(figures, null, 2)}\n`);

async function run(argv: string[], opts: { cwd?: string } = {}): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const t = performance.now();
  const r = await spawn(argv, { cwd: opts.cwd, env: process.env });
  const seconds = (performance.now() - t) / 1000;
  if (r.code !== 0) throw new Error(`${argv.slice(0, 4).join(" ")} ... failed (${r.code}): ${r.stderr.slice(-3000)}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}
const support = async (script: string) => (await run(["bash", join(HERE, "test/support", script), "1.63"])).stdout.trim().split("\n").at(-1)!;
const nixify = (args: string[], cwd = work) => run([process.execPath, join(HERE, "main.ts"), ...args], { cwd });
// /proc/stat's first line: the machine's CPU time in ticks (USER_HZ, 100 on Linux), busy and all.
const CLOCK_TICKS = 100;
async function cpuTicks(): Promise<{ busy: number; all: number }> {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (await Bun.file("/proc/stat").text()).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, all: busy + idle! + iowait! + steal! };
}

/** Its steps' seconds summed, and the longest chain of steps by their seconds. */
function stepSeconds(manifest: Manifest, report: VerifyReport): { stepSecondsSum: number; criticalPathSeconds: number } {
  const seconds = new Map(report.steps.map((s) => [s.id, s.seconds]));
  const finish = new Map<string, number>();
  for (const s of manifest.steps) finish.set(s.id, Math.max(0, ...s.deps.map((d) => finish.get(d) ?? 0)) + (seconds.get(s.id) ?? 0));
  return { stepSecondsSum: Math.round([...seconds.values()].reduce((a, b) => a + b, 0)), criticalPathSeconds: Math.round(Math.max(...finish.values())) };
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

// A compiler build needs a system LLVM (Debian's tarballs drop src/llvm-project); 1.63 takes Debian 12's LLVM 14.
if (!(await Bun.file("/usr/bin/llvm-config-14").exists())) {
  await run(["sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-14-dev >/dev/null"]);
}
const [src, stage0] = [await support("prepare-debian-tree.sh"), await support("debian-stage0.sh")];
const config = (buildDir: string) =>
  `changelog-seen = 2\n[build]\nrustc = "${stage0}/bin/rustc"\ncargo = "${stage0}/bin/cargo"\nsubmodules = false\nlocal-rebuild = true\n` +
  `vendor = true\nbuild-dir = "${buildDir}"\ndocs = false\n[rust]\ndeny-warnings = false\n[llvm]\nlink-shared = true\n` +
  `[target.${TARGET}]\nllvm-config = "/usr/bin/llvm-config-14"\n`;

/** A copy of the checkout that shares its files (hard links), with CHANGED_FILE replaced by a changed one when asked. */
async function copyOf(dest: string, change: boolean): Promise<string> {
  if (!(await Bun.file(join(dest, "x.py")).exists())) {
    await spawn(["rm", "-rf", dest]);
    if ((await spawn(["cp", "-al", src, dest])).code !== 0) await run(["cp", "-a", src, dest]);
  }
  const file = join(dest, CHANGED_FILE);
  const text = await Bun.file(join(src, CHANGED_FILE)).text();
  await run(["rm", "-f", file]);
  await Bun.write(file, change ? `${text}\n// nixify-rust bench: a change\n` : text);
  return dest;
}

const tree = join(work, "tree");
await phase("gen", async () => {
  // A fresh build dir: what is already built is not compiled again, so it would not be observed.
  await spawn(["rm", "-rf", join(work, "gen-build")]);
  await Bun.write(join(work, "gen-config.toml"), config(join(work, "gen-build")));
  const g = await nixify(["gen", "--src", src, "--depth", "rustc", "--config", "gen-config.toml", "--out", tree, "--force", "--json", "--", "build", "--stage", "1", "library/std"]);
  const manifest = JSON.parse(g.stdout) as Manifest;
  const kinds: { [k: string]: number } = {};
  for (const s of manifest.steps) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  return { genSeconds: Math.round(g.seconds), steps: manifest.steps.length, ...Object.fromEntries(Object.entries(kinds).map(([k, n]) => [`steps ${k}`, n])) };
});

// x.py alone, in a copy of the checkout (the change phase edits it), its bootstrap binary built first.
const plainSrc = join(work, "plain-src");
await phase("plain", async () => {
  await copyOf(plainSrc, false);
  const dir = join(work, "plain");
  await mkdir(dir, { recursive: true });
  await Bun.write(join(dir, "config.toml"), config(join(dir, "build")));
  // x.py --help builds the bootstrap binary, then exits 1 on 1.63 (usage); the binary is what counts.
  await spawn(["python3", join(plainSrc, "x.py"), "--help"], { cwd: dir, env: process.env });
  if (!(await Bun.file(join(dir, "build/bootstrap/debug/bootstrap")).exists())) throw new Error("x.py --help built no bootstrap binary");
  const b = await run(["python3", join(plainSrc, "x.py"), "build", "--stage", "1", "library/std"], { cwd: dir });
  return { xpySeconds: Math.round(b.seconds) };
});

const state = join(work, "nix");
const verifyArgs = ["verify", tree, "--offline", "--state", state, "--toolchain", stage0, "--jobs", "2", "--json"];
await phase("verify", async () => {
  await spawn(["rm", "-rf", state]);
  const v = await nixify(verifyArgs);
  const report = JSON.parse(v.stdout) as VerifyReport;
  // The last hand-over into stage1 is the compiler with its std, as x.py leaves build/<host>/stage1.
  const manifest = JSON.parse(await Bun.file(join(tree, "steps.json")).text()) as Manifest;
  const last = manifest.steps.filter((s) => s.kind === "handover" && s.label.includes(`${TARGET}/stage1`)).at(-1)!;
  const stage1 = join(report.steps.find((s) => s.id === last.id)!.outPath!, "build", TARGET, "stage1");
  const version = (await run([join(stage1, "bin/rustc"), "--version"])).stdout.trim();
  await Bun.write(join(work, "hello.rs"), 'fn main() { println!("hello from a Nix-built rustc and std"); }\n');
  await run([join(stage1, "bin/rustc"), "hello.rs", "-o", "hello"], { cwd: work });
  const hello = (await run([join(work, "hello")])).stdout.trim();
  const xpy = Number(figures.plain?.xpySeconds);
  return {
    verifySeconds: Math.round(report.totalSeconds),
    evalSeconds: Math.round(report.evalSeconds),
    passed: report.steps.filter((s) => s.status === "passed").length,
    failed: report.steps.filter((s) => s.status !== "passed" && s.status !== "built").length,
    "verify / x.py": xpy ? Number((report.totalSeconds / xpy).toFixed(2)) : "no plain figure",
    stage1Version: version,
    hello,
    stage1Files: (await readdir(join(stage1, "lib"))).length,
    ...stepSeconds(manifest, report),
  };
});

await phase("change", async () => {
  const changed = await copyOf(join(work, "changed-src"), true);
  const v = await nixify([...verifyArgs, "--src", changed]);
  const report = JSON.parse(v.stdout) as VerifyReport;
  await copyOf(plainSrc, true);
  const x = await run(["python3", join(plainSrc, "x.py"), "build", "--stage", "1", "library/std"], { cwd: join(work, "plain") });
  return {
    rebuilt: report.steps.filter((s) => s.status === "passed").length,
    alreadyBuilt: report.steps.filter((s) => s.status === "built").length,
    verifySeconds: Math.round(report.totalSeconds),
    evalSeconds: Math.round(report.evalSeconds),
    xpyRebuildSeconds: Math.round(x.seconds),
    "verify / x.py rebuild": Number((report.totalSeconds / x.seconds).toFixed(2)),
  };
});
console.log(JSON.stringify(figures, null, 2));
