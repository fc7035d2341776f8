// A generated tree travels: moved after gen, or committed to a git repository, it still builds
// with real Nix (offline), and it names no path of where it was made.
import { expect, test } from "bun:test";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "../lib/process.ts";
import { writeStandIn } from "../lib/verify/standin.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { cli, leakedPaths, offlineNixEnv, readTree, tempDir } from "./helpers.ts";

test("a tree moved after gen verifies, and its root and step flakes build where it now is", async () => {
  const made = await tempDir();
  expect((await cli(["gen", "--out", "tree"], { cwd: made })).code).toBe(0);
  expect(leakedPaths(await readTree(join(made, "tree")))).toEqual([]);

  const dir = await tempDir();
  const tree = join(dir, "moved/tree");
  await spawn(["mkdir", "-p", join(dir, "moved")]);
  await rename(join(made, "tree"), tree);
  await spawn(["rm", "-rf", made]);

  const v = await cli(["verify", tree, "--offline", "--state", join(dir, "nix"), "--json"]);
  const report = JSON.parse(v.stdout) as VerifyReport;
  expect({ code: v.code, statuses: report.steps.map((s) => s.status) }).toEqual({ code: 0, statuses: ["passed", "passed", "passed", "passed"] });

  // The same store and the same stand-in nixpkgs as verify, through Nix's own commands.
  await writeStandIn(join(dir, "standin"), report.system);
  const env = await offlineNixEnv(join(dir, "nix"));
  const nix = (args: string[], cwd = dir) =>
    spawn(["nix", "eval", "--raw", "--no-write-lock-file", ...args], { env, cwd }).then((r) => ({
      code: r.code,
      out: r.stdout,
      err: r.code === 0 ? "" : r.stderr,
    }));
  const standIn = `path:${join(dir, "standin")}`;
  const step2 = report.steps.find((s) => s.id === "step002")!.outPath!;

  // Root flake: the step as one of its packages.
  expect(await nix(["--override-input", "nixpkgs", standIn, `path:${tree}#packages.${report.system}.step002.outPath`])).toEqual({
    code: 0,
    out: step2,
    err: "",
  });
  // A step flake outside git: `path:..` resolves in the store on Nix 2.8, so the tree is named.
  expect(
    await nix([
      "--override-input",
      "tree",
      `path:${tree}`,
      "--override-input",
      "tree/nixpkgs",
      standIn,
      `path:${tree}/step002#packages.${report.system}.default.outPath`,
    ]),
  ).toEqual({ code: 0, out: step2, err: "" });

  // Committed to a git repository: the step flake finds its tree by itself.
  const git = (args: string[]) => spawn(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: join(dir, "moved") });
  expect((await git(["init", "-q"])).code).toBe(0);
  expect((await git(["add", "tree"])).code).toBe(0);
  expect((await git(["commit", "-qm", "a generated tree"])).code).toBe(0);
  expect(await nix(["--override-input", "tree/nixpkgs", standIn, `./tree/step002#packages.${report.system}.default.outPath`], join(dir, "moved"))).toEqual({
    code: 0,
    out: step2,
    err: "",
  });
});
