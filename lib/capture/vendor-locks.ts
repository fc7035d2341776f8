// Distro source trees repack vendor/ without always updating the Cargo.lock files (Debian's 1.85:
// clap locked at 4.5.20, vendored 4.5.23), so the offline `cargo build --frozen` of a real build
// fails at once. For the workspaces a deep capture builds, gen asks cargo whether each lock still
// resolves against vendor/; a stale one is re-resolved offline in gen's copy (where the lock is a
// file of its own), and the steps get the same file. The source root keeps its own.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "../process.ts";

/**
 * The workspaces (folders with a Cargo.lock) of what a capture really builds: the bootstrap crate,
 * the library; in trees where they share the root workspace, that one.
 */
export function builtWorkspaces(root: string, builds: Array<"bootstrap" | "library">): string[] {
  const own = { bootstrap: "src/bootstrap", library: "library" };
  const wanted = builds.map((what) => (existsSync(join(root, own[what], "Cargo.lock")) ? own[what] : "."));
  return [...new Set(wanted)].filter((ws) => existsSync(join(root, ws, "Cargo.lock")));
}

export type StaleLock = { workspace: string; lock: string; reason: string };

/** The cargo that checks the locks, the rustc it asks about targets (the config's, not PATH's), its home. */
export type LockTools = { cargo: string; rustc: string | undefined; home: string };

// cargo finds the tree's vendored-source config from its cwd; RUSTC_BOOTSTRAP lets it read
// manifests that use nightly features, as the bootstrap does. Without RUSTC it would run the first
// rustc on PATH, which may be too old for the cargo of the config.
function cargoEnv(tools: LockTools) {
  return { PATH: process.env.PATH, CARGO_HOME: tools.home, RUSTC_BOOTSTRAP: "1", ...(tools.rustc ? { RUSTC: tools.rustc } : {}) };
}

function firstError(stderr: string, fallback: string): string {
  return (
    stderr
      .split("\n")
      .find((l) => l.startsWith("error:"))
      ?.replace(/^error:\s*/, "") ?? fallback
  );
}

/** The lock files of `workspaces` that do not resolve offline against the tree's vendor/ as they are. */
export async function staleLocks(root: string, workspaces: string[], tools: LockTools): Promise<StaleLock[]> {
  const stale: StaleLock[] = [];
  for (const ws of workspaces) {
    const manifest = join(root, ws, "Cargo.toml");
    const check = await spawn([tools.cargo, "metadata", "--format-version", "1", "--offline", "--locked", "--manifest-path", manifest], {
      cwd: root,
      env: cargoEnv(tools),
    });
    if (check.code === 0) continue;
    stale.push({ workspace: ws, lock: join(ws, "Cargo.lock").replace(/^\.\//, ""), reason: firstError(check.stderr, "it does not resolve offline") });
  }
  return stale;
}

/**
 * Re-resolves a stale lock in the copy (whose lock file is a real file, not a link to the root):
 * its new text, or cargo's reason why it cannot resolve offline either.
 */
export async function reresolveLock(copy: string, stale: StaleLock, tools: LockTools): Promise<{ text: string } | { error: string }> {
  const file = join(copy, stale.lock);
  const original = await Bun.file(file).text();
  const r = await spawn([tools.cargo, "generate-lockfile", "--offline", "--manifest-path", join(copy, stale.workspace, "Cargo.toml")], {
    cwd: copy,
    env: cargoEnv(tools),
  });
  if (r.code !== 0) return { error: firstError(r.stderr, "cargo generate-lockfile failed") };
  // An older stage0 cargo reads lock version 3 at most; keep the version the tree had.
  const version = /^version = (\d+)$/m.exec(original)?.[1];
  let text = await Bun.file(file).text();
  if (version) text = text.replace(/^version = \d+$/m, `version = ${version}`);
  await Bun.write(file, text);
  return { text };
}
