import { defineCommand } from "citty";
import { NixifyError } from "../errors.ts";
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from "../steps/graph.ts";
import { loadManifest } from "../write/tree.ts";
import { outputArgs, runReporting } from "./shared.ts";

export default defineCommand({
  meta: { name: "graph", description: "Print the step graph of a generated tree as Mermaid or Graphviz DOT" },
  args: {
    tree: { type: "positional", required: false, default: "./bootstrap", valueHint: "TREE", description: "The tree gen wrote" },
    format: { type: "enum", options: [...GRAPH_FORMATS], default: "mermaid", description: "mermaid (for Markdown) or dot (for Graphviz: | dot -Tsvg)" },
    reduce: { type: "boolean", description: "Leave out edges implied by others (transitive reduction), for readable pictures of large graphs" },
    verbose: outputArgs.verbose,
    quiet: outputArgs.quiet,
  },
  async run({ args }) {
    await runReporting(args, async () => {
      const format = args.format as GraphFormat;
      if (!GRAPH_FORMATS.includes(format)) throw new NixifyError("badInput", `unknown --format ${args.format}`, "use mermaid or dot");
      const { manifest } = await loadManifest(args.tree ?? "./bootstrap");
      process.stdout.write(renderGraph(manifest, format, { reduce: Boolean(args.reduce) }));
    });
  },
});
