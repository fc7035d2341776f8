// Benchmark of verify (not a test: it prints figures).
//   bun bench/verify.ts [N ...]   (default: 50 500)
// For trees of N trivial steps (each runs `echo` on top of the step before it): evaluation
// seconds, verify's total, and a plain `nix-store --realise` of the same derivations in one
// call, each into a fresh offline store. Targets: verify's overhead under 10 % of the plain
// build, and cost growing linearly with N.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gen } from "../lib/gen.ts";
import { log } from "../lib/log.ts";
import { nixRunner } from "../lib/verify/nix-settings.ts";
import { spawn } from "../lib/process.ts";
import { writeStandIn } from "../lib/verify/standin.ts";
import { verify } from "../lib/verify/verify.ts";

log.level = 1;
const sizes = process.argv.slice(2).map(Number);
const work = await mkdtemp(join(tmpdir(), "nixify-bench-"));

/** A checkout whose bootstrap.py runs `echo` n times, each step reading the previous one's file. */
async function trivialCheckout(dir: string, n: number): Promise<void> {
  await Bun.write(
    join(dir, "x.py"),
    'import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src", "bootstrap"))\nimport bootstrap\nbootstrap.main()\n',
  );
  await Bun.write(join(dir, "src/ci/channel"), "dev\n");
  await Bun.write(
    join(dir, "src/bootstrap/bootstrap.py"),
    `import os, subprocess, sys\n\ndef run(args, verbose=False, exception=False, is_bootstrap=False, **kwargs):\n    subprocess.check_call(args, **kwargs)\n\ndef main():\n    build = os.path.abspath("build")\n    os.makedirs(build, exist_ok=True)\n    for i in range(${n}):\n        prev = ["--in", os.path.join(build, "s%d" % (i - 1))] if i else []\n        run(["echo", "step", str(i)] + prev + ["-o", os.path.join(build, "s%d" % i)])\n`,
  );
}

for (const n of sizes.length ? sizes : [50, 500]) {
  const dir = join(work, `n${n}`);
  await trivialCheckout(join(dir, "src"), n);
  await gen({ src: join(dir, "src"), out: join(dir, "tree"), mode: "all", xpyArgs: ["build"], force: false });
  const v = await verify({ tree: join(dir, "tree"), offline: true, stateDir: join(dir, "nix-verify"), keepGoing: false });
  if (!v.ok) throw new Error(`verify failed for n=${n}`);

  // The same derivations, built by Nix in one call into a fresh store.
  const plainState = join(dir, "nix-plain");
  const runner = await nixRunner({ offline: true, stateDir: plainState });
  await writeStandIn(join(plainState, "nixpkgs-host"), v.system);
  const t0 = performance.now();
  const drvs = await spawn(
    [
      "nix",
      "eval",
      "--json",
      "--no-write-lock-file",
      "--override-input",
      "nixpkgs",
      `path:${join(plainState, "nixpkgs-host")}`,
      `path:${join(dir, "tree")}#packages.${v.system}`,
      "--apply",
      'ps: map (p: p.drvPath) (builtins.attrValues (removeAttrs ps [ "default" ]))',
    ],
    { env: runner.env },
  );
  const t1 = performance.now();
  const built = await spawn(["nix-store", "--realise", ...(JSON.parse(drvs.stdout) as string[])], { env: runner.env });
  const t2 = performance.now();
  if (built.code !== 0) throw new Error(`plain build failed: ${built.stderr.slice(-500)}`);
  const plain = (t2 - t0) / 1000;
  console.log(
    `${n} steps: verify ${v.totalSeconds.toFixed(2)} s (evaluation ${v.evalSeconds.toFixed(2)} s, ${((v.totalSeconds / n) * 1000).toFixed(1)} ms/step); ` +
      `plain eval+build ${plain.toFixed(2)} s (evaluation ${((t1 - t0) / 1000).toFixed(2)} s); verify / plain = ${(v.totalSeconds / plain).toFixed(2)}`,
  );
}
await rm(work, { recursive: true, force: true });
