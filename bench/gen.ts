// Benchmark of gen (not a test: it prints figures).
//   bun bench/gen.ts [RUST_SRC]   (default: $NIXIFY_RUST_SRC_1_85)
// 1. On a real Rust tree: gen's total time against the patched x.py run it wraps; gen's own
//    overhead (copy + parse + render + write) as a ratio of that run. Target: within 10 %.
// 2. Rendering 10,000 synthetic records into a tree. Target: under 1 s. Writing its 20,000
//    files is reported apart, on the temp dir's disk and on tmpfs.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gen } from "../lib/gen.ts";
import { log } from "../lib/log.ts";
import { renderTree } from "../lib/render/render-tree.ts";
import { benchManifest, chainRecords } from "./chain.ts";
import { writeTreeAtomically } from "../lib/write/write-tree.ts";

log.level = 1; // warnings and errors only: the figures are the output
const work = await mkdtemp(join(tmpdir(), "nixify-bench-"));
const src = process.argv[2] ?? process.env.NIXIFY_RUST_SRC_1_85;

if (src) {
  const runs = 5;
  const rows: { total: number; xpy: number; copy: number; render: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await gen({ src, out: join(work, "tree"), mode: "all", xpyArgs: ["build"], force: false });
    rows.push({ total: r.seconds.total, xpy: r.seconds.xpy, copy: r.seconds.copy, render: r.seconds.render });
  }
  const median = (k: keyof (typeof rows)[number]) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  const total = median("total");
  const xpy = median("xpy");
  console.log(`real tree: ${src}`);
  console.log(`  gen total ${(total * 1000).toFixed(1)} ms, patched x.py run ${(xpy * 1000).toFixed(1)} ms (median of ${runs})`);
  console.log(`  copy ${(median("copy") * 1000).toFixed(1)} ms, parse+render+write ${(median("render") * 1000).toFixed(1)} ms`);
  console.log(`  overhead (total - x.py) / x.py = ${(((total - xpy) / xpy) * 100).toFixed(1)} %  (target <= 10 %)`);
} else {
  console.log("real tree: skipped (pass a Rust source tree or set NIXIFY_RUST_SRC_1_85)");
}

// Synthetic: a chain of crates, each compiled by rustc against the two before it.
const n = 10_000;
const records = chainRecords(n, 2);
const t0 = performance.now();
const manifest = benchManifest(records);
const t1 = performance.now();
const files = renderTree({ manifest, srcUrl: "path:/src", supplied: new Map(), generated: [] });
const t2 = performance.now();
console.log(`synthetic: ${n} records -> ${files.size} files`);
console.log(`  records to steps ${(t1 - t0).toFixed(0)} ms, render ${(t2 - t1).toFixed(0)} ms: ${(t2 - t0).toFixed(0)} ms in all (target < 1000 ms)`);
// Writing 20,000 files costs what the file system charges; tmpfs shows our share of it.
for (const base of [work, "/dev/shm"]) {
  if (!existsSync(base)) continue;
  const dir = await mkdtemp(join(base, "nixify-bench-"));
  const t3 = performance.now();
  await writeTreeAtomically(join(dir, "synthetic"), files, false);
  console.log(`  write into ${base === work ? "the temp dir" : "tmpfs (/dev/shm)"}: ${(performance.now() - t3).toFixed(0)} ms`);
  await rm(dir, { recursive: true, force: true });
}
await rm(work, { recursive: true, force: true });
