// The step graph of a tree as Mermaid or Graphviz DOT: one node per step (id, emoji and label,
// which starts with the kind), one edge per dependency.
import { printable } from "../log.ts";
import type { Manifest, Step } from "../schema.ts";

export const GRAPH_FORMATS = ["mermaid", "dot"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

function caption(s: Step): string {
  return `${s.id} ${s.emoji} ${s.label}`;
}

// Mermaid reads `"` inside a quoted label as its end; its entity form is #quot;. Escape sequences
// and control characters of a recorded argument go (printable), line breaks become spaces.
function mermaidText(text: string): string {
  return printable(text).replace(/"/g, "#quot;");
}

function dotText(text: string): string {
  return printable(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/**
 * The edges that are not implied by others (transitive reduction): a dependency is dropped when
 * another dependency of the same step already depends on it, directly or not. Steps list their
 * dependencies before themselves (loadManifest refuses a manifest where they do not), so one pass
 * in order knows every step's ancestors. Each step's ancestors are a bitset over the steps before
 * it (bit i: the step at position i), so a chain of 10,000 steps needs 6 MB, not gigabytes of sets.
 */
export function reducedDeps(steps: Step[]): Map<string, string[]> {
  const position = new Map(steps.map((s, i) => [s.id, i]));
  const ancestors: Uint32Array[] = [];
  const reduced = new Map<string, string[]>();
  steps.forEach((s, i) => {
    const below = new Uint32Array((i >>> 5) + 1);
    const deps: number[] = [];
    for (const id of s.deps) {
      const d = position.get(id);
      if (d !== undefined && d < i) deps.push(d);
    }
    for (const d of deps) {
      const set = ancestors[d]!;
      for (let w = 0; w < set.length; w++) below[w]! |= set[w]!;
    }
    const implied = (id: string) => {
      const d = position.get(id);
      return d !== undefined && d < i && (below[d >>> 5]! & (1 << (d & 31))) !== 0;
    };
    reduced.set(
      s.id,
      s.deps.filter((id) => !implied(id)),
    );
    for (const d of deps) below[d >>> 5]! |= 1 << (d & 31);
    ancestors.push(below);
  });
  return reduced;
}

/** The longest chain a tree may hold: Nix evaluates dependencies recursively (lib/gen.ts). */
export const MAX_CHAIN = 5000;

/** The longest chain of steps, each depending on the one before: how many, the first and the last. */
export function longestChain(steps: Step[]): { length: number; first: string; last: string } {
  const chains = new Map<string, { length: number; first: string }>();
  let longest = { length: 0, first: "", last: "" };
  for (const s of steps) {
    let chain = { length: 1, first: s.id };
    for (const d of s.deps) {
      const below = chains.get(d);
      if (below && below.length + 1 > chain.length) chain = { length: below.length + 1, first: below.first };
    }
    chains.set(s.id, chain);
    if (chain.length > longest.length) longest = { ...chain, last: s.id };
  }
  return longest;
}

export function renderGraph(manifest: Manifest, format: GraphFormat, opts: { reduce?: boolean } = {}): string {
  const reduced = opts.reduce ? reducedDeps(manifest.steps) : undefined;
  const depsOf = (s: Step) => reduced?.get(s.id) ?? s.deps;
  const lines: string[] = [];
  if (format === "mermaid") {
    lines.push("flowchart TD");
    for (const s of manifest.steps) lines.push(`  ${s.id}["${mermaidText(caption(s))}"]`);
    for (const s of manifest.steps) for (const d of depsOf(s)) lines.push(`  ${d} --> ${s.id}`);
  } else {
    lines.push("digraph steps {", "  rankdir=TB;", '  node [shape=box, fontname="sans-serif"];');
    for (const s of manifest.steps) lines.push(`  ${s.id} [label="${dotText(caption(s))}"];`);
    for (const s of manifest.steps) for (const d of depsOf(s)) lines.push(`  ${d} -> ${s.id};`);
    lines.push("}");
  }
  return `${lines.join("\n")}\n`;
}
