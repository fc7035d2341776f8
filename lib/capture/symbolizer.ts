// A capture's absolute paths as the steps name them: the placeholders Nix fills in, so the same
// checkout gives the same tree from any temp folder and any machine.
import { join } from "node:path";
import { makeSymbolizer } from "../placeholders.ts";
import type { Capture } from "./types.ts";

/** Absolute paths of a capture -> placeholders. A dry run plans in build/tmp-dry-run. */
export function symbolizerOf(cap: Pick<Capture, "paths" | "machinePaths">): (text: string) => string {
  const p = cap.paths;
  return makeSymbolizer([
    [p.overlay, "@src@"],
    [p.root, "@src@"],
    [p.rootReal, "@src@"],
    [join(p.build, "tmp-dry-run"), "@build@"],
    [join(p.buildReal, "tmp-dry-run"), "@build@"],
    [p.build, "@build@"],
    [p.buildReal, "@build@"],
    [p.work, "@work@"],
    [p.home, "@home@"],
    [p.tmp, "@tmp@"],
    ...cap.machinePaths,
  ]);
}
