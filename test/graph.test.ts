// graph: the sample tree's steps as Mermaid and DOT, as the goldens of test/unit/graph.test.ts.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ExitCode } from "../lib/errors.ts";
import { cli, tempDir } from "./helpers.ts";
import { fixtureText } from "./unit/fixtures.ts";

test("graph prints the sample's steps and edges as Mermaid and as DOT", async () => {
  const dir = await tempDir();
  expect((await cli(["gen", "--out", "t"], { cwd: dir })).code).toBe(0);
  const mermaid = await cli(["graph", join(dir, "t")]);
  expect(mermaid.code).toBe(0);
  expect(mermaid.stdout).toBe(await fixtureText("sample.graph.mmd"));
  const dot = await cli(["graph", join(dir, "t"), "--format", "dot"]);
  expect(dot.stdout).toBe(await fixtureText("sample.graph.dot"));
  const bad = await cli(["graph", dir]);
  expect(bad.code).toBe(ExitCode.notATree);
});
