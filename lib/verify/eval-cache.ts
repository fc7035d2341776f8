// A tree's evaluation, kept in the --state folder and reused while nothing it reads has changed.
// Evaluating the 526-step 1.95 tree costs about 0.6 s once Nix is given the pieces' hashes
// (piece-hashes.ts; 2 s where it hashes every piece itself); a kept one is checked in a fraction
// of that. The key is everything the evaluation reads: the tree's files (by content), the
// stand-in nixpkgs (by content), the source as the steps read it (each piece by the hash given for
// it, or by its walk; or the whole checkout where a step reads all of it: one walk, each entry's
// path, type, size, mode, mtime, ctime and inode), Nix itself and the evaluation's arguments.
// Only offline: online, nixpkgs is a moving input. A hit is used only if every .drv is still valid
// in the store; any doubt (no source folder found, an unreadable file, a broken cache) evaluates.
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, type BigIntStats } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import * as v from "valibot";
import { log } from "../log.ts";
import type { Manifest } from "../schema.ts";
import { EvaluatedStepsSchema, type EvaluatedSteps } from "../schema.ts";
import type { NixRunner } from "./nix-settings.ts";
import { missing } from "./store.ts";

/** Bumped when what the key covers, or how the cache is kept, changes. */
const CACHE_FORMAT = "nixify-eval-cache 1";

/** What of the checkout the evaluation reads: every piece a step names, or all of it (a step with no `sources`). */
export type SourceRead = { all: true } | { all: false; pieces: string[] };

/**
 * A step without `sources` reads the whole (cleaned) checkout; otherwise only the pieces named:
 * by the manifest, and (should the two ever differ) by steps.nix's own mkPiece calls.
 */
export function sourceRead(manifest: Manifest, stepsNix: string): SourceRead {
  if (manifest.steps.some((s) => s.sources === undefined)) return { all: true };
  const pieces = new Set(manifest.steps.flatMap((s) => s.sources ?? []));
  for (const m of stepsNix.matchAll(/mkPiece src ("(?:[^"\\]|\\.)*")/g)) pieces.add(unquote(m[1]!));
  return { all: false, pieces: [...pieces].sort() };
}

/** A Nix string as render/nix.ts writes it, read back. */
function unquote(quoted: string): string {
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t" };
  return quoted.slice(1, -1).replace(/\\(.)/gs, (_, c: string) => escapes[c] ?? c);
}

/** The folder the tree's flake takes its `src` input from (`url = "path:..."` or `path = "..."`), or undefined. */
export function flakeSrc(flakeNix: string, treeDir: string): string | undefined {
  const string = String.raw`"(?:[^"\\]|\\.)*"`;
  const block = new RegExp(String.raw`\bsrc = \{((?:[^"{}]|${string})*)\}`).exec(flakeNix)?.[1];
  if (block === undefined) return undefined;
  const field = (name: string) => new RegExp(String.raw`(?:^|[\s;])${name} = (${string});`).exec(block)?.[1];
  const [url, type, path] = [field("url"), field("type"), field("path")];
  // A `path:` URL (no query), or the attribute form gen writes for paths a URL cannot hold.
  const where = url !== undefined ? /^path:([^?]+)$/.exec(unquote(url))?.[1] : type === '"path"' && path !== undefined ? unquote(path) : undefined;
  return where === undefined ? undefined : resolve(treeDir, where);
}

/** One entry of a walk: path, type and the stat fields that change when its contents do. */
export function statLine(rel: string, st: Pick<BigIntStats, "mode" | "size" | "mtimeNs" | "ctimeNs" | "ino" | "isDirectory">): string {
  // A folder's own times change with any file made and removed in it (an editor's swap file):
  // its listing is what counts.
  if (st.isDirectory()) return `${rel}\0d\0${st.mode}\n`;
  return `${rel}\0${st.mode}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}\n`;
}

/**
 * Entries under `root` (relative, sorted), leaving out those `skip` names; symlinks are not
 * followed. A skipped top-level folder (x.py's build dir, often the biggest) is not walked.
 */
function entries(root: string, skip: (rel: string, isLink: boolean) => boolean): string[] {
  const rels: string[] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (skip(d.name, d.isSymbolicLink())) continue;
    rels.push(d.name);
    if (!d.isDirectory()) continue;
    for (const e of readdirSync(join(root, d.name), { recursive: true, withFileTypes: true })) {
      const rel = relative(root, join(e.parentPath, e.name));
      if (!skip(rel, e.isSymbolicLink())) rels.push(rel);
    }
  }
  return rels.sort();
}

/**
 * Feeds `hasher` a fingerprint of `path` (a file, link or folder): stat lines, or with `contents`
 * the bytes too. Returns the newest change (mtime or ctime, ns) of a file or link in it.
 */
function walk(hasher: Bun.CryptoHasher, path: string, contents: boolean, skip: (rel: string, isLink: boolean) => boolean = () => false): bigint {
  const top = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (!top) {
    hasher.update(`${path}\0missing\n`);
    return 0n;
  }
  // Whether Nix copies a link or what it names is a doubt: evaluate.
  if (top.isSymbolicLink()) throw new Error(`${path} is a symbolic link`);
  hasher.update(`${path}\0${statLine("", top)}`);
  if (!top.isDirectory()) return changed(top);
  let newest = 0n;
  for (const rel of entries(path, skip)) {
    const full = join(path, rel);
    const st = lstatSync(full, { bigint: true });
    if (!st.isDirectory() && changed(st) > newest) newest = changed(st);
    if (!contents) {
      hasher.update(statLine(rel, st));
      continue;
    }
    hasher.update(`${rel}\0${st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : "f"}\0${st.mode & 0o111n}\0${st.size}\0`);
    if (st.isSymbolicLink()) hasher.update(readlinkSync(full));
    else if (st.isFile()) hasher.update(readFileSync(full));
    hasher.update("\n");
  }
  return newest;
}

const changed = (st: BigIntStats): bigint => (st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs);

/**
 * A piece of the checkout by its stat lines alone (what the key reads of it): the same while no
 * file in it was written, replaced, added or removed. Throws where the piece is a link.
 */
export function pieceFingerprint(path: string): { fingerprint: string; newestChangeNs: bigint } {
  const h = new Bun.CryptoHasher("sha256");
  const newestChangeNs = walk(h, path, false);
  return { fingerprint: h.digest("hex"), newestChangeNs };
}

/** What cleanSource (builders.nix) leaves out of the checkout: x.py's build dir and `result` links. */
export function cleanSourceSkips(rel: string, isLink: boolean): boolean {
  return rel === "build" || (isLink && /^result(-.*)?$/.test(basename(rel)));
}

export type CacheInputs = {
  treeDir: string;
  /** What of the checkout the evaluation reads (sourceRead of the tree's manifest and steps.nix). */
  read: SourceRead;
  /** The checkout the steps read: --src, or the tree's own `src` input. */
  src: string;
  /** The offline stand-in for nixpkgs. */
  standIn: string;
  /** The `nix` arguments of the evaluation (what it evaluates and applies). */
  argv: string[];
  /** The NAR hashes of pieces the evaluation is given (piece-hashes.ts): those pieces are known by them, not walked again. */
  pieceHashes?: Record<string, string>;
};

/** The cache key: a sha256 over everything the evaluation reads. Throws if something cannot be read. */
export function cacheKey(inputs: CacheInputs): string {
  const h = new Bun.CryptoHasher("sha256");
  h.update(`${CACHE_FORMAT}\n${JSON.stringify(inputs.argv)}\n`);
  const nix = Bun.which("nix");
  if (nix) h.update(statLine("nix", lstatSync(realpathSync(nix), { bigint: true })));
  walk(h, inputs.treeDir, true);
  walk(h, inputs.standIn, true);
  // The checkout's own folder may be reached through a link (Nix follows that one).
  const src = realpathSync(inputs.src);
  if (inputs.read.all) walk(h, src, false, cleanSourceSkips);
  else
    for (const piece of inputs.read.pieces) {
      const hash = inputs.pieceHashes?.[piece];
      if (hash === undefined) walk(h, join(src, piece), false);
      else h.update(`${piece}\0${hash}\n`);
    }
  return h.digest("hex");
}

const CacheFileSchema = v.object({ key: v.string(), paths: EvaluatedStepsSchema });

/** Where a tree's evaluation is kept: one file per tree folder and source. */
export function cacheFile(stateDir: string, treeDir: string, src: string): string {
  return join(stateDir, "eval-cache", `${Bun.hash(`${treeDir}\0${src}`).toString(16)}.json`);
}

/** The evaluation kept for `key`, if its derivations are all still in the store. */
export async function cached(runner: NixRunner, file: string, key: string): Promise<EvaluatedSteps | undefined> {
  const text = await Bun.file(file)
    .text()
    .catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = v.safeParse(
    CacheFileSchema,
    (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  );
  if (!parsed.success || parsed.output.key !== key) return undefined;
  const drvs = Object.values(parsed.output.paths).map((p) => p.drv);
  const gone = await missing(runner, drvs).catch(() => undefined);
  if (!gone || gone.size > 0) {
    log.debug(`kept evaluation not used: ${gone ? `${gone.size} of its derivations are gone from the store` : "the store did not answer"}`);
    return undefined;
  }
  return parsed.output.paths;
}

/** Keeps `paths` for `key`. */
export async function keep(file: string, key: string, paths: EvaluatedSteps): Promise<void> {
  await keepWhole(file, JSON.stringify({ key, paths }));
}

/** Writes `text` whole, then renames it into place: a reader never sees half a file. */
export async function keepWhole(file: string, text: string): Promise<void> {
  const part = `${file}.${process.pid}.part`;
  try {
    await mkdir(join(file, ".."), { recursive: true });
    await Bun.write(part, text);
    await rename(part, file);
  } catch (e) {
    // Not keeping it costs the next run some work, nothing more.
    log.debug(`${basename(file)} not kept: ${(e as Error).message}`);
    await rm(part, { force: true });
  }
}
