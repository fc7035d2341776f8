// Depth rustc's observed calls (already symbolic) in a deterministic order: the bootstrap runs
// them in parallel, so the order they finished in says nothing; the bootstrap crate's own
// compilation is left out.
import { NixifyError } from "../errors.ts";
import type { ObservedRecord } from "../schema.ts";
import { valueAfter, writersOf } from "./steps.ts";

/** The crate a call compiles, or the build script it runs. */
export function observedName(r: ObservedRecord): string {
  if (r.tool === "build-script") return r.command.split("/").at(-1)!;
  if (r.tool === "handover") return "~handover";
  return valueAfter(r.args, ["--crate-name"]) ?? "rustc";
}

/**
 * The observed calls of the build (already symbolic) in a dependency order that does not depend on
 * which parallel call finished first: a call comes after the writers of what it reads and after
 * the hand-overs it reads (`reads`), and among ready calls the one with the smallest
 * (name, first output) goes first.
 */
export function orderObserved(records: ObservedRecord[], reads = new Map<ObservedRecord, ObservedRecord[]>()): ObservedRecord[] {
  // The bootstrap crate (built by bootstrap.py before the build proper) is not part of the graph.
  const kept = records.filter((r) => !r.outputs.some((o) => o.startsWith("@build@/bootstrap/")));
  const index = new Map(kept.map((r, i) => [r, i]));
  const writers = new Map<string, number[]>();
  kept.forEach((r, i) => r.tool !== "handover" && r.outputs.forEach((o) => writers.set(o, [i])));
  const deps = kept.map((r, i) => {
    const found = writersOf(r, writers);
    for (const h of reads.get(r) ?? []) found.add(index.get(h)!);
    found.delete(i);
    return found;
  });
  const key = (r: ObservedRecord) => `${observedName(r)}\0${r.outputs[0] ?? ""}`;
  const done = new Set<number>();
  const ordered: ObservedRecord[] = [];
  while (ordered.length < kept.length) {
    const ready = kept
      .map((r, i) => ({ r, i }))
      .filter(({ i }) => !done.has(i) && [...deps[i]!].every((j) => done.has(j)))
      .sort((a, b) => (key(a.r) < key(b.r) ? -1 : key(a.r) > key(b.r) ? 1 : 0));
    if (ready.length === 0) throw new NixifyError("invalidRecord", "the observed calls read each other's outputs in a cycle");
    done.add(ready[0]!.i);
    ordered.push(ready[0]!.r);
  }
  return ordered;
}
