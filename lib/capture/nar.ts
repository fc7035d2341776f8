// The Nix archive (NAR) hash of a folder, as `nix-hash --type sha256 --sri` prints it: what a
// recursive fixed-output derivation names, so a tree can pin a toolchain folder without Nix at gen.
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";

/** Appends NAR's framing of one string: its length (u64, little-endian), bytes, zero padding to 8. */
function framed(hasher: Bun.CryptoHasher, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(bytes.length), true);
  hasher.update(length);
  hasher.update(bytes);
  if (bytes.length % 8 !== 0) hasher.update(new Uint8Array(8 - (bytes.length % 8)));
}

async function node(hasher: Bun.CryptoHasher, path: string): Promise<void> {
  const st = await lstat(path);
  framed(hasher, "(");
  framed(hasher, "type");
  if (st.isSymbolicLink()) {
    framed(hasher, "symlink");
    framed(hasher, "target");
    framed(hasher, await readlink(path));
  } else if (st.isDirectory()) {
    framed(hasher, "directory");
    // NAR orders entries by their names' bytes.
    const names = (await readdir(path)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      framed(hasher, "entry");
      framed(hasher, "(");
      framed(hasher, "name");
      framed(hasher, name);
      framed(hasher, "node");
      await node(hasher, join(path, name));
      framed(hasher, ")");
    }
  } else {
    framed(hasher, "regular");
    if (st.mode & 0o100) {
      framed(hasher, "executable");
      framed(hasher, "");
    }
    framed(hasher, "contents");
    framed(hasher, await Bun.file(path).bytes());
  }
  framed(hasher, ")");
}

/** `sha256-<base64>` of the NAR serialisation of `path`. */
export async function narHash(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  framed(hasher, "nix-archive-1");
  await node(hasher, path);
  return `sha256-${hasher.digest("base64")}`;
}
