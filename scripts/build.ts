#!/usr/bin/env bun
// `bun run build`: standalone executables of main.ts in dist/, one per platform, plus SHA256SUMS
// and a plain dist/nixify-rust for this machine.
//
//   bun run scripts/build.ts [--target host|all|linux-x64,...] [--outdir DIR]
//
// The host target is compiled with this bun's own runtime (no download). Each other target needs
// that platform's bun runtime, which `bun build` fetches from the npm registry
// (@oven/bun-<os>-<arch> at this bun's version) into bun's install cache on first use.
// We run the `bun build` CLI rather than Bun.build(): flake.nix runs the same command with the
// same flags, and the two front ends do not bundle byte for byte alike.
import { copyFile, mkdir, readdir, rm, stat } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json";
import { log } from "../lib/log.ts";
import { spawn, tail } from "../lib/process.ts";

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(ROOT, "main.ts");
export const NAME = "nixify-rust";

/** Release targets: our name -> bun's compile target. */
export const TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
} as const;
export type Target = keyof typeof TARGETS;

/**
 * The flags every executable is compiled with (flake.nix passes the same; test/flake.test.ts
 * checks). The executable must not read a `.env` or `bunfig.toml` from the user's folder.
 * Never strip or patch the result: the bundle is part of the file.
 */
export const COMPILE_FLAGS = ["--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"] as const;

export class BuildError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** This machine's target, if it is one we release. */
export function hostTarget(): Target | undefined {
  const name = `${process.platform}-${process.arch}`;
  return name in TARGETS ? (name as Target) : undefined;
}

/** `--target` values (repeated or comma-separated: host, all, or target names) -> targets. */
export function parseTargets(values: string[]): Target[] {
  const out = new Set<Target>();
  for (const value of values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean)) {
    if (value === "all") for (const t of Object.keys(TARGETS) as Target[]) out.add(t);
    else if (value === "host") {
      const host = hostTarget();
      if (!host) throw new BuildError(`this machine (${process.platform}-${process.arch}) is not one of the targets: ${Object.keys(TARGETS).join(", ")}`);
      out.add(host);
    } else if (value in TARGETS) out.add(value as Target);
    else throw new BuildError(`unknown target ${JSON.stringify(value)}: use host, all, or ${Object.keys(TARGETS).join(", ")}`);
  }
  if (out.size === 0) throw new BuildError("no target given");
  return [...out];
}

export type Built = { target: Target; path: string; bytes: number; sha256: string };

async function sha256(path: string): Promise<string> {
  return new Bun.CryptoHasher("sha256").update(await Bun.file(path).arrayBuffer()).digest("hex");
}

async function compile(target: Target, outfile: string): Promise<void> {
  const host = target === hostTarget();
  // The host build uses this bun's own runtime; naming the target would be the same file, but
  // leaving it out guarantees no download.
  const argv = [process.execPath, "build", ...COMPILE_FLAGS, ...(host ? [] : [`--target=${TARGETS[target]}`]), ENTRY, "--outfile", outfile];
  const r = await spawn(argv, { cwd: ROOT, env: process.env });
  if (r.code === 0) return;
  const said = tail(`${r.stderr}\n${r.stdout}`, 8);
  const fetch = /Failed to download '([^']+)'(?::\s*([^\n]*))?/.exec(said);
  if (fetch) {
    const [, runtime = "", reason = "no reason given"] = fetch;
    throw new BuildError(
      `cannot build ${target}: bun could not download the ${runtime} runtime it needs (npm package @oven/${runtime.replace(/-v[\d.]+$/, "")}): ${reason}`,
      "to build only this machine's executable, use --target host",
    );
  }
  throw new BuildError(`bun build failed for ${target} (exit ${r.code}):\n${said}`);
}

/** Builds `targets` into `outdir`; replaces earlier nixify-rust* files and SHA256SUMS there. */
export async function build(opts: { targets: Target[]; outdir: string }): Promise<Built[]> {
  const outdir = resolve(opts.outdir);
  await mkdir(outdir, { recursive: true });
  for (const name of await readdir(outdir)) {
    if (name === "SHA256SUMS" || name === NAME || name.startsWith(`${NAME}-`)) await rm(join(outdir, name), { force: true });
  }
  // Host first: it needs no download, so a failing cross target still leaves a usable binary.
  const host = hostTarget();
  const order = [...opts.targets].sort((a, b) => Number(b === host) - Number(a === host));
  const built: Built[] = [];
  for (const target of order) {
    const path = join(outdir, `${NAME}-${target}`);
    await compile(target, path);
    built.push({ target, path, bytes: (await stat(path)).size, sha256: await sha256(path) });
    if (target === host) await copyFile(path, join(outdir, NAME));
  }
  built.sort((a, b) => (basename(a.path) < basename(b.path) ? -1 : 1));
  await Bun.write(join(outdir, "SHA256SUMS"), built.map((b) => `${b.sha256}  ${basename(b.path)}\n`).join(""));
  return built;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const USAGE = `usage: bun run scripts/build.ts [--target host|all|${Object.keys(TARGETS).join("|")}[,...]] [--outdir DIR]`;

function parseCli(args: string[]) {
  return parseArgs({
    args,
    options: { target: { type: "string", multiple: true }, outdir: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  }).values;
}

async function main(): Promise<number> {
  let values: ReturnType<typeof parseCli>;
  try {
    values = parseCli(Bun.argv.slice(2));
  } catch (e) {
    log.error((e as Error).message);
    log.info(USAGE);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const targets = parseTargets(values.target ?? ["all"]);
    const outdir = resolve(values.outdir ?? join(ROOT, "dist"));
    const started = performance.now();
    log.info(`building ${NAME} ${pkg.version} with bun ${Bun.version} for ${targets.join(", ")}`);
    const built = await build({ targets, outdir });
    const show = (p: string) => (relative(process.cwd(), p).startsWith("..") ? p : relative(process.cwd(), p));
    const width = Math.max(...built.map((b) => show(b.path).length));
    for (const b of built) log.log(`  ${show(b.path).padEnd(width)}  ${mib(b.bytes).padStart(10)}`);
    if (built.some((b) => b.target === hostTarget())) log.log(`  ${show(join(outdir, NAME)).padEnd(width)}  (copy of ${NAME}-${hostTarget()})`);
    log.log(`  ${show(join(outdir, "SHA256SUMS"))}`);
    log.success(`${built.length} executable(s) in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    return 0;
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    log.error(e.message);
    if (e.hint) log.info(`hint: ${e.hint}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main();
