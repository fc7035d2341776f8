// gen: a Rust checkout (or the embedded sample) becomes a numbered, buildable flake tree.
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { removedOnStop, spawn } from "./process.ts";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { capture, NOTHING_RECORDED, type Capture, type CaptureMode } from "./capture/capture.ts";
import { configValue, withoutValue } from "./capture/config-toml.ts";
import { isRustCheckout } from "./capture/checkout.ts";
import { NixifyError } from "./errors.ts";
import { scrubObservedEnv, scrubRecordEnv } from "./capture/env.ts";
import { log } from "./log.ts";
import { flakeUrlSafe, renderTree, VERSION } from "./render/render-tree.ts";
import { writeSample, SAMPLE_FILES } from "./capture/sample.ts";
import { findHandovers } from "./steps/handovers.ts";
import { pinToolchain } from "./render/toolchain.ts";
import { orderObserved } from "./capture/rustc-recording.ts";
import { MANIFEST_SCHEMA_VERSION, type Depth, type Manifest, type ObservedRecord, type Record } from "./schema.ts";
import { checkoutPieces } from "./steps/sources.ts";
import { buildSteps } from "./steps/steps.ts";
import { makeSymbolizer, PLACEHOLDERS, type Placeholder } from "./steps/symbolic.ts";
import { readStage0Checksums } from "./capture/stage0.ts";
import { hostSystem, systemOfTriple } from "./capture/system.ts";
import { holds, planOut, realTarget, writeTreeAtomically } from "./write/write-tree.ts";

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

/** Toolchain paths named in the config (and where they really are) become placeholders that Nix fills from its inputs. */
async function toolchainPaths(config: string | undefined): Promise<Array<[string, Placeholder]>> {
  const paths: Array<[string, Placeholder]> = [];
  for (const [key, placeholder] of [["rustc", "@rustc@"], ["cargo", "@cargo@"]] as const) {
    const path = configValue(config, `build.${key}`);
    if (!path) continue;
    paths.push([path, placeholder]);
    const real = await realpath(path).catch(() => undefined);
    if (real && real !== path) paths.push([real, placeholder]);
  }
  // That rustc's sysroot, which the bootstrap names too (1.90's `--sysroot` for tools the stage-0
  // compiler builds, RUSTC_SNAPSHOT_LIBDIR): a folder of its own, not a system prefix such as /usr,
  // whose other files (cc, llvm-config) keep their paths.
  const rustc = configValue(config, "build.rustc");
  const sysroot = rustc ? (await spawn([rustc, "--print", "sysroot"]).catch(() => undefined))?.stdout.trim() : undefined;
  if (sysroot && !SYSTEM_PREFIXES.has(sysroot)) {
    for (const path of new Set([sysroot, await realpath(sysroot).catch(() => sysroot)])) paths.push([path, "@sysroot@"]);
  }
  return paths;
}

const SYSTEM_PREFIXES = new Set(["/", "/usr", "/usr/local"]);

/**
 * Absolute paths of a capture -> placeholders. A dry run plans in build/tmp-dry-run; a toolchain
 * x.py ran with in place of the pinned stage0 stands for the stage0 folder the steps unpack.
 */
export async function symbolizerOf(cap: Capture, stage0Dir?: string, runToolchain?: string): Promise<(text: string) => string> {
  const p = cap.paths;
  const pairs: Array<[string, Placeholder]> = [
    [p.overlay, "@src@"], [p.root, "@src@"], [p.rootReal, "@src@"],
    [join(p.build, "tmp-dry-run"), "@build@"], [join(p.buildReal, "tmp-dry-run"), "@build@"],
    [p.build, "@build@"], [p.buildReal, "@build@"], [p.work, "@work@"],
    [p.home, "@home@"], [p.tmp, "@tmp@"],
    ...(await toolchainPaths(cap.config)),
  ];
  const sym = makeSymbolizer(pairs);
  if (!runToolchain || !stage0Dir) return sym;
  const prefixes = [runToolchain, await realpath(runToolchain)].sort((a, b) => b.length - a.length);
  return (text) => sym(prefixes.reduce((t, prefix) => t.split(prefix).join(stage0Dir), text));
}

function symbolicObserved(record: ObservedRecord, sym: (s: string) => string): ObservedRecord {
  const env: { [k: string]: string } = {};
  for (const [k, value] of Object.entries(scrubObservedEnv(record.env, record.tool, record.envReads))) env[k] = sym(value);
  // Build scripts ask $RUSTC for its version; bootstrap's shim answers as the stage0 rustc would.
  if (env.RUSTC !== undefined) env.RUSTC = "@rustc@";
  return {
    ...record,
    command: sym(record.command),
    args: record.args.map(sym),
    env,
    cwd: sym(record.cwd),
    // Only files of the source, the build and the toolchain can link steps; the rest is the machine's.
    inputs: record.inputs.map(sym).filter((p) => p.startsWith("@")),
    outputs: record.outputs.map(sym),
    // What a call saw of the sysroots is turned into hand-over steps before this (see handovers.ts).
    sees: undefined,
    envReads: undefined,
  };
}

export function symbolicRecord(record: Record, sym: (s: string) => string): Record {
  if (record.type === "observed") return symbolicObserved(record, sym);
  if (record.type === "unpack") {
    return { ...record, tarball: sym(record.tarball), dest: sym(record.dest) };
  }
  const env: { [k: string]: string } = {};
  for (const [k, value] of Object.entries(scrubRecordEnv(record.env))) env[k] = sym(value);
  return { ...record, command: sym(record.command), args: record.args.map(sym), env, cwd: sym(record.cwd) };
}

export async function gen(options: GenOptions): Promise<GenResult> {
  const opts = { ...options, depth: options.depth ?? "shell" };
  if (opts.nixpkgs !== undefined && !/^\S+:\S+$/.test(opts.nixpkgs)) {
    throw new NixifyError("badInput", `--nixpkgs ${JSON.stringify(opts.nixpkgs)} is not a flake URL`, "e.g. --nixpkgs github:NixOS/nixpkgs/nixos-unstable");
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
    config = withoutValue(config, "build-dir");
    if (opts.buildDir === undefined) log.info(`the config's build.build-dir (${configBuildDir}) is gen's build dir, as --build-dir would be`);
  }
  const buildDir = opts.buildDir ?? (configBuildDir === undefined ? undefined : resolve(configBuildDir));
  const tempDir = removedOnStop(await realpath(await mkdtemp(join(tmpdir(), "nixify-rust-"))));
  try {
    const { root, sample } = await chooseSource(opts.src, tempDir);
    // The source by its real path: Nix stores a linked path input as the link itself, and a
    // folder holding the source is found only by comparing real paths.
    const rootReal = await realpath(root).catch(() => root);
    // Refuse early, before minutes of x.py, if the tree could not be written anyway.
    const { target } = await planOut(out, opts.force, [rootReal]);
    const what = { shell: `recording x.py (mode ${opts.mode})`, cargo: "asking the bootstrap binary for its plan of x.py", rustc: "observing every rustc call of a real x.py" }[opts.depth];
    log.start(`${what} ${opts.xpyArgs.join(" ")} in a copy of ${sample ? "the sample" : root}`);
    const base = { root, mode: opts.mode, xpyArgs: opts.xpyArgs, config, buildDir, runToolchain: opts.runToolchain };
    const cap = await capture({ ...base, tempDir: await subDir(tempDir, opts.depth), depth: opts.depth });
    const renderStart = performance.now();
    const sym = await symbolizerOf(cap);
    let records: Record[];
    let chain: number[] = [];
    let extraDeps = new Map<number, number[]>();
    if (opts.depth === "shell") {
      records = cap.records.map((r) => symbolicRecord(r, sym));
    } else if (opts.depth === "rustc") {
      ({ records, extraDeps } = await observedSteps(cap, sym));
    } else {
      // The outer shell (stage0 downloads, the cargo build of the bootstrap crate) as bootstrap.py
      // records it, then the bootstrap binary's cargo calls in place of its single run.
      const shell = await capture({ ...base, tempDir: await subDir(tempDir, "shell"), depth: "shell", mode: "all", buildDir: undefined, runToolchain: undefined });
      const shellSym = await symbolizerOf(shell);
      const outer = shell.records.map((r) => symbolicRecord(r, shellSym));
      const stage0 = outer.find((r) => r.type === "unpack" && r.match === "rustc");
      const planSym = await symbolizerOf(cap, stage0?.type === "unpack" ? stage0.dest : undefined, opts.runToolchain);
      const plan = cap.records.map((r) => symbolicRecord(r, planSym));
      records = [...outer.filter((r) => !(r.type === "rust_compiler_invocation" && r.isBootstrap)), ...plan];
      chain = plan.map((_, i) => records.length - plan.length + i);
    }
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
      steps: buildSteps(records, await readStage0Checksums(root), chain, extraDeps),
    };
    if (opts.depth === "rustc") {
      const { version, hash } = await pinToolchain(configValue(cap.config, "build.rustc")!);
      manifest.toolchain = { version, hash };
    }
    // An observed step's source is only the pieces of the checkout it reads (not for the sample,
    // whose tree carries its source).
    const pieces = checkoutPieces(root);
    records.forEach((r, i) => {
      if (r.type === "observed" && !sample) manifest.steps[i]!.sources = pieces(r);
    });
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
    await rm(tempDir, { recursive: true, force: true });
  }
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

/**
 * The observed calls and the bootstrap's hand-overs between them, symbolic and in order, with the
 * hand-overs each call reads (by index) as extra dependencies.
 */
export async function observedSteps(cap: Capture, sym: (s: string) => string): Promise<{ records: ObservedRecord[]; extraDeps: Map<number, number[]> }> {
  const observed = cap.records.filter((r) => r.type === "observed");
  const build = cap.paths.build;
  const handovers = await findHandovers(observed, build, await finalSysroots(observed, build));
  if (handovers.unexplained.length > 0) {
    log.warn(`${handovers.unexplained.length} sysroot files are no compiler call's output, so no step makes them (e.g. ${sym(handovers.unexplained[0]!)})`);
  }
  const all = [...observed, ...handovers.records].map((r) => symbolicObserved(r, sym));
  const reads = new Map<ObservedRecord, ObservedRecord[]>();
  for (const [i, hs] of handovers.readBy) reads.set(all[i]!, hs.map((h) => all[observed.length + h]!));
  const records = orderObserved(all, reads);
  if (records.length === 0) {
    // Only the bootstrap crate was compiled (newer bootstraps build no std at stage 0).
    throw new NixifyError("nothingObserved", ...NOTHING_RECORDED.rustc);
  }
  const at = new Map(records.map((r, i) => [r, i]));
  const extraDeps = new Map<number, number[]>();
  for (const [r, hs] of reads) if (at.has(r)) extraDeps.set(at.get(r)!, hs.map((h) => at.get(h)!));
  return { records, extraDeps };
}

/** The sysroots in the build dir the calls used (--sysroot, or a compiler's own), with their files as the build left them. */
async function finalSysroots(records: ObservedRecord[], build: string): Promise<Map<string, string[]>> {
  const roots = new Set<string>();
  for (const r of records.filter((r) => r.tool === "rustc")) {
    const i = r.args.indexOf("--sysroot");
    const own = r.command.endsWith("/bin/rustc") ? dirname(dirname(r.command)) : undefined;
    for (const root of [own, i >= 0 ? resolve(r.cwd, r.args[i + 1]!) : undefined]) {
      if (root && holds(build, root)) roots.add(root);
    }
  }
  const sysroots = new Map<string, string[]>();
  for (const root of [...roots].sort()) {
    const files = await Array.fromAsync(new Bun.Glob("**").scan({ cwd: root, onlyFiles: true, dot: true })).catch(() => []);
    sysroots.set(root, files.map((f) => join(root, f)).sort());
  }
  return sysroots;
}

async function subDir(parent: string, name: string): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir);
  return dir;
}

async function readConfig(path: string): Promise<string> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new NixifyError("badInput", `config file ${path} does not exist`, "pass an existing bootstrap.toml or config.toml to --config");
  return file.text();
}
