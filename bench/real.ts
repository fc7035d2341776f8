// Benchmark of gen and verify on a real tree at depths shell and cargo (not a test: it prints figures).
//   bun bench/real.ts
// On Rust 1.85 prepared as Debian does (test/support/prepare-debian-tree.sh), with the machine's
// rustc/cargo as build.rustc/build.cargo, one run each:
//   shell   gen at depth shell: total, the overlay copy, the patched x.py run
//   verify  the shell tree's first step (the cargo build of the bootstrap crate) into a fresh
//           offline store: evaluation (which adds the source to the store) and the build
//   cargo   gen at depth cargo: steps, total (most of it is the bootstrap binary's build)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gen } from "../lib/gen.ts";
import { log } from "../lib/log.ts";
import { spawn } from "../lib/process.ts";
import { verify } from "../lib/verify/verify.ts";

log.level = 1; // warnings and errors only: the figures are the output
async function lastLine(argv: string[]): Promise<string> {
  const r = await spawn(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.slice(-1000)}`);
  return r.stdout.trim().split("\n").at(-1)!;
}
const src = await lastLine(["bash", join(import.meta.dir, "..", "test/support/prepare-debian-tree.sh"), "1.85"]);
const sysroot = await lastLine(["rustc", "--print", "sysroot"]);
const work = await mkdtemp(join(tmpdir(), "nixify-bench-real-"));
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
const rows: Array<[string, string]> = [];

try {
  // deny-warnings off as in Debian's own config: Debian's patches leave unused code behind.
  const config = join(work, "config.toml");
  await Bun.write(
    config,
    `change-id = 134650\n[build]\nrustc = "${sysroot}/bin/rustc"\ncargo = "${sysroot}/bin/cargo"\nsubmodules = false\n[rust]\ndeny-warnings = false\n`,
  );
  const shell = await gen({ src, out: join(work, "shell"), mode: "all", config, xpyArgs: ["build"], force: false });
  rows.push([
    "gen --depth shell (1.85 build)",
    `${ms(shell.seconds.total)}: overlay copy ${ms(shell.seconds.copy)}, patched x.py ${ms(shell.seconds.xpy)}; ${shell.manifest.steps.length} steps`,
  ]);

  const du = await lastLine(["du", "-sb", "--apparent-size", src]);
  const v = await verify({ tree: join(work, "shell"), offline: true, stateDir: join(work, "nix"), keepGoing: false, jobs: 2, only: ["step001"] });
  const step = v.steps.find((s) => s.id === "step001")!;
  rows.push([
    "verify step001 (cargo build of bootstrap)",
    `${step.status} in ${step.seconds.toFixed(1)} s; evaluation ${v.evalSeconds.toFixed(1)} s (adds the ${(Number(du.split("\t")[0]) / 1e6).toFixed(0)} MB source to the store)`,
  ]);

  // Debian's choices for a tree without llvm-project's compiler-rt; the run toolchain builds the
  // bootstrap binary, whose plan then names the pinned stage0 (test/deep-cargo.test.ts).
  const cargoConfig = join(work, "cargo-config.toml");
  await Bun.write(cargoConfig, "change-id = 134650\n[build]\nsubmodules = false\noptimized-compiler-builtins = false\n[rust]\ndeny-warnings = false\n");
  const t = performance.now();
  const cargo = await gen({
    src,
    out: join(work, "cargo"),
    mode: "all",
    depth: "cargo",
    config: cargoConfig,
    runToolchain: sysroot,
    xpyArgs: ["build", "--skip-stage0-validation"],
    force: false,
  });
  rows.push(["gen --depth cargo (1.85 build)", `${cargo.manifest.steps.length} steps in ${((performance.now() - t) / 1000).toFixed(1)} s`]);
} finally {
  for (const [what, value] of rows) console.log(`${what.padEnd(44)} ${value}`);
  await rm(work, { recursive: true, force: true });
}
