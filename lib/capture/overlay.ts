// A cheap copy of a source tree: symlinks for everything unchanged, real files only for what is
// replaced or added, and real folders only on the way to those files. bootstrap.py takes its root
// from abspath (not realpath) of its own file, so it sees the copy as the root.
import { mkdir, readdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Builds the overlay of `root` at `dest` (an empty or missing folder) with `files` (relative path -> content). */
export async function makeOverlay(root: string, dest: string, files: Map<string, string>): Promise<void> {
  await mkdir(dest, { recursive: true });
  const realDirs = new Set<string>([""]);
  for (const file of files.keys()) {
    for (let dir = dirname(file); dir !== "." && dir !== ""; dir = dirname(dir)) realDirs.add(dir);
  }
  // Each real folder links the entries of its original that are neither replaced nor real folders.
  for (const dir of [...realDirs].sort()) {
    await mkdir(join(dest, dir), { recursive: true });
    const entries = await readdir(join(root, dir)).catch(() => [] as string[]);
    for (const name of entries) {
      const rel = dir ? `${dir}/${name}` : name;
      if (realDirs.has(rel) || files.has(rel)) continue;
      await symlink(join(root, rel), join(dest, rel));
    }
  }
  for (const [rel, content] of files) await Bun.write(join(dest, rel), content);
}
