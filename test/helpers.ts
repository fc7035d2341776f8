// Shared test support: real temp dirs, the real CLI, real Nix run offline.
import { afterAll } from "bun:test";
import { lstat, mkdtemp, readdir, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { spawn, type SpawnResult } from "../lib/process.ts";

const MAIN = join(import.meta.dir, "..", "main.ts");
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

/** A realpath'd temp dir, removed after the file's tests. */
export async function tempDir(prefix = "nixify-test-"): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** Runs the CLI as a user would (`bun main.ts ...`). */
export function cli(args: string[], opts: { cwd?: string; env?: { [k: string]: string | undefined } } = {}): Promise<SpawnResult> {
  return spawn([process.execPath, MAIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env });
}

/** Real Rust sources from scripts/test.sh; in CI they must be there. */
export function rustSrc(version: "1.63" | "1.85"): string | undefined {
  const path = process.env[`NIXIFY_RUST_SRC_${version.replace(".", "_")}`];
  if (!path && process.env.CI) throw new Error(`NIXIFY_RUST_SRC_${version.replace(".", "_")} is not set: run the tests through scripts/test.sh`);
  return path;
}

/** Every path under `root` with size and mtime (of the entry itself, links not followed). */
export async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const st = await lstat(path);
      out.push(`${relative(root, path)}\t${st.size}\t${st.mtimeMs}`);
      if (st.isDirectory()) await walk(path);
    }
  }
  await walk(root);
  return out;
}

/** All files of a tree, relative path -> text. */
export async function readTree(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const line of await listing(root)) {
    const rel = line.split("\t")[0]!;
    const st = await lstat(join(root, rel));
    if (st.isFile()) files.set(rel, await Bun.file(join(root, rel)).text());
  }
  return files;
}

/** Machine paths found in a tree's files, except those a tree names on purpose (`allowed`). */
export function leakedPaths(files: Map<string, string>, allowed: string[] = []): string[] {
  const leaks: string[] = [];
  for (const [rel, text] of files) {
    let scrubbed = text;
    for (const a of allowed) scrubbed = scrubbed.split(a).join("");
    for (const m of scrubbed.matchAll(/(\/tmp\/|\/root\b|\/home\/)[^\s"]*/g)) leaks.push(`${rel}: ${m[0]}`);
  }
  return leaks;
}

/** Offline Nix for tests: a private store and settings under `dir`. */
export async function offlineNixEnv(dir: string): Promise<{ [k: string]: string | undefined }> {
  const { nixRunner } = await import("../lib/nix-settings.ts");
  return (await nixRunner({ offline: true, stateDir: dir })).env;
}
