// A tree whose steps link the machine's LLVM takes nixpkgs' llvmPackages_<major>, evaluated by the
// real nix-instantiate against the rendered builders.nix: a nixpkgs without that LLVM fails only
// the steps that name it, with what is missing, and the others still evaluate.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { spawn } from "../lib/process.ts";
import { renderTree } from "../lib/render/render-tree.ts";
import type { Manifest } from "../lib/schema.ts";
import { fixtureSteps } from "./unit/fixtures.ts";
import { offlineNixEnv, tempDir } from "./helpers.ts";

const manifest = { system: "x86_64-linux", llvm: { version: "22.1.8" }, steps: await fixtureSteps("sample.steps.json") } as Manifest;
const files = renderTree({ manifest, srcUrl: "path:./src", supplied: new Map(), generated: [] });

/** The derivation of a step that runs `command`, evaluated with `pkgs` (a Nix expression) as nixpkgs. */
async function stepDrv(pkgs: string, command: string) {
  const dir = await tempDir();
  for (const f of ["builders.nix", "run-step.sh"]) await Bun.write(join(dir, f), files.get(f)!);
  const step = `{ id = "step001"; name = "s"; kind = "build-script"; command = ${JSON.stringify(command)}; args = [ ]; env = { }; cwd = "@build@"; }`;
  const b = `import ./builders.nix { pkgs = ${pkgs}; system = "x86_64-linux"; tools = [ ]; llvm = { version = "22.1.8"; attr = "llvmPackages_22"; }; }`;
  await Bun.write(join(dir, "e.nix"), `let b = ${b}; in (b.mkStep "/src" ${step}).drvPath`);
  return spawn(["nix-instantiate", "--eval", "--strict", join(dir, "e.nix")], { env: await offlineNixEnv(join(dir, "nix")) });
}

test("renderTree hands builders.nix the LLVM's version and nixpkgs attribute", () => {
  expect(files.get("steps.nix")!).toMatch(/llvm = \{\s*attr = "llvmPackages_22";\s*version = "22\.1\.8";\s*\}/);
});

test("a nixpkgs without the tree's LLVM fails the steps that name it, saying what is missing", async () => {
  const plain = `{ bash = "/x"; rustc = "/x"; cargo = "/x"; }`;
  const naming = await stepDrv(plain, "@llvm-config@");
  expect(naming.code).not.toBe(0);
  expect(naming.stderr).toContain("this tree's steps link LLVM 22.1.8 (the machine's when gen ran), and its nixpkgs has no llvmPackages_22");
  const other = await stepDrv(plain, "cc");
  expect(other.stderr).toBe("");
  expect(other.code).toBe(0);
  // With it, the step takes that LLVM's llvm-config.
  const withLlvm = await stepDrv(
    `{ bash = "/x"; rustc = "/x"; cargo = "/x"; llvmPackages_22 = { llvm = { dev = "/llvm-dev"; lib = "/llvm-lib"; }; }; }`,
    "@llvm-config@",
  );
  expect(withLlvm.stderr).toBe("");
  expect(withLlvm.code).toBe(0);
});
