// Beyond one machine, with Nix's own machinery: verify hands steps to a remote builder (a real
// second store behind Debian's sshd on this machine, test/support/ssh-builder.ts), --jobs 0
// builds nothing here, and the report says where each step was built; the results go to a signed
// binary cache that another store takes them from; the tree's hydraJobs evaluate the way Hydra
// evaluates them (test/support/hydra-eval-jobs.nix). The commands of docs/build-farm.md are these.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { spawn } from "../lib/process.ts";
import { renderTree } from "../lib/render/render-tree.ts";
import { writeSample } from "../lib/capture/sample.ts";
import type { Manifest } from "../lib/schema.ts";
import { hostToolchain } from "../lib/verify/standin.ts";
import { hostSystem } from "../lib/capture/system.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { cli, nixEval, offlineNixEnv, rustSrc, supportPath, tempDir } from "./helpers.ts";
import { freePort, startBuilder, type Builder } from "./support/ssh-builder.ts";

const SYSTEM = hostSystem();
// The real-tree cone needs the 1.63 sources: fetched if not given, never skipped.
rustSrc("1.63");

const HYDRA_EVAL = await Bun.file(join(import.meta.dir, "support/hydra-eval-jobs.nix")).text();
/** docs/build-farm.md's quick look at the jobs: each job's derivation, by job and system. */
const JOB_DRVS = "builtins.mapAttrs (job: builtins.mapAttrs (system: drv: drv.drvPath))";

type HydraJob = { nixName: string; system: string; drvPath: string; outputs: { out: string } };

/** gen on the sample, into DIR/tree. */
async function genSample(dir: string): Promise<string> {
  await writeSample(join(dir, "src"));
  const r = await cli(["gen", "--src", join(dir, "src"), "--out", "tree"], { cwd: dir });
  expect(r.stderr).toContain("steps written");
  return join(dir, "tree");
}

function report(r: { stdout: string }): VerifyReport {
  return JSON.parse(r.stdout || "{}") as VerifyReport;
}

/** `nix eval` of the tree's hydraJobs, offline: the stand-in for nixpkgs verify wrote under STATE. */
async function evalJobs(env: { [k: string]: string | undefined }, state: string, tree: string, apply: string, src?: string) {
  const r = await nixEval(env, `path:${tree}#hydraJobs`, { inputs: { nixpkgs: join(state, "nixpkgs-host"), ...(src ? { src } : {}) }, apply });
  expect({ code: r.code, err: r.code ? r.stderr.slice(-2000) : "" }).toEqual({ code: 0, err: "" });
  return JSON.parse(r.stdout) as unknown;
}

describe("verify on a remote builder (sshd on localhost, a store of its own)", () => {
  let dir: string;
  let state: string;
  let builder: Builder;
  let stage0: string;
  let env: { [k: string]: string | undefined };

  beforeAll(async () => {
    dir = await tempDir();
    state = join(dir, "nix");
    stage0 = await supportPath("debian-stage0.sh", "1.63");
    // The builder's sandbox shows the tools the offline stand-in names: the machine's, and the 1.63 stage0.
    const prefixes = [...(await hostToolchain()).values(), ...(await hostToolchain(stage0)).values()];
    builder = await startBuilder(join(dir, "builder"), join(state, "store"), prefixes);
    env = { ...process.env, ...builder.env };
  }, 120_000);

  afterAll(async () => {
    await builder?.stop();
  });

  /** Which of `paths` the builder's own store does not hold. */
  async function notOnBuilder(paths: string[]): Promise<string[]> {
    const nix = await offlineNixEnv(state);
    const missing: string[] = [];
    for (const p of paths) if ((await spawn(["nix", "path-info", "--store", builder.store, p], { env: nix })).code !== 0) missing.push(p);
    return missing;
  }

  test("the sample with --jobs 0: every step built on the builder, its outputs in the builder's store, the report green and saying where; a signed binary cache shares them", async () => {
    const tree = await genSample(dir);
    const spec = builder.spec(SYSTEM);
    const v = await cli(["verify", tree, "--offline", "--state", state, "--jobs", "0", "--builders", spec, "--json"], { cwd: dir, env });
    const r = report(v);
    expect({ code: v.code, err: v.code ? v.stderr.slice(-3000) : "" }).toEqual({ code: 0, err: "" });
    expect(r.steps.map((s) => `${s.id} ${s.status} ${s.builtOn}`)).toEqual(
      ["step001", "step002", "step003", "step004"].map((id) => `${id} passed ${builder.uri}`),
    );
    expect(v.stderr).toMatch(new RegExp(`step002 🦀 rustc hello \\.\\.\\. [\\d.]+s ✔ passed on ${builder.uri}`));
    expect(v.stderr).toMatch(new RegExp(`step004  bootstrap    ✔ passed +[\\d.]+  ${builder.uri}`));
    const outs = r.steps.map((s) => s.outPath!);
    expect(await notOnBuilder(outs)).toEqual([]);
    // Nix copied the outputs back: the binary the builder compiled runs here.
    expect((await spawn([join(outs[1]!, "build/hello")])).stdout).toBe("Hello from a Nix-built Rust sample (unknown channel)!\n");
    expect(await Bun.file(join(outs[3]!, ".nixify/step004.stdout")).text()).toBe("Hello from a Nix-built Rust sample (stable channel)!\n");
    // Built once: a second run asks nobody.
    const again = report(await cli(["verify", tree, "--offline", "--state", state, "--jobs", "0", "--builders", spec, "--json"], { cwd: dir, env }));
    expect(again.steps.map((s) => s.status)).toEqual(["built", "built", "built", "built"]);

    // A binary cache: the farm signs what it copies in; another store takes it only with the key.
    const nix = await offlineNixEnv(state);
    const key = await spawn(["nix", "key", "generate-secret", "--key-name", "nixify-farm-1"], { env: nix });
    await Bun.write(join(dir, "farm.sec"), key.stdout);
    const pub = (await spawn(["sh", "-c", 'nix key convert-secret-to-public < "$1"', "sh", join(dir, "farm.sec")], { env: nix })).stdout.trim();
    expect(pub).toStartWith("nixify-farm-1:");
    const cache = `file://${join(dir, "cache")}`;
    const copied = await spawn(["nix", "copy", "--to", `${cache}?secret-key=${join(dir, "farm.sec")}`, ...outs], { env: nix });
    expect({ code: copied.code, err: copied.stderr.includes("error") ? copied.stderr : "" }).toEqual({ code: 0, err: "" });
    const other = `local?root=${join(dir, "other")}`;
    const unsigned = await spawn(["nix-store", "--store", other, "--realise", ...outs, "--option", "substituters", cache], { env: nix });
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toContain("is not signed by any of the keys in 'trusted-public-keys'");
    const fetched = await spawn(
      ["nix-store", "--store", other, "--realise", ...outs, "--option", "substituters", cache, "--option", "trusted-public-keys", pub],
      { env: nix },
    );
    expect({ code: fetched.code, err: fetched.code ? fetched.stderr : "" }).toEqual({ code: 0, err: "" });
    expect(fetched.stdout.trim().split("\n").sort()).toEqual([...outs].sort());

    // The jobs Hydra would build: one per step and system, each a derivation verify just built.
    const drvs = (await evalJobs(nix, state, tree, JOB_DRVS)) as { [job: string]: { [system: string]: string } };
    expect(drvs).toEqual(Object.fromEntries(r.steps.map((s) => [s.id, { [SYSTEM]: s.drvPath! }])));
    const jobs = (await evalJobs(nix, state, tree, HYDRA_EVAL)) as { [job: string]: HydraJob };
    expect(Object.keys(jobs).sort()).toEqual(r.steps.map((s) => `${s.id}.${SYSTEM}`));
    for (const s of r.steps) expect(jobs[`${s.id}.${SYSTEM}`]).toMatchObject({ system: SYSTEM, drvPath: s.drvPath!, outputs: { out: s.outPath! } });
  }, 300_000);

  test("a cone of a real 1.63 capture (a crate, a build script linked to it, its run) builds on the builder; the real tree's hydraJobs are every step and the sysroot, not the pinned compiler", async () => {
    const src = await supportPath("prepare-debian-tree.sh", "1.63");
    expect((await spawn(["tar", "-xJf", join(import.meta.dir, "fixtures/compiler-1.63.tar.xz"), "-C", dir])).code).toBe(0);
    const tree = join(dir, "compiler-1.63");
    const manifest = JSON.parse(await Bun.file(join(tree, "steps.json")).text()) as Manifest;
    // The fixture's tree as this version of gen writes it, from the captured manifest and the
    // config the capture supplied (a Nix string in its steps.nix, in JSON's escapes).
    const config = /"config\.toml" = ("(?:[^"\\]|\\.)*");/.exec(await Bun.file(join(tree, "steps.nix")).text())![1]!;
    const supplied = new Map([["config.toml", JSON.parse(config) as string]]);
    const fresh = renderTree({ manifest, srcUrl: "path:/nonexistent/rust-1.63-prepared-as-debian-does", supplied, generated: [] });
    for (const [rel, text] of fresh) await Bun.write(join(tree, rel), text);
    const byLabel = (l: string) => manifest.steps.find((s) => s.label === l)!;
    const run = byLabel("build-script indexmap");
    const cone = [byLabel("rustc autocfg"), byLabel("rustc build.rs of indexmap"), run];
    expect(run.deps).toEqual([cone[1]!.id]);
    expect(cone[1]!.deps).toEqual([cone[0]!.id]);

    const v = await cli(
      [
        "verify",
        tree,
        "--offline",
        "--state",
        state,
        "--toolchain",
        stage0,
        "--src",
        src,
        "--jobs",
        "0",
        "--builders",
        builder.spec(SYSTEM),
        "--json",
        "--only",
        cone.map((s) => s.id).join(","),
      ],
      { cwd: dir, env },
    );
    const r = report(v);
    expect({
      code: v.code,
      notOnBuilder: (r.steps ?? [])
        .filter((s) => s.status !== "passed" || s.builtOn !== builder.uri)
        .map((s) => `${s.id} ${s.status} ${s.builtOn} ${s.reason ?? ""}`),
      err: v.code ? v.stderr.slice(-3000) : "",
    }).toEqual({ code: 0, notOnBuilder: [], err: "" });
    expect(await notOnBuilder(r.steps.map((s) => s.outPath!))).toEqual([]);
    // The build script ran there: what it told cargo is in its output.
    expect(await Bun.file(join(r.steps[2]!.outPath!, `.nixify/${run.id}.stdout`)).text()).toContain("cargo:rustc-cfg=has_std");

    const jobs = (await evalJobs(await offlineNixEnv(state), state, tree, HYDRA_EVAL, src)) as { [job: string]: HydraJob };
    expect(Object.keys(jobs).sort()).toEqual([...manifest.steps.map((s) => `${s.id}.${SYSTEM}`), `sysroot.${SYSTEM}`].sort());
    for (const s of r.steps) expect(jobs[`${s.id}.${SYSTEM}`]!.drvPath).toBe(s.drvPath!);
  }, 900_000);
});

describe("verify with builders refuses what cannot work, in one line", () => {
  let dir: string;
  let tree: string;
  beforeAll(async () => {
    dir = await tempDir();
    tree = await genSample(dir);
  });
  const verify = (args: string[], env = process.env) => cli(["verify", tree, "--offline", "--state", join(dir, "nix"), "--json", ...args], { cwd: dir, env });
  // consola's fancy reporter says " ERROR ", its basic one (no TTY, under test) "[error]".
  const oneLine = (stderr: string) => stderr.split("\n").filter((l) => /^\s*(\[error\]|ERROR )/.test(l)).length === 1 && !/^\s+at .*\.ts:\d+/m.test(stderr);

  test.each([
    [
      "a builders spec Nix would reject",
      ["--builders", `ssh-ng://farm ${SYSTEM} - four`],
      "badInput",
      "--builders: the maximum of jobs (field 4) must be a whole number, not 'four'",
    ],
    ["a host key that is not base64", ["--builders", `ssh-ng://farm ${SYSTEM} - 1 1 - - not*base64`], "badInput", "the host key (field 8) must be base64"],
    ["--jobs 0 with no builder", ["--jobs", "0"], "noBuilder", "--jobs 0 builds nothing on this machine, and no builder is given"],
    [
      "--jobs 0 with builders of another system only",
      ["--jobs", "0", "--builders", "ssh-ng://farm riscv64-linux"],
      "noBuilder",
      `no builder in --builders builds ${SYSTEM}`,
    ],
    ["a negative --jobs", ["--jobs", "-1"], "badInput", "--jobs must be a whole number"],
  ] as const)("%s", async (_, args, code, message) => {
    const { ExitCode } = await import("../lib/errors.ts");
    const r = await verify([...args]);
    expect({ code: r.code, message: r.stderr.includes(message), oneLine: oneLine(r.stderr) }).toEqual({ code: ExitCode[code], message: true, oneLine: true });
  });

  test("a builder that does not answer: with --jobs 0 no step can build (exit noBuilder, Nix's reason); with --jobs 1 Nix builds here and says so", async () => {
    const { ExitCode } = await import("../lib/errors.ts");
    const env = { ...process.env, NIX_SSHOPTS: `-p ${freePort()}` };
    // (Not ssh-ng://localhost: Nix opens that store without ssh, as this machine's.)
    const builders = ["--builders", `ssh-ng://nixify@127.0.0.1 ${SYSTEM}`];
    const none = await verify(["--jobs", "0", ...builders], env);
    expect(none.code).toBe(ExitCode.noBuilder);
    expect(none.stderr).toContain("no builder could take the steps: cannot build on 'ssh-ng://nixify@127.0.0.1'");
    expect(none.stderr).toContain("nix store ping --store");
    expect(oneLine(none.stderr)).toBe(true);
    const here = await verify(["--jobs", "1", ...builders], env);
    expect(here.code).toBe(0);
    expect(report(here).steps.map((s) => `${s.id} ${s.status} ${s.builtOn}`)).toEqual(
      ["step001", "step002", "step003", "step004"].map((id) => `${id} passed local`),
    );
    expect(here.stderr).toContain("Nix built on this machine instead");
  }, 120_000);

  test("an ssh:// builder whose host does not resolve: ssh's reason, not the version banner its -v prints first", async () => {
    const { ExitCode } = await import("../lib/errors.ts");
    // A store of its own: in the shared one the tests before built every step already.
    const r = await cli(
      ["verify", tree, "--offline", "--state", join(dir, "nix-unresolved"), "--jobs", "0", "--builders", `ssh://nixify@no-such-host.invalid ${SYSTEM}`],
      { cwd: dir },
    );
    expect(r.code).toBe(ExitCode.noBuilder);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(
      "no builder could take the steps: cannot build on 'ssh://nixify@no-such-host.invalid': error: cannot connect to 'nixify@no-such-host.invalid': ssh: Could not resolve hostname no-such-host.invalid",
    );
    expect(r.stderr).not.toContain("OpenSSH_");
  }, 120_000);
});
