// Benchmark of gen --depth rustc (not a test: it prints figures).
//   bun bench/deep.ts
// On the real 1.63 sources prepared as Debian does, with Debian's rustc 1.63 as stage0:
// the plain x.py build of the standard library, gen's observed build of the same, the steps
// recorded, Nix's evaluation of the tree, and the wall time of building all steps with
// --jobs 1 and --jobs 2, each into a fresh offline store.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gen } from "../lib/gen.ts";
import { log } from "../lib/log.ts";
import { spawn } from "../lib/process.ts";
import { verify } from "../lib/verify/verify.ts";

log.level = 1;
const support = join(import.meta.dir, "..", "test", "support");
async function lastLine(argv: string[]): Promise<string> {
  const r = await spawn(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.slice(-1000)}`);
  return r.stdout.trim().split("\n").at(-1)!;
}
const src = await lastLine(["bash", join(support, "prepare-debian-tree.sh"), "1.63"]);
const stage0 = await lastLine(["bash", join(support, "debian-stage0.sh"), "1.63"]);
const work = await mkdtemp(join(tmpdir(), "nixify-bench-deep-"));
const config = join(work, "config.toml");
await Bun.write(
  config,
  `changelog-seen = 2\n[build]\nrustc = "${stage0}/bin/rustc"\ncargo = "${stage0}/bin/cargo"\nsubmodules = false\nlocal-rebuild = true\nvendor = true\n`,
);
const xpyArgs = ["build", "--stage", "0", "library/std"];

try {
  // The plain build: x.py in a symlink copy of the tree (1.63's bootstrap.py writes into its cwd).
  const plainDir = join(work, "plain");
  await spawn(["mkdir", "-p", plainDir]);
  let t = performance.now();
  // 1.63 has no --build-dir: the build dir is build/ in the cwd.
  const plain = await spawn(["python3", join(src, "x.py"), ...xpyArgs, "--config", config], { cwd: plainDir });
  const plainSeconds = (performance.now() - t) / 1000;
  if (plain.code !== 0) throw new Error(`plain x.py failed: ${plain.stderr.slice(-1000)}`);

  const result = await gen({ src, out: join(work, "tree"), mode: "all", depth: "rustc", config, xpyArgs, force: false });
  const steps = result.manifest.steps;
  const rows: Array<[string, string]> = [
    ["plain x.py build (bootstrap crate + std)", `${plainSeconds.toFixed(1)} s`],
    ["gen --depth rustc (observed x.py build)", `${result.seconds.total.toFixed(1)} s (x.py ${result.seconds.xpy.toFixed(1)} s)`],
    ["capture / plain", (result.seconds.xpy / plainSeconds).toFixed(2)],
    [
      "steps",
      `${steps.length} (${steps.filter((s) => s.kind === "rustc").length} rustc, ${steps.filter((s) => s.kind === "build-script").length} build-script)`,
    ],
  ];
  const built: { [jobs: number]: number } = {};
  for (const jobs of [1, 2]) {
    t = performance.now();
    const v = await verify({ tree: join(work, "tree"), offline: true, toolchain: stage0, stateDir: join(work, `nix-j${jobs}`), keepGoing: false, jobs });
    built[jobs] = (performance.now() - t) / 1000;
    if (!v.ok) throw new Error(`verify --jobs ${jobs} failed`);
    rows.push([`verify --jobs ${jobs} (evaluation ${v.evalSeconds.toFixed(1)} s)`, `${built[jobs]!.toFixed(1)} s`]);
  }
  rows.push(["jobs 2 / jobs 1", (built[2]! / built[1]!).toFixed(2)]);
  rows.push(["Nix build (jobs 2) / plain x.py", (built[2]! / plainSeconds).toFixed(2)]);
  for (const [what, value] of rows) console.log(`${what.padEnd(48)} ${value}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
