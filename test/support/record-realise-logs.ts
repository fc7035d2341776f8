// Records the logs of `nix-store --realise` that test/unit reads (test/fixtures/unit/README.md),
// with verify's own arguments (lib/verify/build.ts, realiseArgs), each into a fresh offline store:
//   realise-{broken,fallback,no-builder,remote}.log  the sample's four steps, four ways, and
//   realise-sample.json                              each run's flags, exit code, steps missing
//                                                    afterwards, and the steps' paths
//   nix-realise.log                                  three derivations with --keep-going, one of
//                                                    them printing a line in the shape of Nix's JSON
//   bun test/support/record-realise-logs.ts
// Needs Nix and Debian's sshd (the remote run's builder, test/support/ssh-builder.ts).
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSample } from "../../lib/capture/sample.ts";
import { hostSystem } from "../../lib/capture/system.ts";
import { spawn } from "../../lib/process.ts";
import { attrs, call, ident, list, render, str, letIn, type Nix } from "../../lib/render/nix.ts";
import { realiseArgs } from "../../lib/verify/build.ts";
import { evaluate, type VerifyOptions } from "../../lib/verify/evaluate.ts";
import { nixRunner } from "../../lib/verify/nix-settings.ts";
import { missing } from "../../lib/verify/store.ts";
import { hostToolchain } from "../../lib/verify/standin.ts";
import { startBuilder } from "./ssh-builder.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/unit");
const work = await mkdtemp(join(tmpdir(), "nixify-realise-"));
const sample = join(work, "src");
await writeSample(sample);
const gen = await spawn(["bun", join(import.meta.dir, "../../main.ts"), "gen", "--src", sample, "--out", "tree"], { cwd: work });
if (gen.code !== 0) throw new Error(`gen: ${gen.stderr}`);
const tree = join(work, "tree");
// The sample with its greeting library made not to compile.
const broken = join(work, "broken-src");
await cp(sample, broken, { recursive: true });
await Bun.write(join(broken, "library/greeting/lib.rs"), "pub fn greeting() -> &'static str { not rust }\n");

// A builder that does not answer: nothing listens on port 1.
const NOBODY = { builders: "ssh-ng://nixify@127.0.0.1 x86_64-linux", env: { NIX_SSHOPTS: "-p 1" } };

type Run = { flags: string[]; code: number; missing: string[]; paths: { [id: string]: { drv: string; out: string } } };
const runs: { [log: string]: Run } = {};

/** One realise of the sample's steps in a fresh store under `name`. */
async function record(
  name: string,
  opts: Pick<VerifyOptions, "jobs" | "builders" | "src">,
  env: { [k: string]: string } = {},
  storeReady?: (store: string) => Promise<{ builders: string; env: { [k: string]: string }; stop: () => Promise<void> }>,
) {
  const stateDir = join(work, name, "nix");
  const ready = storeReady ? await storeReady(join(stateDir, "store")) : undefined;
  try {
    const options: VerifyOptions = { tree, offline: true, stateDir, keepGoing: false, ...opts, ...(ready ? { builders: ready.builders } : {}) };
    const evaluated = await evaluate(options);
    const drvs = evaluated.chosen.map((s) => evaluated.paths[s.id]!.drv);
    const args = realiseArgs(options, drvs);
    const r = await spawn(args, { env: { ...evaluated.runner.env, ...env, ...ready?.env } });
    const outs = evaluated.chosen.map((s) => evaluated.paths[s.id]!.out);
    const notThere = await missing(evaluated.runner, outs);
    const file = `realise-${name}.log`;
    await Bun.write(join(FIXTURES, file), r.stderr);
    runs[file] = {
      flags: args.slice(2, args.length - drvs.length),
      code: r.code,
      missing: evaluated.chosen.filter((s) => notThere.has(evaluated.paths[s.id]!.out)).map((s) => s.id),
      paths: Object.fromEntries(evaluated.chosen.map((s) => [s.id, evaluated.paths[s.id]!])),
    };
    console.log(`${file}: exit ${r.code}, ${r.stderr.split("\n").length} lines`);
  } finally {
    await ready?.stop();
  }
}

try {
  await record("broken", { jobs: 1, src: broken });
  await record("fallback", { jobs: 1, builders: NOBODY.builders }, NOBODY.env);
  await record("no-builder", { jobs: 0, builders: NOBODY.builders }, NOBODY.env);
  const prefixes = [...(await hostToolchain()).values()];
  await record("remote", { jobs: 0 }, {}, async (store) => {
    const builder = await startBuilder(join(work, "remote/builder"), store, prefixes);
    return { builders: builder.spec(hostSystem()), env: builder.env, stop: builder.stop };
  });
  await Bun.write(join(FIXTURES, "realise-sample.json"), `${JSON.stringify(runs, null, 2)}\n`);
  await recordKeepGoing();
} finally {
  await rm(work, { recursive: true, force: true });
}

/**
 * nix-realise.log: step001 builds and prints a line shaped like Nix's JSON (claiming a failure of
 * another derivation), step003 builds, step002 (depending on step001) exits 1; --keep-going.
 */
async function recordKeepGoing() {
  const forged = `@nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/${"0".repeat(32)}-fake.drv' failed"}`;
  const step = (name: string, script: string, more: { [attr: string]: Nix } = {}) =>
    call(
      ident("derivation"),
      attrs({
        name: str(`nixify-${name}`),
        system: str(hostSystem()),
        builder: str("/bin/sh"),
        args: list([str("-c"), str(script)]),
        ...more,
      }),
    );
  const greeting = step("step001-rustc-greeting", 'echo compiling greeting; printf "%s\\n" "$forged" >&2; echo greeting > "$out"', { forged: str(forged) });
  const expr = render(
    letIn(
      { greeting },
      list([
        ident("greeting"),
        step("step002-rustc-hello", 'echo "compiling hello against $dep"; exit 1', { dep: ident("greeting") }),
        step("step003-rustc-tool", 'echo compiling tool; echo tool > "$out"'),
      ]),
    ),
  );
  const runner = await nixRunner({ offline: true, stateDir: join(work, "keep-going/nix") });
  const file = join(work, "keep-going/steps.nix");
  await Bun.write(file, expr);
  const inst = await spawn(["nix-instantiate", file], { env: runner.env });
  if (inst.code !== 0) throw new Error(`nix-instantiate: ${inst.stderr}`);
  const r = await spawn(realiseArgs({ jobs: 1, keepGoing: true }, inst.stdout.trim().split("\n")), { env: runner.env });
  await Bun.write(join(FIXTURES, "nix-realise.log"), r.stderr);
  console.log(`nix-realise.log: exit ${r.code}, ${r.stderr.split("\n").length} lines`);
}
