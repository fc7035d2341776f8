// Depth rustc with no build.rustc in the config: the bootstrap runs the stage0 of the checkout's
// stage0 list, which bootstrap.py downloads (or finds in its build cache) and unpacks into the
// build dir. The tree makes that compiler itself: the downloads bootstrap.py would make (recorded
// by the outer shell, fixed-output with the list's sha256) and their unpacking into the stage0
// folder. One unpack step per folder, not one per tarball: a step links the outputs of the steps
// below it, and a compiler finds its std and libraries beside where it really lies.
import { basename } from "node:path";
import type { Record, Step } from "../schema.ts";
import { isDownload, numbering, unpackArgs } from "./steps.ts";

/**
 * The outer shell's downloads and unpacks (symbolic) that make a folder the observed calls run a
 * compiler from (`compilers`, symbolic), in their order; none where every compiler lies elsewhere.
 */
export function stage0Records(outer: Record[], compilers: string[]): Record[] {
  const dests = new Set(outer.flatMap((r) => (r.type === "unpack" ? [r.dest] : [])));
  const used = [...dests].filter((dest) => compilers.some((c) => c.startsWith(`${dest}/`)));
  if (used.length === 0) return [];
  return outer.filter((r) => (r.type === "unpack" ? used.includes(r.dest) : isDownload(r)));
}

/**
 * Unpack steps into the same folder become one, at the place of the last of them: its args are
 * their (tarball, dest, match) triples in order, its dependencies all of theirs, and a step that
 * depended on any of them depends on it.
 */
export function mergeUnpacks(steps: Step[]): Step[] {
  const byDest = new Map<string, Step[]>();
  for (const s of steps) if (s.kind === "unpack") byDest.set(unpackArgs(s).dest, [...(byDest.get(unpackArgs(s).dest) ?? []), s]);
  const into = new Map<string, Step>(); // each merged unpack step's id -> the last one of its folder
  for (const parts of byDest.values()) if (parts.length > 1) for (const p of parts) into.set(p.id, parts.at(-1)!);
  if (into.size === 0) return steps;
  const kept = steps.filter((s) => !into.has(s.id) || into.get(s.id) === s);
  const index = new Map(kept.map((s, i) => [s.id, i]));
  const numbered = numbering(kept.length);
  return kept.map((step, i) => {
    const parts = into.get(step.id) === step ? byDest.get(unpackArgs(step).dest)! : [step];
    const deps = new Set(parts.flatMap((p) => p.deps).map((d) => index.get(into.get(d)?.id ?? d)!));
    deps.delete(i);
    if ([...deps].some((d) => d > i)) throw new Error(`${step.id} would depend on a later step once unpacks into one folder are merged`);
    const merged: Step =
      parts.length > 1 ? { ...step, args: parts.flatMap((p) => p.args), label: `unpack ${basename(unpackArgs(step).dest)} (${parts.length} tarballs)` } : step;
    return {
      ...merged,
      ...numbered(
        i,
        [...deps].sort((a, b) => a - b),
      ),
    };
  });
}
