// Benchmark of verify's kept evaluation (not a test: it prints figures).
//   bun bench/eval-cache.ts [WORK] [--rounds N]   (default WORK $TMPDIR/nixify-bench-eval-cache, N 3)
// The 1.63 compiler fixture tree (test/fixtures/compiler-1.63.tar.xz, 363 steps) against the
// prepared 1.63 checkout, offline: verify's first stage (evaluate) in a store under WORK. The
// first run adds the sources to the store; then N interleaved rounds of a full evaluation (the
// kept one deleted: what every verify paid before) and a reused one (nothing changed: the key's
// walk and one nix-store call). Also what a verify of a fully built tree adds after it: the one
// query of which steps are built. On a busy machine read the ratio, not the seconds.
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { log } from "../lib/log.ts";
import { spawn } from "../lib/process.ts";
import { evaluate, type Evaluated } from "../lib/verify/evaluate.ts";
import { missing } from "../lib/verify/store.ts";

const HERE = join(import.meta.dir, "..");
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: "string", default: "3" } } });
const work = positionals[0] ?? join(tmpdir(), "nixify-bench-eval-cache");
log.level = 1;

async function support(script: string): Promise<string> {
  const r = await spawn(["bash", join(HERE, "test/support", script), "1.63"]);
  if (r.code !== 0) throw new Error(`${script} failed: ${r.stderr.slice(-500)}`);
  return r.stdout.trim().split("\n").at(-1)!;
}

const [src, toolchain] = [await support("prepare-debian-tree.sh"), await support("debian-stage0.sh")];
const tree = join(work, "compiler-1.63");
if (!(await Bun.file(join(tree, "steps.json")).exists())) {
  await mkdir(work, { recursive: true });
  const r = await spawn(["tar", "-xJf", join(HERE, "test/fixtures/compiler-1.63.tar.xz"), "-C", work]);
  if (r.code !== 0) throw new Error(`unpacking the fixture failed: ${r.stderr}`);
}
const stateDir = join(work, "nix");
const run = (): Promise<Evaluated> => evaluate({ tree, offline: true, stateDir, toolchain, src, keepGoing: false });
const timed = async (): Promise<{ e: Evaluated; wall: number }> => {
  const t = performance.now();
  const e = await run();
  return { e, wall: (performance.now() - t) / 1000 };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = async () => (await Bun.file("/proc/loadavg").text()).split(" ")[0];

const first = await timed();
console.log(`first (sources added to the store${first.e.evalReused ? ": no, already kept" : ""}): evaluation ${first.e.evalSeconds.toFixed(2)} s`);
const full: number[] = [];
const reused: number[] = [];
const walls: number[] = [];
const built: number[] = [];
for (let i = 0; i < Number(opts.rounds); i++) {
  await rm(join(stateDir, "eval-cache"), { recursive: true, force: true });
  const a = await timed();
  if (a.e.evalReused) throw new Error("evaluated with nothing kept, yet reused");
  const b = await timed();
  if (!b.e.evalReused) throw new Error("nothing changed, yet not reused");
  // What classify adds for a fully built tree: one query of every step's output.
  const t = performance.now();
  await missing(
    b.e.runner,
    b.e.chosen.map((s) => b.e.paths[s.id]!.out),
  );
  built.push((performance.now() - t) / 1000);
  full.push(a.e.evalSeconds);
  reused.push(b.e.evalSeconds);
  walls.push(b.wall);
  console.log(
    `round ${i + 1} (load ${await load()}): evaluation ${a.e.evalSeconds.toFixed(2)} s, reused ${b.e.evalSeconds.toFixed(2)} s (verify's first stage ${b.wall.toFixed(2)} s)`,
  );
}
const [f, r] = [median(full), median(reused)];
console.log(
  `363 steps, medians of ${full.length}: evaluation ${f.toFixed(2)} s, reused ${r.toFixed(2)} s (${(f / r).toFixed(0)}x less); ` +
    `verify's first stage with it ${median(walls).toFixed(2)} s, plus ${median(built).toFixed(2)} s to find every step built`,
);
