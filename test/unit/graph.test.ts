// lib/steps/graph.ts: transitive reduction of the step graph, and its Mermaid and DOT text.
import { describe, expect, test } from "bun:test";
import { reducedDeps, renderGraph } from "../../lib/steps/graph.ts";
import type { Manifest, Step } from "../../lib/schema.ts";
import { fixtureSteps, fixtureText } from "./fixtures.ts";

/** Steps with only what the graph reads: id, deps, emoji and label. */
function steps(deps: { [id: string]: string[] }): Step[] {
  return Object.entries(deps).map(([id, ds], i) => ({
    id,
    index: i + 1,
    kind: "rustc",
    emoji: "🦀",
    label: `rustc ${id}`,
    prime: 2,
    composite: "2",
    deps: ds,
    command: "rustc",
    args: [],
    env: {},
    cwd: "@work@",
    site: "",
  }));
}
const manifestOf = (ss: Step[]): Manifest => ({
  schema: 1,
  generator: "nixify-rust",
  version: "0",
  system: "x86_64-linux",
  mode: "all",
  xpyArgs: [],
  source: { sample: true, channel: "stable", channelSupplied: false },
  placeholders: {},
  steps: ss,
});

describe("reducedDeps", () => {
  test.each([
    ["no edges", { a: [], b: [] }, { a: [], b: [] }],
    ["a chain keeps its edges", { a: [], b: ["a"], c: ["b"] }, { a: [], b: ["a"], c: ["b"] }],
    ["an edge implied by a chain goes", { a: [], b: ["a"], c: ["a", "b"] }, { a: [], b: ["a"], c: ["b"] }],
    ["a diamond keeps all four", { a: [], b: ["a"], c: ["a"], d: ["b", "c"] }, { a: [], b: ["a"], c: ["a"], d: ["b", "c"] }],
    ["implied from two levels down", { a: [], b: ["a"], c: ["b"], d: ["a", "c"] }, { a: [], b: ["a"], c: ["b"], d: ["c"] }],
    ["the order of a step's deps is kept", { a: [], b: [], c: ["b", "a"] }, { a: [], b: [], c: ["b", "a"] }],
  ])("%s", (_, deps, expected) => {
    expect(Object.fromEntries(reducedDeps(steps(deps)))).toEqual(expected);
  });

  test("the real 1.63 capture: quote reads unicode_ident, which proc_macro2 already reads", async () => {
    const real = (await fixtureSteps("compiler-1.63.steps.json")).map((s) => ({ ...s, deps: s.deps.filter((d) => /^step0(13|50|92|93)$/.test(d)) }));
    expect(Object.fromEntries(reducedDeps(real))).toMatchObject({ step093: ["step050", "step092"], step094: ["step093"] });
  });
});

describe("renderGraph", () => {
  // The goldens are what the README shows for the sample; test/graph.test.ts holds the CLI to them too.
  test.each([
    ["Mermaid", "mermaid", "sample.graph.mmd"],
    ["DOT", "dot", "sample.graph.dot"],
  ] as const)("the sample as %s", async (_, format, golden) => {
    const manifest = manifestOf(await fixtureSteps("sample.steps.json"));
    expect(renderGraph(manifest, format)).toBe(await fixtureText(golden));
  });

  test.each([
    ["mermaid", "a quote is Mermaid's entity", 'rustc "x"', '  a["a 🦀 rustc #quot;x#quot;"]'],
    ["mermaid", "a newline is a space", "rustc x\r\ny", '  a["a 🦀 rustc x y"]'],
    ["dot", "a quote is escaped", 'rustc "x"', '  a [label="a 🦀 rustc \\"x\\""];'],
    ["dot", "a backslash is escaped", "rustc C:\\x", '  a [label="a 🦀 rustc C:\\\\x"];'],
    ["dot", "a newline is a space", "rustc x\ny", '  a [label="a 🦀 rustc x y"];'],
    ["mermaid", "escape sequences and control characters go", "rustc \x1b]0;title\x07x\x1b[2J\x1b[H\x07\x9b31my", '  a["a 🦀 rustc xy"]'],
    ["dot", "escape sequences and control characters go", "rustc \x1b]0;title\x07x\x1b[2J\x1b[H\x07\x9b31my", '  a [label="a 🦀 rustc xy"];'],
  ] as const)("%s: %s", (format, _, label, line) => {
    const [a] = steps({ a: [] });
    expect(renderGraph(manifestOf([{ ...a!, label }]), format).split("\n")).toContain(line);
  });

  test.each([
    ["mermaid", ["  a --> b", "  b --> c"]],
    ["dot", ["  a -> b;", "  b -> c;"]],
  ] as const)("--reduce leaves out implied edges (%s)", (format, edges) => {
    const m = manifestOf(steps({ a: [], b: ["a"], c: ["a", "b"] }));
    const edgesOf = (text: string) => text.split("\n").filter((l) => l.includes("->"));
    expect(edgesOf(renderGraph(m, format, { reduce: true }))).toEqual([...edges]);
    expect(edgesOf(renderGraph(m, format))).toHaveLength(3);
  });
});
