// graph: the sample tree's steps as Mermaid and DOT.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { cli, tempDir } from "./helpers.ts";

test("graph prints the sample's steps and edges as Mermaid and as DOT", async () => {
  const dir = await tempDir();
  expect((await cli(["gen", "--out", "t"], { cwd: dir })).code).toBe(0);
  const mermaid = await cli(["graph", join(dir, "t")]);
  expect(mermaid.code).toBe(0);
  expect(mermaid.stdout).toBe(
    [
      "flowchart TD",
      '  step001["step001 🦀 rustc greeting"]',
      '  step002["step002 🦀 rustc hello"]',
      '  step003["step003 🦀 rustc tool"]',
      '  step004["step004 🥾 bootstrap hello"]',
      "  step001 --> step002",
      "  step002 --> step004",
      "",
    ].join("\n"),
  );
  const dot = await cli(["graph", join(dir, "t"), "--format", "dot"]);
  expect(dot.stdout).toStartWith("digraph steps {\n");
  expect(dot.stdout).toContain('  step004 [label="step004 🥾 bootstrap hello"];\n');
  expect(dot.stdout).toContain("  step002 -> step004;\n");
  expect(dot.stdout.trimEnd()).toEndWith("}");
  const bad = await cli(["graph", dir]);
  expect(bad.code).toBe(13);
});
