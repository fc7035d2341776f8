// gen: a Rust checkout (or the embedded sample) becomes a numbered, buildable flake tree.
import { constants } from "node:fs";
import { access, mkdir, mkdtemp, realpath, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { capture } from "./capture/capture.ts";
import { isRustCheckout } from "./capture/checkout.ts";
import { configValue, parseConfig, withoutValue, type Config } from "./capture/config-toml.ts";
import { writeSample, SAMPLE_FILES } from "./capture/sample.ts";
import { symbolizerOf } from "./capture/symbolizer.ts";
import { hostSystem, systemOfTriple } from "./capture/system.ts";
import type { CaptureMode } from "./capture/types.ts";
import { DEPTH_DEFINITIONS } from "./depths/index.ts";
import { NixifyError, unwritableFolder } from "./errors.ts";
import { log } from "./log.ts";
import { holds } from "./paths.ts";
import { PLACEHOLDERS } from "./placeholders.ts";
import { removedOnStop, removeNow } from "./process.ts";
import { flakeUrlSafe, isFlakeInputUrl, isNixSystem, renderTree, VERSION } from "./render/render-tree.ts";
import { MANIFEST_SCHEMA_VERSION, type Depth, type Manifest } from "./schema.ts";
import { checkoutPieces } from "./steps/sources.ts";
import { longestChain, MAX_CHAIN } from "./steps/graph.ts";
import { buildSteps } from "./steps/steps.ts";
import { planOut, realTarget, recoverLeftovers, writeTreeAtomically } from "./write/write-tree.ts";

export type GenOptions = {
  /** A Rust checkout; undefined means the current folder if it is one, else the sample. */
  src?: string;
  out: string;
  mode: CaptureMode;
  /** Default shell. */
  depth?: Depth;
  config?: string;
  buildDir?: string;
  system?: string;
  xpyArgs: string[];
  force: boolean;
  /** A toolchain folder x.py runs with during capture in place of the config's or the pinned stage0. */
  runToolchain?: string;
  /** Flake URL of the nixpkgs the tree pins. */
  nixpkgs?: string;
};

export type GenResult = {
  manifest: Manifest;
  out: string;
  /** The real folder holding the tree (`out` itself unless it is a link). */
  tree: string;
  seconds: { total: number; copy: number; xpy: number; render: number };
};

/** The checkout gen reads: --src, else the current folder if it is one, else the sample. */
async function chooseSource(src: string | undefined, tempDir: string): Promise<{ root: string; sample: boolean }> {
  if (src !== undefined) return { root: resolve(src), sample: false };
  if (await isRustCheckout(process.cwd())) return { root: process.cwd(), sample: false };
  const root = join(tempDir, "sample");
  await writeSample(root);
  log.info("no Rust checkout given and the current folder is not one: using the embedded sample tree");
  return { root, sample: true };
}

export async function gen(options: GenOptions): Promise<GenResult> {
  const opts = { ...options, depth: options.depth ?? "shell" };
  // Written into the tree's flake.nix, where a value Nix cannot take fails every later evaluation.
  if (opts.nixpkgs !== undefined && !isFlakeInputUrl(opts.nixpkgs)) {
    throw new NixifyError(
      "usage",
      `--nixpkgs ${JSON.stringify(opts.nixpkgs)} is not a flake URL Nix takes`,
      "e.g. --nixpkgs github:NixOS/nixpkgs/nixos-unstable, git+https://HOST/nixpkgs?ref=BRANCH, path:/abs/nixpkgs or nixpkgs (the registry)",
    );
  }
  if (opts.system !== undefined && !isNixSystem(opts.system)) {
    throw new NixifyError(
      "usage",
      `--system ${JSON.stringify(opts.system)} is not a Nix system (ARCH-OS)`,
      "e.g. --system x86_64-linux or aarch64-darwin (a Nix system, not a Rust triple)",
    );
  }
  const start = performance.now();
  const out = resolve(opts.out);
  await assertNamable(out);
  let config = opts.config === undefined ? undefined : await readConfig(opts.config);
  // A config's build.build-dir is gen's build dir, as --build-dir is (which wins): gen must know
  // where x.py builds, or the records name it by its machine path and the bootstrap's copies
  // between stages go unseen. The config the steps see has no machine path.
  const configBuildDir = configValue(config, "build.build-dir");
  if (config !== undefined && configBuildDir !== undefined) {
    config = parseConfig(withoutValue(config.text, "build-dir"));
    if (opts.buildDir === undefined) log.info(`the config's build.build-dir (${configBuildDir}) is gen's build dir, as --build-dir would be`);
  }
  const buildDir = opts.buildDir ?? (configBuildDir === undefined ? undefined : resolve(configBuildDir));
  if (buildDir !== undefined) await assertWritableDir(buildDir, opts.buildDir === undefined ? "the config's build.build-dir" : "--build-dir");
  if (opts.runToolchain !== undefined) await assertToolchain(opts.runToolchain);
  const tempDir = removedOnStop(await makeTempDir());
  try {
    const { root, sample } = await chooseSource(opts.src, tempDir);
    // The source by its real path: Nix stores a linked path input as the link itself, and a
    // folder holding the source is found only by comparing real paths.
    const rootReal = await realpath(root).catch(() => root);
    // A tree a killed run left aside is put back first, so that this run replaces it or leaves it.
    await recoverLeftovers(out);
    // Refuse early, before minutes of x.py, if the tree could not be written anyway.
    const { target } = await planOut(out, opts.force, [rootReal]);
    const depth = DEPTH_DEFINITIONS[opts.depth];
    log.start(`${depth.doing} ${opts.xpyArgs.join(" ")} in a copy of ${sample ? "the sample" : root}`);
    const { mode, xpyArgs, runToolchain } = opts;
    const cap = await capture({ root, mode, xpyArgs, config, buildDir, runToolchain, tempDir: await subDir(tempDir, opts.depth), depth });
    const renderStart = performance.now();
    const sym = symbolizerOf(cap);
    const { records, chain, extraDeps } = depth.steps(cap);
    const supplied = new Map([...cap.supplied].map(([rel, text]) => [rel, sym(text)]));
    const triple = configValue(cap.config, "build.build");
    const manifest: Manifest = {
      schema: MANIFEST_SCHEMA_VERSION,
      generator: "nixify-rust",
      version: VERSION,
      system: opts.system ?? (triple ? systemOfTriple(triple) : hostSystem()),
      mode: opts.mode,
      depth: opts.depth,
      xpyArgs: opts.xpyArgs,
      source: { sample, channel: cap.channel, channelSupplied: cap.channelSupplied },
      placeholders: { ...PLACEHOLDERS },
      steps: buildSteps(records, cap.stage0Checksums, chain, extraDeps),
    };
    if (cap.llvmVersion) manifest.llvm = { version: cap.llvmVersion };
    if (cap.toolchain) manifest.toolchain = cap.toolchain;
    // An observed step's source is only the pieces of the checkout it reads (not for the sample,
    // whose tree carries its source).
    const pieces = checkoutPieces(cap.checkout);
    records.forEach((r, i) => {
      if (r.type === "observed" && !sample) manifest.steps[i]!.sources = pieces(r);
    });
    if (depth.finishSteps) manifest.steps = depth.finishSteps(manifest.steps);
    // A compiler the tree makes itself: the checkout's stage0, downloaded and unpacked by its steps.
    const made = manifest.steps.filter((s) => s.kind === "download" || s.kind === "unpack");
    if (depth.pinsToolchain && !cap.toolchain && cap.stage0Compiler && made.length > 0)
      manifest.stage0 = { ...cap.stage0Compiler, steps: made.map((s) => s.id) };
    refuseDeepChain(manifest.steps);
    const files = renderTree({
      manifest,
      srcUrl: sample ? "path:./src" : `path:${rootReal}`,
      supplied,
      nixpkgs: opts.nixpkgs,
      generated: sample || !holds(rootReal, target) ? [] : [relative(rootReal, target)],
    });
    if (sample) for (const [rel, text] of SAMPLE_FILES) files.set(`src/${rel}`, text);
    const tree = await writeTreeAtomically(out, files, opts.force, [rootReal]);
    const now = performance.now();
    return {
      manifest,
      out,
      tree,
      seconds: { total: (now - start) / 1000, copy: cap.seconds.copy, xpy: cap.seconds.xpy, render: (now - renderStart) / 1000 },
    };
  } finally {
    removeNow(tempDir);
  }
}

/**
 * Nix evaluates a step's dependencies depth first (each derivation needs the paths of those below
 * it), so a chain of steps becomes as deep a recursion: Nix 2.8 overflowed its stack on a chain
 * of 10,000 steps. A tree none of whose chains is longer than MAX_CHAIN evaluates.
 */
function refuseDeepChain(steps: Manifest["steps"]): void {
  const chain = longestChain(steps);
  if (chain.length <= MAX_CHAIN) return;
  throw new NixifyError(
    "badInput",
    `the steps form a chain of ${chain.length} (${chain.first} to ${chain.last}, each depending on the one before), longer than the ${MAX_CHAIN} a tree may hold: Nix could not evaluate it (stack overflow)`,
    "record less at a time: a narrower x.py command (-- build PATH), or --mode first",
  );
}

/**
 * Refuses an --out that `verify` and `nix build path:...` could not name: Nix 2.8 reads the tree
 * only through a `path:` URL, and its parser neither takes nor decodes a space, `#`, `?`, `%`,
 * newline or non-ASCII letter. (The source may be anywhere: the tree names it verbatim.)
 */
async function assertNamable(out: string): Promise<void> {
  for (const path of new Set([out, await realTarget(out)])) {
    const bad = [...path].find((c) => !flakeUrlSafe(c));
    if (bad === undefined) continue;
    throw new NixifyError(
      "badInput",
      `--out ${JSON.stringify(path)} has ${JSON.stringify(bad)}, which a Nix flake URL cannot hold, so Nix could not build the tree there`,
      "choose an --out whose path has only letters A-Z a-z, digits and . _ - ~ ! $ & ' ( ) * + , ; = : @ /",
    );
  }
}

async function subDir(parent: string, name: string): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir);
  return dir;
}

async function readConfig(path: string): Promise<Config> {
  const st = await stat(path).catch(() => undefined);
  // A pipe is fine (--config <(...)); a device such as /dev/zero would be read forever.
  const what = !st ? "does not exist" : st.isDirectory() ? "is a folder" : !st.isFile() && !st.isFIFO() ? "is not a file (a device or a socket)" : undefined;
  if (what) throw new NixifyError("badInput", `config file ${path} ${what}`, "pass a bootstrap.toml or config.toml file to --config");
  return parseConfig(await Bun.file(path).text());
}

/** gen's own temp folder, under TMPDIR. */
async function makeTempDir(): Promise<string> {
  try {
    return await realpath(await mkdtemp(join(tmpdir(), "nixify-rust-")));
  } catch (e) {
    throw new NixifyError(
      "badInput",
      `cannot make a temporary folder in ${tmpdir()}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      "set TMPDIR to a writable folder (or unset it for /tmp)",
    );
  }
}

/** Refuses a build dir that is a file or cannot be written, before x.py runs (made if missing). */
async function assertWritableDir(path: string, flag: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    await access(path, constants.W_OK);
  } catch (e) {
    throw new NixifyError(
      "badInput",
      `${flag} ${path} cannot be x.py's build dir: ${unwritableFolder(e)}`,
      "name a writable folder, or leave --build-dir out for a temp folder",
    );
  }
}

/** --run-toolchain must be what x.py is told it is: a folder with bin/rustc and bin/cargo. */
async function assertToolchain(dir: string): Promise<void> {
  for (const tool of ["rustc", "cargo"]) {
    const path = join(dir, "bin", tool);
    const st = await stat(path).catch(() => undefined);
    if (
      st?.isFile() &&
      (await access(path, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      continue;
    throw new NixifyError(
      "badInput",
      `--run-toolchain ${dir} has ${st ? `a bin/${tool} that is not an executable file` : `no bin/${tool}`}`,
      "pass a toolchain folder with bin/rustc and bin/cargo (e.g. ~/.rustup/toolchains/NAME)",
    );
  }
}
