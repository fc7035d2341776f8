// The project's own flake.nix cannot be built here (no nixpkgs offline). Real Nix parses it and
// evaluates it against a stand-in nixpkgs, which shows what each system's derivations would run;
// the node_modules hash is recomputed from bun.lock; the workflows use the same bun and commands.
import { describe, expect, test } from "bun:test";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import pkg from "../package.json";
import { spawn, type SpawnResult } from "../lib/process.ts";
import { COMPILE_FLAGS } from "../scripts/build.ts";
import { tempDir } from "./helpers.ts";

const ROOT = join(import.meta.dir, "..");

const FLAKE = join(ROOT, "flake.nix");
const SYSTEMS = ["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"];

/** Real Nix with nothing of the machine's: empty settings, a private store, no network. */
async function nix(argv: string[]): Promise<SpawnResult> {
  const dir = await tempDir("nixify-flake-");
  const conf = join(dir, "conf");
  await mkdir(conf);
  const env = { ...process.env, NIX_CONF_DIR: conf, NIX_USER_CONF_FILES: "/dev/null", XDG_CACHE_HOME: join(dir, "cache") };
  const store = `local?store=${dir}/store&state=${dir}/state&log=${dir}/log`;
  return spawn([...argv, "--option", "store", store, "--option", "substituters", ""], { env });
}

// A stand-in for nixpkgs with just what flake.nix uses: derivations are their attribute sets.
// escapeShellArg is nixpkgs' own rule (safe words stay bare).
const STAND_IN = `{ flakePath }:
let
  systems = [ "aarch64-darwin" "aarch64-linux" "x86_64-darwin" "x86_64-linux" ];
  escapeShellArg = arg:
    if builtins.match "[[:alnum:],._+:@%/-]+" arg != null then arg
    else "'" + builtins.replaceStrings [ "'" ] [ "'\\\\''" ] arg + "'";
  lib = {
    genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
    mapAttrs = builtins.mapAttrs;
    optionals = cond: list: if cond then list else [ ];
    escapeShellArgs = args: builtins.concatStringsSep " " (map escapeShellArg args);
    fileset = { unions = list: list; toSource = { root, fileset }: map baseNameOf fileset; };
    fetchers.proxyImpureEnvVars = [ "http_proxy" ];
    licenses.mit = "MIT";
  };
  drv = attrs: attrs // { outPath = "/nix/store/stand-in-" + (attrs.pname or attrs.name); };
  pkgsFor = system: {
    stdenv.hostPlatform.isLinux = builtins.match ".*-linux" system != null;
    stdenvNoCC.mkDerivation = drv;
    mkShell = drv;
    bun = drv { name = "bun"; };
    cacert = drv { name = "cacert"; };
    python3 = drv { name = "python3"; };
    nix = drv { name = "nix"; };
    nixVersions.stable = drv { name = "nix"; };
    rustc = drv { name = "rustc"; };
    cargo = drv { name = "cargo"; };
  };
  flake = import (/. + flakePath);
  outputs = flake.outputs { self = outputs; nixpkgs = { inherit lib; legacyPackages = lib.genAttrs systems pkgsFor; }; };
  plain = d: removeAttrs d [ "outPath" ];
in {
  inherit (flake) inputs;
  packages = builtins.mapAttrs (system: builtins.mapAttrs (name: plain)) outputs.packages;
  checks = builtins.mapAttrs (system: builtins.mapAttrs (name: plain)) outputs.checks;
  devShells = builtins.mapAttrs (system: builtins.mapAttrs (name: plain)) outputs.devShells;
  inherit (outputs) apps;
}`;

const DrvSchema = v.looseObject({
  buildPhase: v.optional(v.string()),
  src: v.optional(v.unknown()),
  nativeBuildInputs: v.optional(v.array(v.string())),
  packages: v.optional(v.array(v.string())),
  dontStrip: v.optional(v.boolean()),
  dontPatchELF: v.optional(v.boolean()),
  dontFixup: v.optional(v.boolean()),
  outputHash: v.optional(v.string()),
  outputHashMode: v.optional(v.string()),
  version: v.optional(v.string()),
});
const PerSystem = <T extends v.GenericSchema>(schema: T) => v.record(v.string(), v.record(v.string(), schema));
const EvalSchema = v.object({
  inputs: v.object({ nixpkgs: v.object({ url: v.string() }) }),
  packages: PerSystem(DrvSchema),
  checks: PerSystem(DrvSchema),
  devShells: PerSystem(DrvSchema),
  apps: PerSystem(v.object({ type: v.literal("app"), program: v.string() })),
});

let evaluated: v.InferOutput<typeof EvalSchema> | undefined;
async function evaluate(): Promise<v.InferOutput<typeof EvalSchema>> {
  if (evaluated) return evaluated;
  const r = await nix(["nix-instantiate", "--eval", "--strict", "--json", "-E", STAND_IN, "--argstr", "flakePath", FLAKE]);
  if (r.code !== 0) throw new Error(`flake.nix does not evaluate against the stand-in nixpkgs:\n${r.stderr}`);
  evaluated = v.parse(EvalSchema, JSON.parse(r.stdout));
  return evaluated;
}

describe("flake.nix", () => {
  test("parses", async () => {
    const r = await nix(["nix-instantiate", "--parse", FLAKE]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("has every output for each of the four systems, on nixos-unstable", async () => {
    const e = await evaluate();
    expect(e.inputs.nixpkgs.url).toBe("github:NixOS/nixpkgs/nixos-unstable");
    for (const outputs of [e.packages, e.apps, e.checks, e.devShells]) expect(Object.keys(outputs).sort()).toEqual(SYSTEMS);
    const text = await Bun.file(FLAKE).text();
    for (const system of SYSTEMS) expect(text).toContain(system);
  });

  test("compiles with scripts/build.ts's flags and leaves the executable as bun wrote it", async () => {
    const e = await evaluate();
    for (const system of SYSTEMS) {
      const p = e.packages[system]!.default!;
      expect(p.version).toBe(pkg.version);
      expect(p.buildPhase).toContain(`bun build ${COMPILE_FLAGS.join(" ")} main.ts --outfile nixify-rust`);
      expect([p.dontStrip, p.dontPatchELF, p.dontFixup]).toEqual([true, true, true]);
      expect(p.src).toEqual(expect.arrayContaining(["main.ts", "package.json", "lib", "sample"]));
      expect(e.apps[system]!.default!.program).toBe("/nix/store/stand-in-nixify-rust/bin/nixify-rust");
    }
  });

  test("takes bun from nixpkgs and downloads nothing by URL itself", async () => {
    const e = await evaluate();
    for (const system of SYSTEMS) {
      for (const name of ["default", "node-modules"]) expect(e.packages[system]![name]!.nativeBuildInputs).toContain("/nix/store/stand-in-bun");
    }
    // The stand-in has no fetchurl: evaluating at all shows none is called; no URL is written either.
    expect(await Bun.file(FLAKE).text()).not.toMatch(/fetchurl|https?:\/\//);
  });

  test("checks.unit runs the suites that need no network; the dev shell has the tools", async () => {
    const e = await evaluate();
    for (const system of SYSTEMS) {
      expect(e.checks[system]!.unit!.buildPhase).toContain("bun test test/nix.test.ts test/gen-sample.test.ts test/gen-errors.test.ts");
      expect(e.checks[system]!.unit!.src).toEqual(expect.arrayContaining(["test", "bunfig.toml"]));
      const tools = e.devShells[system]!.default!.packages ?? [];
      for (const tool of ["bun", "python3", "nix", "rustc", "cargo"]) expect(tools).toContain(`/nix/store/stand-in-${tool}`);
    }
  });

  test("node-modules' hash is that of bun.lock's runtime dependencies", async () => {
    const e = await evaluate();
    const fod = e.packages["x86_64-linux"]!["node-modules"]!;
    expect(fod.outputHashMode).toBe("recursive");
    // The same systems must share one hash: only plain-JavaScript packages are installed.
    for (const system of SYSTEMS) expect(e.packages[system]!["node-modules"]!.outputHash).toBe(fod.outputHash!);
    const line = /^\s*bun (install .*)$/m.exec(fod.buildPhase ?? "");
    expect(line).not.toBeNull();
    // escapeShellArgs quotes words with "=": undo that for words with nothing else to quote.
    const args = line![1]!.split(" ").map((a) => a.replace(/^'([\w.,+:@%/=-]+)'$/, "$1"));
    expect(args.filter((a) => !/^[\w.,+:@%/=-]+$/.test(a))).toEqual([]);

    const dir = await tempDir("nixify-node-modules-");
    await copyFile(join(ROOT, "package.json"), join(dir, "package.json"));
    await copyFile(join(ROOT, "bun.lock"), join(dir, "bun.lock"));
    const installed = await spawn([process.execPath, ...args], { cwd: dir, env: process.env });
    if (installed.code !== 0) throw new Error(`bun ${args.join(" ")} failed:\n${installed.stderr}`);
    const hashed = await nix(["nix", "--extra-experimental-features", "nix-command", "hash", "path", join(dir, "node_modules")]);
    expect(hashed.code).toBe(0);
    const actual = hashed.stdout.trim();
    if (actual !== fod.outputHash) throw new Error(`flake.nix's nodeModulesHash is stale (bun.lock changed?): set it to "${actual}"`);
  });
});

describe("the workflows", () => {
  test("pin the project's bun (bun-types) and run the local scripts' commands", async () => {
    const bunVersion = /^\^(\d+\.\d+\.\d+)$/.exec(pkg.devDependencies["bun-types"])?.[1];
    expect(bunVersion).toBeDefined();
    expect(await Bun.file(join(ROOT, "scripts/setup.sh")).text()).toContain(`bun@${bunVersion}`);
    expect(pkg.scripts.build).toBe("bun run scripts/build.ts");
    const ci = await Bun.file(join(ROOT, ".github/workflows/ci.yml")).text();
    const release = await Bun.file(join(ROOT, ".github/workflows/release.yml")).text();
    const ciRun = await Bun.file(join(ROOT, ".ci/run")).text();
    for (const wf of [ci, release]) expect(wf).toContain(`bun-version: ${bunVersion}`);
    expect(ciRun).toContain("bash scripts/test.sh");
    expect(ci).toContain("run: bash scripts/test.sh");
    // The test-support scripts download from the Debian archive apt uses and need bookworm's packages.
    expect(ci).toContain("image: debian:bookworm");
    for (const step of ["run: bun install --frozen-lockfile", "run: bun run build", "dist/nixify-rust-*", "dist/SHA256SUMS"]) expect(release).toContain(step);
  });

  test("the format check skips what git ignores: the tree the README's first command writes (bootstrap/) fails no test run after it", async () => {
    const dir = await tempDir();
    for (const f of ["biome.json", ".gitignore"]) await copyFile(join(ROOT, f), join(dir, f));
    expect((await spawn(["git", "init", "-q", dir])).code).toBe(0);
    const unformatted = '{"steps":   [1,\n2]}\n';
    await Bun.write(join(dir, "bootstrap/steps.json"), unformatted);
    const check = () => spawn([join(ROOT, "node_modules/.bin/biome"), "format", "."], { cwd: dir });
    expect((await check()).code).toBe(0);
    // The control: the same file where git does not ignore it fails the check.
    await Bun.write(join(dir, "tree/steps.json"), unformatted);
    expect((await check()).code).not.toBe(0);
  });
});
