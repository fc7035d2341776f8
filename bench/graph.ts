// Benchmark of graph (not a test: it prints figures).
//   bun bench/graph.ts [N ...]   (default: 2000 5000 10000)
// For a chain of N steps (each a rustc call reading the crate before it), the peak memory (max
// RSS) of `nixify-rust graph` with and without --reduce, each run as its own process, as a user
// runs it. Target: 10,000 steps with --reduce well under 500 MB. No times: a figure that depends on
// what else the machine runs is no figure.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchManifest, chainRecords } from "./chain.ts";

const MAIN = join(import.meta.dir, "..", "main.ts");
const sizes = process.argv.slice(2).map(Number);
const work = await mkdtemp(join(tmpdir(), "nixify-bench-"));

/** A tree folder holding only the steps.json of a chain of n rustc steps (graph reads nothing else). */
async function chainTree(dir: string, n: number): Promise<void> {
  await Bun.write(join(dir, "steps.json"), JSON.stringify(benchManifest(chainRecords(n, 1))));
}

/** Peak resident memory of `graph` on the tree, in MB. */
async function peakMb(dir: string, extra: string[]): Promise<number> {
  const proc = Bun.spawn([process.execPath, MAIN, "graph", dir, ...extra], { stdout: "ignore", stderr: "pipe" });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`graph ${extra.join(" ")} failed (exit ${code}): ${await new Response(proc.stderr).text()}`);
  return proc.resourceUsage()!.maxRSS / 1024 / 1024; // Bun gives bytes
}

for (const n of sizes.length ? sizes : [2000, 5000, 10_000]) {
  const dir = join(work, `chain${n}`);
  await chainTree(dir, n);
  const plain = await peakMb(dir, []);
  const reduced = await peakMb(dir, ["--reduce"]);
  console.log(`chain of ${n} steps: graph ${plain.toFixed(0)} MB, graph --reduce ${reduced.toFixed(0)} MB peak (target for 10,000: well under 500 MB)`);
}
await rm(work, { recursive: true, force: true });
