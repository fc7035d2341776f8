// verify, first stage: the steps asked for, checked before anything runs, and the tree evaluated
// once (its derivations and outputs), with the pinned compiler in the store.
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { NixifyError } from "../errors.ts";
import { log } from "../log.ts";
import { attrs, builtin, call, ident, lambda, nul, render, sel, str } from "../render/nix.ts";
import { plainText, spawn } from "../process.ts";
import { EvaluatedStepsSchema, issueText, type EvaluatedSteps, type Manifest, type Step } from "../schema.ts";
import { TOOLCHAIN_NAME } from "../render/render-tree.ts";
import { narHash } from "../capture/nar.ts";
import { rustcSysroot } from "../toolchain.ts";
import { loadManifest } from "../write/tree.ts";
import { canBuild, parseMachines } from "./machines.ts";
import { nixRunner, type NixRunner } from "./nix-settings.ts";
import { nixError } from "./nix-output.ts";
import { missing, NIX_BROKE_HINT } from "./store.ts";
import { checkToolchain, writeStandIn } from "./standin.ts";
import { cached, cacheFile, cacheKey, flakeSrc, keep, sourceRead, type SourceRead } from "./eval-cache.ts";
import { pieceHashes } from "./piece-hashes.ts";

export type VerifyOptions = {
  tree: string;
  offline: boolean;
  /** Where offline Nix keeps its store and settings. */
  stateDir: string;
  /** Offline: the toolchain folder (bin/rustc, bin/cargo) that stands in for nixpkgs' rustc and cargo. */
  toolchain?: string;
  from?: string;
  to?: string;
  only?: string[];
  keepGoing: boolean;
  /** Builds Nix may run at once on this machine (its --max-jobs); 0: none, every step goes to a builder. */
  jobs?: number;
  /** Remote builders in Nix's syntax (its `builders` setting): where Nix may hand steps. */
  builders?: string;
  /** Build the tree against this checkout instead of the one it was generated from (the same sources with a change). */
  src?: string;
};

/** A tree evaluated: the steps chosen, and each step's derivation and output path. */
export type Evaluated = {
  dir: string;
  manifest: Manifest;
  chosen: Step[];
  runner: NixRunner;
  paths: EvaluatedSteps;
  /** The evaluation's seconds, or on reuse the seconds the check took. */
  evalSeconds: number;
  /** The evaluation kept in --state was reused: nothing it reads had changed (eval-cache.ts). */
  evalReused: boolean;
  /** Offline: the stand-in's rustc, the one a step that runs nixpkgs' rustc runs (version line and folder). */
  standInRustc?: string;
};

export const BUILDER_HINT =
  "check that each builder answers: nix store ping --store URI (an ssh port or key goes in NIX_SSHOPTS or ~/.ssh/config); or let this machine build too (--jobs 1)";

export function chooseSteps(manifest: Manifest, opts: VerifyOptions): Step[] {
  const ids = new Set(manifest.steps.map((s) => s.id));
  for (const id of [opts.from, opts.to, ...(opts.only ?? [])]) {
    if (id !== undefined && !ids.has(id)) {
      throw new NixifyError("badInput", `no step ${id} in this tree (it has step001 to ${manifest.steps.at(-1)?.id})`);
    }
  }
  const index = (id: string | undefined, fallback: number) => manifest.steps.find((s) => s.id === id)?.index ?? fallback;
  const from = index(opts.from, 1);
  const to = index(opts.to, manifest.steps.length);
  const chosen = manifest.steps.filter((s) => s.index >= from && s.index <= to && (opts.only === undefined || opts.only.includes(s.id)));
  // Building nothing and saying ✔ would look like success.
  if (chosen.length === 0) {
    const asked = [opts.from && `--from ${opts.from}`, opts.to && `--to ${opts.to}`, opts.only && `--only ${opts.only.join(",")}`].filter(Boolean).join(" ");
    throw new NixifyError(
      "badInput",
      `no step to build: ${asked || "the tree has no steps"} chooses none`,
      from > to ? "--from must not come after --to" : "list the tree's steps with: nixify-rust graph",
    );
  }
  return chosen;
}

// Depth cargo's planned cargo calls lean on hand-overs the bootstrap binary makes between them
// in its own code: they cannot build as steps, and saying so beats an hour of failures.
function refusePlanned(chosen: Step[]): void {
  const planned = chosen.filter((s) => s.kind === "cargo" && s.outputs !== undefined);
  if (planned.length > 0) {
    throw new NixifyError(
      "badInput",
      `${planned.length} of the chosen steps (${planned[0]!.id}${planned.length > 1 ? ", ..." : ""}) are cargo calls of the bootstrap's plan (--depth cargo), which do not build through Nix: the bootstrap hands sysroots between them in its own code`,
      "to build a compiler through Nix, generate the tree with --depth rustc; --only the other steps (downloads, the bootstrap crate) still builds",
    );
  }
}

/** --src must name a folder, checked before anything runs (a file would fail as a step, or as the tree). */
async function checkSrc(src: string | undefined): Promise<void> {
  if (src === undefined) return;
  const st = await stat(src).catch(() => undefined);
  if (st?.isDirectory()) return;
  throw new NixifyError(
    "badInput",
    `--src ${src} ${st ? "is not a folder" : "does not exist"}`,
    "pass the folder of the checkout to build against (the same sources with a change)",
  );
}

/**
 * The builders' spec is Nix's; what Nix would reject mid-build is refused here. With --jobs 0 this
 * machine builds nothing: some builder must build the tree's system (offline, only --builders
 * names builders; online, the machine's Nix settings may too, and Nix says if none fits).
 */
function checkBuilders(opts: VerifyOptions, system: string): void {
  const machines = parseMachines(opts.builders ?? "");
  if (opts.jobs !== 0 || canBuild(machines, system)) return;
  if (opts.builders !== undefined || opts.offline) {
    throw new NixifyError(
      "noBuilder",
      `--jobs 0 builds nothing on this machine, and no builder ${opts.builders === undefined ? "is given" : "in --builders builds " + system}`,
      `name one with --builders 'ssh-ng://HOST ${system} KEY 4' (Nix's machines syntax), or let this machine build (--jobs 1)`,
    );
  }
}

/**
 * The `nix eval` arguments that give the tree's packages (each one's derivation and output), and
 * the checkout the steps read, where a folder is known (--src, or the tree's own `src` input).
 * Online: the tree's flake, as a user would build it. Offline, with that folder: the flake's own
 * `outputs` called with the stand-in as nixpkgs and the folder's path as `src` (with its pieces'
 * hashes: hashPieces), so Nix adds only the pieces the steps read, where a flake input is copied
 * whole to be locked (1.95's checkout: 28-56 s on every edit, against 1 s). Both give the same
 * derivations (test/verify.test.ts, test/deep-rustc.test.ts).
 */
async function evalArgs(
  runner: NixRunner,
  dir: string,
  manifest: Manifest,
  stateDir: string,
  toolchain: string | undefined,
  src: string | undefined,
): Promise<{ argv: string[]; source?: string; standIn?: string; standInRustc?: string; read?: SourceRead; pieceHashes?: Record<string, string> }> {
  const flakeNix = join(dir, "flake.nix");
  const source =
    src !== undefined
      ? resolve(src)
      : flakeSrc(
          await Bun.file(flakeNix)
            .text()
            .catch(() => ""),
          dir,
        );
  const apply = ["--apply", render(DRV_AND_OUT)];
  // The flake with its inputs overridden (--override-input NAME path:DIR), as a user's nix would take it.
  const flake = (inputs: [string, string][]) => [
    "eval",
    "--json",
    ...runner.flakeArgs,
    "--no-write-lock-file",
    ...inputs.flatMap(([name, folder]) => ["--override-input", name, `path:${folder}`]),
    `path:${dir}#packages.${manifest.system}`,
    ...apply,
  ];
  if (!runner.offline) return { argv: flake(src === undefined ? [] : [["src", source!]]), source };
  const standIn = join(stateDir, "nixpkgs-host");
  const standInRustc = await writeStandIn(standIn, manifest.system, toolchain, manifest.llvm?.version);
  // A source that is no folder here (a URL): the flake locks it.
  if (source === undefined) return { argv: flake([["nixpkgs", standIn]]), standIn, standInRustc };
  const { read, hashes } = await hashPieces(dir, manifest, stateDir, source);
  const srcArg = hashes
    ? attrs({ outPath: str(source), pieceHashes: attrs(Object.fromEntries(Object.entries(hashes).map(([rel, h]) => [rel, str(h)]))) })
    : str(source);
  const outputs = call(
    sel(call(ident("import"), str(flakeNix)), "outputs"),
    attrs({ self: nul(), nixpkgs: call(builtin("getFlake"), str(`path:${standIn}`)), src: srcArg }),
  );
  return {
    argv: ["eval", "--json", ...runner.flakeArgs, "--impure", "--expr", render(sel(outputs, "packages", manifest.system)), ...apply],
    source,
    standIn,
    standInRustc,
    read,
    pieceHashes: hashes,
  };
}

/**
 * Offline: what of the checkout the steps read, and where that is pieces, each piece's NAR hash
 * (piece-hashes.ts), for the evaluation to give with the checkout's path (builders.nix's mkPiece
 * hands them to Nix).
 */
async function hashPieces(dir: string, manifest: Manifest, stateDir: string, source: string): Promise<{ read: SourceRead; hashes?: Record<string, string> }> {
  const stepsNix = await Bun.file(join(dir, "steps.nix"))
    .text()
    .catch(() => "");
  const read = sourceRead(manifest, stepsNix);
  if (read.all) return { read };
  const { hashes, hashed } = await pieceHashes(stateDir, source, read.pieces);
  log.debug(`source pieces: ${hashed.length} of ${read.pieces.length} read for their hashes, the others' kept`);
  return { read, hashes };
}

/**
 * --toolchain is used offline (the stand-in's rustc and cargo) and by a tree that pins its
 * compiler; elsewhere it would be ignored, so it is refused. It must be a working toolchain.
 */
async function checkToolchainOption(opts: VerifyOptions, manifest: Manifest): Promise<void> {
  if (opts.toolchain === undefined) return;
  if (!opts.offline && !manifest.toolchain) {
    throw new NixifyError(
      "badInput",
      `--toolchain ${opts.toolchain} would not be used: this tree (--depth ${manifest.depth ?? "shell"}) pins no compiler, and without --offline its steps build with nixpkgs' rustc`,
      "add --offline to build with that toolchain in place of nixpkgs' rustc and cargo, or leave --toolchain out",
    );
  }
  await checkToolchain(opts.toolchain, opts.offline);
}

// Each package's derivation and output: builtins.mapAttrs (n: p: { drv = p.drvPath; out = p.outPath; })
const DRV_AND_OUT = call(builtin("mapAttrs"), lambda("n", lambda("p", attrs({ drv: sel(ident("p"), "drvPath"), out: sel(ident("p"), "outPath") }))));

/**
 * Offline, the evaluation kept in --state when nothing it reads changed (eval-cache.ts), else a
 * new one, kept. Online nixpkgs moves, so it always evaluates.
 */
async function evaluateOrReuse(
  runner: NixRunner,
  dir: string,
  manifest: Manifest,
  stateDir: string,
  args: { argv: string[]; source?: string; standIn?: string; read?: SourceRead; pieceHashes?: Record<string, string> },
): Promise<{ paths: EvaluatedSteps; reused: boolean }> {
  const { argv, source, standIn, read, pieceHashes } = args;
  let key: string | undefined;
  if (standIn !== undefined && source !== undefined && read !== undefined) {
    try {
      key = cacheKey({ treeDir: dir, read, src: source, standIn, argv, pieceHashes });
    } catch (e) {
      log.debug(`evaluating again: the inputs could not all be read (${(e as Error).message})`);
    }
  }
  const file = key === undefined ? undefined : cacheFile(stateDir, dir, source!);
  const kept = file === undefined ? undefined : await cached(runner, file, key!);
  if (kept) return { paths: kept, reused: true };
  const paths = await evaluatePackages(runner, dir, manifest, argv);
  if (file !== undefined) await keep(file, key!, paths);
  return { paths, reused: false };
}

async function evaluatePackages(runner: NixRunner, dir: string, manifest: Manifest, argv: string[]): Promise<EvaluatedSteps> {
  const r = await spawn(["nix", ...argv], { env: runner.env });
  if (r.code !== 0) {
    log.debug(`nix eval said:\n${plainText(r.stderr).trimEnd()}`);
    throw new NixifyError(
      "evalFailed",
      `evaluating ${dir} failed: ${nixError(r.stderr)}`,
      `see: nix eval path:${dir}#packages.${manifest.system} --show-trace (or verify --verbose for all Nix said)`,
    );
  }
  const parsed = v.safeParse(EvaluatedStepsSchema, JSON.parse(r.stdout));
  if (!parsed.success) throw new NixifyError("evalFailed", `evaluating ${dir} gave no derivations: ${issueText(parsed.issues)}`);
  return parsed.output;
}

/**
 * A depth-rustc tree builds with the compiler it was captured with, pinned by hash: --toolchain
 * adds that folder to the store (a folder with other bytes gives another path, and is refused).
 */
async function ensureToolchain(runner: NixRunner, manifest: Manifest, paths: EvaluatedSteps, toolchain: string | undefined): Promise<void> {
  const pin = paths.toolchain?.out;
  if (!manifest.toolchain || !pin) return;
  if (!(await missing(runner, [pin])).has(pin)) return;
  const pinned = `(${manifest.toolchain.version}, ${manifest.toolchain.hash})`;
  if (!toolchain) {
    throw new NixifyError(
      "badInput",
      `this tree builds with the compiler it was captured with ${pinned}, which is not in the store`,
      "pass its folder once with --toolchain DIR (what `rustc --print sysroot` prints for it)",
    );
  }
  // The pin is of the compiler's real sysroot (a toolchain folder may reach it through links).
  const sysroot = await rustcSysroot(join(toolchain, "bin", "rustc"));
  if ("error" in sysroot)
    throw new NixifyError(
      "badInput",
      `--toolchain ${toolchain} has no working bin/rustc`,
      "pass a folder with bin/rustc, e.g. what `rustc --print sysroot` prints",
    );
  // Hashed before it is copied: another compiler is refused without adding its gigabytes to the store.
  const differs = () =>
    new NixifyError(
      "badInput",
      `--toolchain ${toolchain} is not the compiler this tree was captured with ${pinned}: its contents differ`,
      "pass the very folder the tree was captured with; to build with another compiler, generate the tree with it",
    );
  if (narHash(sysroot.sysroot) !== manifest.toolchain.hash) throw differs();
  const r = await spawn(["nix", ...runner.flakeArgs, "store", "add-path", "--name", TOOLCHAIN_NAME, sysroot.sysroot], { env: runner.env });
  if (r.code !== 0) throw new NixifyError("nixFailed", `adding --toolchain ${toolchain} to the store failed: ${nixError(r.stderr)}`, NIX_BROKE_HINT);
  if ((await missing(runner, [pin])).has(pin)) throw differs();
}

export async function evaluate(opts: VerifyOptions): Promise<Evaluated> {
  await checkSrc(opts.src);
  const { dir, manifest } = await loadManifest(opts.tree);
  const chosen = chooseSteps(manifest, opts);
  refusePlanned(chosen);
  checkBuilders(opts, manifest.system);
  await checkToolchainOption(opts, manifest);
  const runner = await nixRunner({ offline: opts.offline, stateDir: opts.stateDir });
  log.start(`evaluating ${dir} (${manifest.steps.length} steps) once`);
  // Its arguments count: offline, they hash the pieces of the checkout that changed.
  const evalStart = performance.now();
  const args = await evalArgs(runner, dir, manifest, opts.stateDir, opts.toolchain, opts.src);
  const { paths, reused } = await evaluateOrReuse(runner, dir, manifest, opts.stateDir, args);
  const evalSeconds = (performance.now() - evalStart) / 1000;
  await ensureToolchain(runner, manifest, paths, opts.toolchain);
  return { dir, manifest, chosen, runner, paths, evalSeconds, evalReused: reused, standInRustc: args.standInRustc };
}
