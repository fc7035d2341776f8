// What of the checkout an observed step reads, as pieces: the package folders (nearest Cargo.toml
// above) of every source file it names or rustc's dep-info lists. A step's Nix source is made of
// only these, so a change elsewhere in the checkout (or the generated tree, a build dir, a
// `result` link inside it) leaves the step's derivation as it was.
import { dirname } from "node:path";
import type { CheckoutPaths } from "../capture/sources.ts";
import { checkoutPaths } from "../placeholders.ts";
import type { ObservedRecord } from "../schema.ts";

/**
 * The bootstrap shim's variables that it turns into rustc's --remap-path-prefix: the vendored
 * crates' folder (RUSTC_CARGO_REGISTRY_SRC_TO_REMAP, since about 1.80) and the debuginfo map.
 */
const REMAP_VARS = new Set(["RUSTC_CARGO_REGISTRY_SRC_TO_REMAP", "RUSTC_DEBUGINFO_MAP"]);
const REMAP_FLAG = "--remap-path-prefix";

/**
 * A call's texts that may name what it reads, and those that name path prefixes to rewrite in its
 * output (rustc's remappings, FROM=TO), which name nothing it reads: read as a source, the
 * vendored crates' folder made every 1.95 step read all of vendor/ (34,597 entries linked per step).
 */
export function namedTexts(call: Pick<ObservedRecord, "cwd" | "args" | "env">): { reads: string[]; remaps: string[] } {
  const reads = [call.cwd];
  const remaps: string[] = [];
  call.args.forEach((arg, i) => {
    if (call.args[i - 1] === REMAP_FLAG) remaps.push(arg);
    else if (arg.startsWith(`${REMAP_FLAG}=`)) remaps.push(arg.slice(REMAP_FLAG.length + 1));
    else reads.push(arg);
  });
  for (const [name, value] of Object.entries(call.env)) (REMAP_VARS.has(name) ? remaps : reads).push(value);
  return { reads, remaps };
}

/** Checkout-relative paths a record names as what it may read: its inputs, cwd, arguments and environment values, but no remapped prefix. */
export function sourcePaths(record: Pick<ObservedRecord, "cwd" | "args" | "env" | "inputs">): string[] {
  return checkoutPaths([...namedTexts(record).reads, ...record.inputs]);
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
export function checkoutPieces(checkout: CheckoutPaths): (record: Pick<ObservedRecord, "cwd" | "args" | "env" | "inputs">) => string[] {
  return (record) =>
    piecesOf(
      sourcePaths(record),
      (rel) => checkout.packages.has(rel),
      (rel) => checkout.paths.has(rel),
    );
}
