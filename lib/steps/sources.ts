// What of the checkout an observed step reads, as pieces: the package folders (nearest Cargo.toml
// above) of every source file it names or rustc's dep-info lists. A step's Nix source is made of
// only these, so a change elsewhere in the checkout (or the generated tree, a build dir, a
// `result` link inside it) leaves the step's derivation as it was.
import { dirname } from "node:path";
import type { CheckoutPaths } from "../capture/sources.ts";
import { checkoutPaths } from "../placeholders.ts";
import type { ObservedRecord } from "../schema.ts";

/** Checkout-relative paths a record names: its inputs, cwd, arguments and environment values. */
export function sourcePaths(record: ObservedRecord): string[] {
  return checkoutPaths([record.cwd, ...record.inputs, ...record.args, ...Object.values(record.env)]);
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

/** piecesOf against what the capture found of the checkout. */
export function checkoutPieces(checkout: CheckoutPaths): (record: ObservedRecord) => string[] {
  return (record) => piecesOf(sourcePaths(record), (rel) => checkout.packages.has(rel), (rel) => checkout.paths.has(rel));
}
