// What of the checkout an observed step reads, as pieces: the package folders (nearest Cargo.toml
// above) of every source file it names or rustc's dep-info lists. A step's Nix source is made of
// only these, so a change elsewhere in the checkout (or the generated tree, a build dir, a
// `result` link inside it) leaves the step's derivation as it was.
import { existsSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import type { ObservedRecord } from "../schema.ts";

const SRC = "@src@/";

/** Checkout-relative paths a record names: its inputs, cwd, arguments and environment values. */
export function sourcePaths(record: ObservedRecord): string[] {
  const texts = [record.cwd, ...record.inputs, ...record.args, ...Object.values(record.env)];
  const found = new Set<string>();
  for (const text of texts) {
    for (const piece of text.split(/[=:,\s]/)) {
      if (piece.startsWith(SRC)) found.add(normalize(piece.slice(SRC.length)).replace(/\/+$/, ""));
    }
  }
  // Only what lies inside the checkout.
  return [...found].filter((p) => p !== "." && p !== ".." && !p.startsWith("../")).sort();
}

/**
 * The pieces of a checkout that hold `paths`: for each, the nearest folder above it (or itself)
 * that `isPackage` says is a package, else the path itself. Pieces inside other pieces are dropped.
 */
export function piecesOf(paths: string[], isPackage: (rel: string) => boolean, exists: (rel: string) => boolean): string[] {
  const pieces = new Set<string>();
  for (const path of paths) {
    if (!exists(path)) continue;
    let piece = path;
    for (let dir = path; dir !== "." && dir !== ""; dir = dirname(dir)) {
      if (isPackage(dir)) {
        piece = dir;
        break;
      }
    }
    pieces.add(piece);
  }
  const sorted = [...pieces].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/** piecesOf against a real checkout, with the folder lookups cached across records. */
export function checkoutPieces(root: string): (record: ObservedRecord) => string[] {
  const cache = new Map<string, boolean>();
  const cached = (key: string, test: () => boolean) => {
    let hit = cache.get(key);
    if (hit === undefined) cache.set(key, (hit = test()));
    return hit;
  };
  const isPackage = (rel: string) => cached(`p:${rel}`, () => existsSync(join(root, rel, "Cargo.toml")));
  const exists = (rel: string) => cached(`e:${rel}`, () => existsSync(join(root, rel)));
  return (record) => piecesOf(sourcePaths(record), isPackage, exists);
}
