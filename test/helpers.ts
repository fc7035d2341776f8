// Shared test support: real temp dirs, the real CLI, real Nix run offline.
import { rmSync } from "node:fs";
import { lstat, mkdtemp, readdir, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { spawn, type SpawnResult } from "../lib/process.ts";

const MAIN = join(import.meta.dir, "..", "main.ts");
/** The temp dirs made so far, each with the test file that made it (Bun.main is the file running). */
const made: { dir: string; file: string }[] = [];

/**
 * Removes the temp dirs the tests made, but those of the file `running` (test/setup.ts, preloaded
 * by bunfig.toml, calls it before each test and once after the run: Bun has no per-file hook in a
 * preload, nor a process exit event in `bun test`). The suite's disk so holds one file's dirs at a
 * time, not every file's Nix stores at once. Their Nix stores hold read-only folders, made
 * writable first.
 */
export function removeTempDirs(running?: string): void {
  for (const { dir, file } of made.filter((m) => m.file !== running)) {
    Bun.spawnSync(["chmod", "-R", "u+w", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
  made.splice(0, made.length, ...made.filter((m) => m.file === running));
}

/** A realpath'd temp dir, removed when its test file is done. */
export async function tempDir(prefix = "nixify-test-"): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  made.push({ dir, file: Bun.main });
  return dir;
}

/** Runs the CLI as a user would (`bun main.ts ...`). */
export function cli(args: string[], opts: { cwd?: string; env?: { [k: string]: string | undefined } } = {}): Promise<SpawnResult> {
  return spawn([process.execPath, MAIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env });
}

/**
 * Real Rust sources: `NIXIFY_RUST_SRC_1_xx` if set, else fetched (and cached) by
 * test/support/fetch-rust-src.sh, so the suites that need them never skip. A failed fetch throws:
 * the test file fails to load, which fails the run.
 */
export function rustSrc(version: "1.63" | "1.85" | "1.90" | "1.95"): string {
  const name = `NIXIFY_RUST_SRC_${version.replace(".", "_")}`;
  const set = process.env[name];
  if (set) return set;
  const script = join(import.meta.dir, "support", "fetch-rust-src.sh");
  // Synchronous: the suites call this while they are being defined. The script's stderr (download
  // progress, errors) goes straight to ours.
  const r = Bun.spawnSync(["bash", script, version], { stdout: "pipe", stderr: "inherit" });
  const path = r.stdout.toString().trim().split("\n").at(-1);
  if (!r.success || !path) throw new Error(`${name} is not set and test/support/fetch-rust-src.sh ${version} failed (exit ${r.exitCode})`);
  // Child processes (the support scripts) then take the same tree.
  process.env[name] = path;
  return path;
}

/**
 * Runs a test-support script (`test/support/SCRIPT VERSION`: a prepared source tree, a stage0
 * toolchain) and returns the path it prints last; a failure stops the test with the script's stderr.
 */
export async function supportPath(script: string, version: "1.63" | "1.85" | "1.90" | "1.95" | "web"): Promise<string> {
  const r = await spawn(["bash", join(import.meta.dir, "support", script), version]);
  if (r.code !== 0) throw new Error(`test/support/${script} ${version} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split("\n").at(-1)!;
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
    // A placeholder's own subfolder (@build@/tmp/...) is not a machine path.
    for (const m of scrubbed.matchAll(/(?<![\w@.-])(\/tmp\/|\/root\b|\/home\/)[^\s"]*/g)) leaks.push(`${rel}: ${m[0]}`);
  }
  return leaks;
}

/** Offline Nix for tests: a private store and settings under `dir`. */
export async function offlineNixEnv(dir: string): Promise<{ [k: string]: string | undefined }> {
  const { nixRunner } = await import("../lib/verify/nix-settings.ts");
  return (await nixRunner({ offline: true, stateDir: dir })).env;
}

/**
 * `nix eval` of a flake attribute (`path:TREE#attr`) as verify --offline evaluates: no lock file
 * written, each input of `inputs` (nixpkgs: a stand-in writeStandIn wrote) overridden by a folder.
 * JSON unless `raw`; `apply`: a Nix function of the value.
 */
export function nixEval(
  env: { [k: string]: string | undefined },
  ref: string,
  opts: { inputs: { [input: string]: string }; raw?: boolean; apply?: string },
): Promise<SpawnResult> {
  const overrides = Object.entries(opts.inputs).flatMap(([input, dir]) => ["--override-input", input, `path:${dir}`]);
  const apply = opts.apply === undefined ? [] : ["--apply", opts.apply];
  return spawn(["nix", "eval", opts.raw ? "--raw" : "--json", "--no-write-lock-file", ...overrides, ref, ...apply], { env });
}

/**
 * Builds a tree's `sysroot` (the std its steps made) offline, in verify's store under `state` and
 * with the nixpkgs stand-in verify wrote there: its store path, or Nix's error.
 */
export async function buildSysroot(state: string, tree: string): Promise<{ code: number; err: string; sysroot?: string }> {
  const { nixRunner } = await import("../lib/verify/nix-settings.ts");
  const runner = await nixRunner({ offline: true, stateDir: state });
  const args = [
    "build",
    "--no-link",
    "--json",
    "--no-write-lock-file",
    "--override-input",
    "nixpkgs",
    `path:${join(state, "nixpkgs-host")}`,
    `path:${tree}#sysroot`,
  ];
  const b = await spawn(["nix", ...runner.flakeArgs, ...args], { env: runner.env });
  if (b.code !== 0) return { code: b.code, err: b.stderr.slice(-2000) };
  return { code: 0, err: "", sysroot: (JSON.parse(b.stdout) as Array<{ outputs: { out: string } }>)[0]!.outputs.out };
}
