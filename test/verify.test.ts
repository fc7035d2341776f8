// verify with real Nix, offline: the sample tree really builds; a broken step is reported with
// its log and its dependants skipped; fixed-output downloads; bad input.
import { describe, expect, test } from "bun:test";
import { ExitCode } from "../lib/errors.ts";
import { createHash } from "node:crypto";
import { mkdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "../lib/process.ts";
import { writeSample } from "../lib/capture/sample.ts";
import * as v from "valibot";
import { VerifyReportSchema } from "../lib/verify/report.ts";
import { cli, nixEval, offlineNixEnv, tempDir } from "./helpers.ts";

/** gen on a copy of the sample changed by `edit(root)`, in a fresh folder; returns the folder. */
async function genSample(edit?: (root: string) => Promise<void>): Promise<string> {
  const dir = await tempDir();
  const src = join(dir, "src");
  await writeSample(src);
  await edit?.(src);
  const r = await cli(["gen", "--src", src, "--out", "tree"], { cwd: dir });
  expect(r.stderr).toContain("steps written");
  return dir;
}

async function runVerify(dir: string, extra: string[] = []) {
  const r = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix"), "--json", ...extra], { cwd: dir });
  // --json is a contract: what it prints must be its schema.
  const report = r.stdout ? v.parse(VerifyReportSchema, JSON.parse(r.stdout)) : undefined;
  return { ...r, report, statuses: report?.steps.map((s) => `${s.id} ${s.status}`) };
}

describe("verify", () => {
  test("builds every step of the sample with real rustc through Nix; the last step ran the binary", async () => {
    const dir = await genSample();
    const r = await runVerify(dir);
    expect(r.statuses).toEqual(["step001 passed", "step002 passed", "step003 passed", "step004 passed"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[[1-4]\/4\] step002 🦀 rustc hello \.\.\. [\d.]+s ✔ passed/);
    expect(r.stderr).toContain("4 passed, 0 already built, 0 failed, 0 skipped");
    const last = r.report!.steps[3]!;
    expect(await Bun.file(join(last.outPath!, ".nixify/step004.stdout")).text()).toBe("Hello from a Nix-built Rust sample (stable channel)!\n");
    // Each output holds only what its step wrote: the binary step004 ran is step002's, and it runs.
    expect((await Array.fromAsync(new Bun.Glob("**").scan({ cwd: last.outPath!, dot: true }))).sort()).toEqual([
      ".nixify/step004.stderr",
      ".nixify/step004.stdout",
    ]);
    const hello = await spawn([join(r.report!.steps[1]!.outPath!, "build/hello")]);
    expect(hello.stdout).toBe("Hello from a Nix-built Rust sample (unknown channel)!\n");
    // A second run finds everything built.
    const again = await runVerify(dir);
    expect(again.statuses).toEqual(["step001 built", "step002 built", "step003 built", "step004 built"]);
    expect(again.code).toBe(0);
  });

  test("the derivations verify builds are the tree flake's own (verify reads the checkout in place; a flake locks a copy)", async () => {
    const dir = await genSample();
    const r = await runVerify(dir);
    expect(r.code).toBe(0);
    const env = await offlineNixEnv(join(dir, "nix"));
    const flake = await nixEval(env, `path:${join(dir, "tree")}#packages.x86_64-linux`, {
      inputs: { nixpkgs: join(dir, "nix/nixpkgs-host") },
      apply: "builtins.mapAttrs (n: p: p.drvPath)",
    });
    expect(flake.code).toBe(0);
    const drvs = JSON.parse(flake.stdout) as { [id: string]: string };
    expect(r.report!.steps.map((s) => s.drvPath)).toEqual(["step001", "step002", "step003", "step004"].map((id) => drvs[id]));
  });

  test("a channel file gen supplied is the one the steps see", async () => {
    const dir = await genSample(async (src) => {
      await Bun.$`rm ${join(src, "src/ci/channel")}`;
    });
    const r = await runVerify(dir, ["--only", "step004"]);
    expect(r.code).toBe(0);
    expect(await Bun.file(join(r.report!.steps[0]!.outPath!, ".nixify/step004.stdout")).text()).toContain("(dev channel)");
  });

  test("a broken second step: reported failed with its log tail; dependants skipped; --keep-going builds the rest", async () => {
    const dir = await genSample(async (src) => {
      await Bun.write(join(src, "src/hello/main.rs"), 'fn main() { let x: u32 = "not a number"; }\n');
    });
    const r = await runVerify(dir);
    expect(r.code).toBe(ExitCode.buildFailed);
    // Without --keep-going Nix stops at the failure; step003 depends on nothing, so Nix may have
    // built it before step002 (its order) or not at all.
    expect(r.statuses!.filter((s) => !s.startsWith("step003"))).toEqual(["step001 passed", "step002 failed", "step004 skipped"]);
    const step3 = r.report!.steps[2]!;
    expect(step3.status === "passed" || (step3.status === "skipped" && step3.reason!.includes("--keep-going"))).toBe(true);
    const failed = r.report!.steps[1]!;
    expect(failed.reason).toContain("mismatched types");
    expect(failed.reason).not.toMatch(/\x1b\[/);
    expect(failed.logCommand).toContain("nix log");
    expect(r.stderr).toContain("step002 🦀 rustc hello");
    expect(r.report!.steps[3]!.reason).toBe("depends on step002, which failed");

    const going = await runVerify(dir, ["--keep-going"]);
    expect(going.code).toBe(ExitCode.buildFailed);
    expect(going.statuses).toEqual(["step001 built", "step002 failed", `step003 ${step3.status === "passed" ? "built" : "passed"}`, "step004 skipped"]);
  });

  test("--from, --to and --only choose steps", async () => {
    const dir = await genSample();
    expect((await runVerify(dir, ["--from", "step002", "--to", "step003"])).statuses).toEqual(["step002 passed", "step003 passed"]);
    expect((await runVerify(dir, ["--only", "step004,step001"])).statuses).toEqual(["step001 built", "step004 passed"]);
    const bad = await runVerify(dir, ["--only", "step099"]);
    expect(bad.code).toBe(ExitCode.badInput);
    expect(bad.stderr).toContain("no step step099 in this tree");
  });

  test("fixed-output downloads: offline they fail in one line; pre-added to the store they pass", async () => {
    const dir = await tempDir();
    const payload = join(dir, "payload", "probe-1.0.tar.gz");
    await mkdir(join(dir, "payload"));
    await Bun.write(payload, "stage0 stand-in payload\n");
    const sha = createHash("sha256")
      .update(await Bun.file(payload).bytes())
      .digest("hex");
    const gendir = await genSample(async (src) => {
      await Bun.write(join(src, "src/stage0.json"), JSON.stringify({ checksums_sha256: { "dist/2099-01-01/probe-1.0.tar.gz": sha } }));
      const py = join(src, "src/bootstrap/bootstrap.py");
      await Bun.write(
        py,
        (await Bun.file(py).text()).replace(
          "def bootstrap():\n",
          'def bootstrap():\n    run(["curl", "-o", "/tmp/tmpdownload", "https://static.rust-lang.org/dist/2099-01-01/probe-1.0.tar.gz"])\n',
        ),
      );
    });
    const first = await runVerify(gendir, ["--only", "step001"]);
    expect(first.report!.steps[0]!.kind).toBe("download");
    expect(first.statuses).toEqual(["step001 failed"]);
    expect(first.code).toBe(ExitCode.buildFailed);
    const reason = first.report!.steps[0]!.reason!;
    expect(reason.split("\n")).toHaveLength(1);
    expect(reason).toContain("the download could not be fetched: https://static.rust-lang.org/dist/2099-01-01/probe-1.0.tar.gz");
    // The command it names puts the file into verify's own (private, offline) store.
    const conf = /\(offline\? put it in the store first: NIX_CONF_DIR=(\S+) nix-store --add-fixed sha256 probe-1\.0\.tar\.gz\)$/.exec(reason)?.[1];
    expect(conf).toBe(join(gendir, "nix", "conf"));
    const added = await spawn(["nix-store", "--add-fixed", "sha256", payload], { env: { ...process.env, NIX_CONF_DIR: conf! } });
    expect(added.code).toBe(0);
    const second = await runVerify(gendir, ["--only", "step001"]);
    expect(second.statuses).toEqual(["step001 built"]);
    expect(second.report!.steps[0]!.outPath).toBe(added.stdout.trim());
    expect(second.code).toBe(0);
  });
});

describe("verify reuses the evaluation kept in --state while nothing it reads changed", () => {
  test("reused on a second run; a touched or edited source, an edited tree file, a deleted .drv or a fresh --state evaluate again", async () => {
    const dir = await genSample();
    const run = async (extra: string[] = []) => {
      const r = await runVerify(dir, extra);
      expect(r.code).toBe(0);
      return { reused: r.report!.evalReused, statuses: r.statuses!, report: r.report! };
    };
    const allBuilt = ["step001 built", "step002 built", "step003 built", "step004 built"];
    expect((await run()).reused).toBe(false);
    const again = await run();
    expect(again).toMatchObject({ reused: true, statuses: allBuilt });
    expect(again.report.evalSeconds).toBeLessThan(2);

    // Touched only: evaluated again, the same derivations, nothing to build.
    const main = join(dir, "src/src/hello/main.rs");
    const now = new Date();
    await utimes(main, now, now);
    expect(await run()).toMatchObject({ reused: false, statuses: allBuilt });
    // Edited: built again (the sample's steps each read the whole checkout), and the new program is the one that runs.
    await Bun.write(main, (await Bun.file(main).text()).replace('println!("{}"', 'println!("Hi: {}"'));
    const edited = await run();
    expect(edited).toMatchObject({ reused: false, statuses: ["step001 passed", "step002 passed", "step003 passed", "step004 passed"] });
    expect(await Bun.file(join(edited.report.steps[3]!.outPath!, ".nixify/step004.stdout")).text()).toStartWith("Hi: Hello from");
    expect((await run()).reused).toBe(true);

    // A tree file edited: step004 runs with another channel.
    const step4 = join(dir, "tree/step004/default.nix");
    await Bun.write(step4, (await Bun.file(step4).text()).replace('SAMPLE_CHANNEL = "stable"', 'SAMPLE_CHANNEL = "beta"'));
    const tree = await run();
    expect(tree).toMatchObject({ reused: false, statuses: ["step001 built", "step002 built", "step003 built", "step004 passed"] });
    expect(await Bun.file(join(tree.report.steps[3]!.outPath!, ".nixify/step004.stdout")).text()).toContain("(beta channel)");

    // A kept derivation gone from the store: evaluated again (which writes it back).
    const env = await offlineNixEnv(join(dir, "nix"));
    expect((await spawn(["nix-store", "--delete", "--ignore-liveness", tree.report.steps[3]!.drvPath!], { env })).code).toBe(0);
    expect(await run()).toMatchObject({ reused: false, statuses: allBuilt });
    expect((await run()).reused).toBe(true);

    // Another --state keeps nothing yet.
    const fresh = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix2"), "--json"], { cwd: dir });
    expect(fresh.code).toBe(0);
    expect(v.parse(VerifyReportSchema, JSON.parse(fresh.stdout)).evalReused).toBe(false);
  });
});

describe("verify refuses bad input", () => {
  test("a folder that is not a generated tree", async () => {
    const dir = await tempDir();
    const r = await cli(["verify", dir, "--offline", "--state", join(dir, "nix")]);
    expect(r.code).toBe(ExitCode.notATree);
    expect(r.stderr).toContain("is not a tree generated by nixify-rust");
  });

  test("a tree whose manifest is corrupt", async () => {
    const dir = await genSample();
    const file = join(dir, "tree/steps.json");
    const m = await Bun.file(file).json();
    m.steps[1].kind = "teleport";
    await Bun.write(file, JSON.stringify(m));
    const r = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix")], { cwd: dir });
    expect(r.code).toBe(ExitCode.notATree);
    expect(r.stderr).toMatch(/steps\.json: corrupt manifest: steps\.1\.kind: /);
    await Bun.write(file, "{ not json");
    expect((await cli(["verify", "tree", "--offline"], { cwd: dir })).code).toBe(ExitCode.notATree);
  });

  test("a tree Nix cannot evaluate", async () => {
    const dir = await genSample();
    await Bun.write(join(dir, "tree/step002/default.nix"), "{ mkStep, steps }: mkStep {");
    const r = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix")], { cwd: dir });
    expect(r.code).toBe(ExitCode.evalFailed);
    expect(r.stderr).toContain("evaluating");
  });

  test("Nix not installed", async () => {
    const dir = await genSample();
    await mkdir(join(dir, "nobin"));
    const r = await cli(["verify", "tree", "--offline"], { cwd: dir, env: { ...process.env, PATH: join(dir, "nobin") } });
    expect(r.code).toBe(ExitCode.nixMissing);
    expect(r.stderr).toContain("nix is not installed");
    expect(r.stderr).toContain("apt-get install -y nix-bin");
  });
});
