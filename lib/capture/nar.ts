// The Nix archive (NAR) hash of a folder, as `nix-hash --type sha256 --sri` prints it: what a
// recursive fixed-output derivation names, so a tree can pin a toolchain folder without Nix at gen.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
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

function node(hasher: Bun.CryptoHasher, path: string): void {
  const st = lstatSync(path);
  framed(hasher, "(");
  framed(hasher, "type");
  if (st.isSymbolicLink()) {
    framed(hasher, "symlink");
    framed(hasher, "target");
    framed(hasher, readlinkSync(path));
  } else if (st.isDirectory()) {
    framed(hasher, "directory");
    // NAR orders entries by their names' bytes.
    const names = readdirSync(path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      framed(hasher, "entry");
      framed(hasher, "(");
      framed(hasher, "name");
      framed(hasher, name);
      framed(hasher, "node");
      node(hasher, join(path, name));
      framed(hasher, ")");
    }
  } else {
    framed(hasher, "regular");
    if (st.mode & 0o100) {
      framed(hasher, "executable");
      framed(hasher, "");
    }
    framed(hasher, "contents");
    framed(hasher, readFileSync(path));
  }
  framed(hasher, ")");
}

/** `sha256-<base64>` of the NAR serialisation of `path`. Synchronous: a file system's calls one by one cost a fifth of awaiting each. */
export function narHash(path: string): string {
  const hasher = new Bun.CryptoHasher("sha256");
  framed(hasher, "nix-archive-1");
  node(hasher, path);
  return `sha256-${hasher.digest("base64")}`;
}
