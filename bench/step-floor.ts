// Benchmark of what a step costs before its script does anything (not a test: it prints figures).
//   bun bench/step-floor.ts [N]   (default 200)
// N independent derivations that do nothing but make their output, built by one
// `nix-store --realise --max-jobs 1` into a fresh offline store (verify's settings), four ways:
// `/bin/sh -c` (Nix's own floor: starting a build, registering its output), bash reading its
// structured attributes as run-step.sh does, the same with verify's JSON log, and with that log at
// Nix's debug level (-vvv: verify's until 2026-12-05, for the two lines that named a build's end).
// Seconds per build, against the per-step overhead bench/compiler.ts prints (its median).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostSystem } from "../lib/capture/system.ts";
import { spawn } from "../lib/process.ts";
import { attrs, bool, call, ident, list, render, str } from "../lib/render/nix.ts";
import { nixRunner } from "../lib/verify/nix-settings.ts";

const n = Number(process.argv[2] ?? 200);
const work = await mkdtemp(join(tmpdir(), "nixify-bench-floor-"));
const system = hostSystem();
const bash = Bun.which("bash")!;

/** N derivations named KIND-i, each with BUILDER and ARGS, and structured attributes where asked. */
function expr(kind: string, builder: string, args: string[], structured: boolean): string {
  // A payload about the size of a small step's attributes, for bash to read.
  const payload = list(Array.from({ length: 50 }, (_, i) => str(`arg${i}`)));
  const drv = (i: number) =>
    call(
      ident("derivation"),
      attrs({
        name: str(`${kind}-${i}`),
        system: str(system),
        builder: str(builder),
        args: list(args.map(str)),
        ...(structured ? { __structuredAttrs: bool(true), payload } : {}),
      }),
    );
  return render(list(Array.from({ length: n }, (_, i) => drv(i))));
}

// Reads its structured attributes as run-step.sh's prelude does, then makes its output.
const readAttrs = ["-c", 'set -eu; source "${NIX_ATTRS_SH_FILE:-$NIX_BUILD_TOP/.attrs.sh}"; : > "${outputs[out]}"'];
const ways: [string, string, string[], boolean, string[]][] = [
  ["sh", "/bin/sh", ["-c", ': > "$out"'], false, []],
  ["bash-attrs", bash, readAttrs, true, []],
  ["bash-attrs-logged", bash, readAttrs, true, ["--log-format", "internal-json"]],
  ["bash-attrs-debug", bash, readAttrs, true, ["--log-format", "internal-json", "-vvv"]],
];

try {
  for (const [kind, builder, args, structured, logArgs] of ways) {
    const runner = await nixRunner({ offline: true, stateDir: join(work, kind) });
    const file = join(work, `${kind}.nix`);
    await Bun.write(file, expr(kind, builder, args, structured));
    const inst = await spawn(["nix-instantiate", file], { env: runner.env });
    if (inst.code !== 0) throw new Error(`nix-instantiate: ${inst.stderr.slice(-500)}`);
    const drvs = inst.stdout.trim().split("\n");
    const start = performance.now();
    const built = await spawn(["nix-store", "--realise", "--max-jobs", "1", ...logArgs, ...drvs], { env: runner.env });
    const seconds = (performance.now() - start) / 1000;
    if (built.code !== 0) throw new Error(`nix-store --realise: ${built.stderr.slice(-500)}`);
    console.log(`${kind}: ${n} builds in ${seconds.toFixed(2)} s, ${((seconds / n) * 1000).toFixed(1)} ms a build`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
