// The NAR hash of each piece of the checkout the steps read, for the offline evaluation: given to
// builtins.path (builders.nix, mkPiece), they let Nix take a piece it already has by its hash
// without reading it (1.95's 317 pieces, 174 MB: the evaluation took 0.55 s against 1.5-2 s).
// A piece's hash is kept in --state beside its stat fingerprint (eval-cache.ts: each entry's path,
// mode, size, mtime, ctime and inode) and used while that is unchanged. A kept hash that is wrong
// would build the old source, so a piece changed within RACY_NS of its hashing is not kept: a
// second change in the same tick of the file system's clock could leave every time as it was.
import { join } from "node:path";
import * as v from "valibot";
import { narHash } from "../capture/nar.ts";
import { log } from "../log.ts";
import { keepWhole, pieceFingerprint } from "./eval-cache.ts";

/** Bumped when what a fingerprint covers, or how the hashes are kept, changes. */
const FORMAT = "nixify-piece-hashes 1";
const RACY_NS = 2_000_000_000n;

const KeptSchema = v.object({
  format: v.literal(FORMAT),
  pieces: v.record(v.string(), v.object({ fingerprint: v.string(), hash: v.string() })),
});
type Kept = v.InferOutput<typeof KeptSchema>["pieces"];

/** Where the hashes of one checkout's pieces are kept. */
export function hashesFile(stateDir: string, src: string): string {
  return join(stateDir, "piece-hashes", `${Bun.hash(src).toString(16)}.json`);
}

async function readKept(file: string): Promise<Kept> {
  try {
    const parsed = v.safeParse(KeptSchema, await Bun.file(file).json());
    return parsed.success ? parsed.output.pieces : {};
  } catch {
    return {};
  }
}

/**
 * Each piece's NAR hash (`sha256-...`), by checkout-relative path, and the pieces read to get it
 * (the others' fingerprints matched their kept hashes). A piece that cannot be read, or is a link,
 * gets none: Nix reads it as it would without.
 */
export async function pieceHashes(
  stateDir: string,
  src: string,
  pieces: string[],
  racyNs = RACY_NS,
): Promise<{ hashes: Record<string, string>; hashed: string[] }> {
  const file = hashesFile(stateDir, src);
  const kept = await readKept(file);
  const notRacy = BigInt(Date.now()) * 1_000_000n - racyNs;
  const [hashes, hashed, keep]: [Record<string, string>, string[], Kept] = [{}, [], {}];
  for (const rel of pieces) {
    const path = join(src, rel);
    try {
      const { fingerprint, newestChangeNs } = pieceFingerprint(path);
      let hash = kept[rel]?.fingerprint === fingerprint ? kept[rel].hash : undefined;
      if (hash === undefined) {
        hash = narHash(path);
        hashed.push(rel);
      }
      hashes[rel] = hash;
      if (newestChangeNs < notRacy) keep[rel] = { fingerprint, hash };
    } catch (e) {
      log.debug(`no hash for ${rel}: ${(e as Error).message}`);
    }
  }
  await keepWhole(file, JSON.stringify({ format: FORMAT, pieces: keep }));
  return { hashes, hashed };
}
