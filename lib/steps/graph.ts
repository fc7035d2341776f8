// The step graph of a tree as Mermaid or Graphviz DOT: one node per step (id, emoji and label,
// which starts with the kind), one edge per dependency.
import type { Manifest, Step } from "../schema.ts";

export const GRAPH_FORMATS = ["mermaid", "dot"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

function caption(s: Step): string {
  return `${s.id} ${s.emoji} ${s.label}`;
}

// Mermaid reads `"` inside a quoted label as its end; its entity form is #quot;.
function mermaidText(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[\r\n]+/g, " ");
}

function dotText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/[\r\n]+/g, " ");
}

/**
 * The edges that are not implied by others (transitive reduction): a dependency is dropped when
 * another dependency of the same step already depends on it, directly or not. Steps list their
 * dependencies before themselves (loadManifest refuses a manifest where they do not), so one pass
 * in order knows every step's ancestors.
 */
export function reducedDeps(steps: Step[]): Map<string, string[]> {
  const ancestors = new Map<string, Set<string>>();
  const reduced = new Map<string, string[]>();
  for (const s of steps) {
    const below = new Set<string>();
    for (const d of s.deps) for (const a of ancestors.get(d) ?? []) below.add(a);
    reduced.set(s.id, s.deps.filter((d) => !below.has(d)));
    ancestors.set(s.id, new Set([...below, ...s.deps]));
  }
  return reduced;
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
