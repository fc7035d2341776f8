// The pieces' NAR hashes verify gives Nix offline (lib/verify/piece-hashes.ts): Nix's own hash of
// each, read again whenever a piece may have changed, kept only where its times can tell.
import { describe, expect, test } from "bun:test";
import { lstatSync } from "node:fs";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "../../lib/process.ts";
import { hashesFile, pieceHashes } from "../../lib/verify/piece-hashes.ts";
import { tempDir } from "../helpers.ts";

/** A checkout with two pieces: a folder (a file, an executable, a link) and a file. */
async function checkout(): Promise<{ src: string; state: string }> {
  const root = await tempDir();
  const src = join(root, "src");
  await mkdir(join(src, "vendor/p/sub"), { recursive: true });
  await writeFile(join(src, "vendor/p/lib.rs"), "fn a() {}\n");
  await writeFile(join(src, "vendor/p/sub/run.sh"), "#!/bin/sh\n");
  await chmod(join(src, "vendor/p/sub/run.sh"), 0o755);
  await symlink("lib.rs", join(src, "vendor/p/link"));
  await writeFile(join(src, "Cargo.lock"), "fn a() {}\n");
  return { src, state: join(root, "state") };
}
const PIECES = ["vendor/p", "Cargo.lock"];
const KEEP_ALL = 0n; // no piece counts as changed too recently to keep

describe("the pieces' hashes", () => {
  test("are Nix's (`nix hash path` of the same folder and file)", async () => {
    const { src, state } = await checkout();
    const { hashes, hashed } = await pieceHashes(state, src, PIECES, KEEP_ALL);
    expect(hashes).toEqual({
      "vendor/p": "sha256-haOTSkqyq1V0QSuOmfNmosa18XyBmzTkHHndyj7hC0o=",
      "Cargo.lock": "sha256-UJInsZns6bMB0Q5Eg9+BmSkvFCYkx7zY8Kh22v6f70o=",
    });
    expect(hashed).toEqual(PIECES);
  });

  test("are kept: the next look reads no piece; a changed file is read again, even at its old size and mtime", async () => {
    const { src, state } = await checkout();
    const first = await pieceHashes(state, src, PIECES, KEEP_ALL);
    expect(await pieceHashes(state, src, PIECES, KEEP_ALL)).toEqual({ hashes: first.hashes, hashed: [] });
    const [file, times] = [join(src, "vendor/p/lib.rs"), join(src, "times")];
    expect((await spawn(["touch", "-r", file, times])).code).toBe(0);
    const mtimeNs = () => lstatSync(file, { bigint: true }).mtimeNs;
    const old = mtimeNs();
    // Past a tick of the file system's clock (ctime's grain), as a later edit would be.
    await Bun.sleep(20);
    await writeFile(file, "fn b() {}\n");
    expect((await spawn(["touch", "-r", times, file])).code).toBe(0);
    expect(mtimeNs()).toBe(old);
    const after = await pieceHashes(state, src, PIECES, KEEP_ALL);
    expect(after.hashed).toEqual(["vendor/p"]);
    expect(after.hashes["vendor/p"]).not.toBe(first.hashes["vendor/p"]);
    expect(after.hashes["Cargo.lock"]).toBe(first.hashes["Cargo.lock"]);
    // A file added to a folder piece.
    await writeFile(join(src, "vendor/p/new.rs"), "");
    expect((await pieceHashes(state, src, PIECES, KEEP_ALL)).hashed).toEqual(["vendor/p"]);
  });

  test("of a piece changed within the last two seconds are not kept (a second change in the clock's tick could hide)", async () => {
    const { src, state } = await checkout();
    expect((await pieceHashes(state, src, PIECES)).hashed).toEqual(PIECES);
    expect((await pieceHashes(state, src, PIECES)).hashed).toEqual(PIECES);
  });

  test("none for a piece that is a link or is missing (Nix reads those as it would); a broken kept file is read as none", async () => {
    const { src, state } = await checkout();
    await symlink("p", join(src, "vendor/linked"));
    const r = await pieceHashes(state, src, [...PIECES, "vendor/linked", "vendor/missing"], KEEP_ALL);
    expect(Object.keys(r.hashes).sort()).toEqual(["Cargo.lock", "vendor/p"]);
    await writeFile(hashesFile(state, src), "{ not json");
    expect((await pieceHashes(state, src, PIECES, KEEP_ALL)).hashed).toEqual(PIECES);
  });
});
