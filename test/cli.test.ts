// The command line: strict flags (an unknown one is an error with a suggestion, never a word for
// x.py) and help that fits an 80-column terminal, uncoloured when piped.
import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { checkFlags, suggest, UsageError, wrap } from "../lib/commands/cli.ts";
import { ExitCode } from "../lib/errors.ts";
import { cli, tempDir } from "./helpers.ts";

const ARGS = {
  tree: { type: "positional", required: false },
  depth: { type: "enum", options: ["shell", "cargo", "rustc"] },
  out: { type: "string", valueHint: "DIR" },
  offline: { type: "boolean" },
} as const satisfies ArgsDef;

describe("checkFlags", () => {
  const ok: string[][] = [
    [],
    ["--depth", "rustc"],
    ["--depth=cargo", "--offline"],
    ["--no-offline", "mytree"],
    ["--out", "x", "--", "--anything", "goes", "after"],
    ["--offline=false"],
  ];
  for (const tokens of ok) test(`accepts ${JSON.stringify(tokens)}`, () => expect(() => checkFlags(tokens, ARGS, "gen")).not.toThrow());

  const bad: Array<[string[], string]> = [
    [["--deph", "rustc"], "unknown option --deph for gen (did you mean --depth?)"],
    [["--ofline"], "unknown option --ofline for gen (did you mean --offline?)"],
    [["--zzzzzzzz"], "unknown option --zzzzzzzz for gen"],
    [["--depth", "foo"], "--depth must be one of shell, cargo, rustc, not foo"],
    [["--out"], "--out needs a value (DIR)"],
    [["--out", "--"], "--out needs a value (DIR)"],
    [["--offline=yes"], "--offline takes no value"],
  ];
  for (const [tokens, message] of bad) {
    test(`refuses ${JSON.stringify(tokens)}`, () => {
      expect(() => checkFlags(tokens, ARGS, "gen")).toThrow(new UsageError(message));
    });
  }
});

test.each([
  ["deph", ["depth", "out"], "depth"],
  ["gne", ["gen", "verify", "graph"], "gen"],
  ["xyz", ["gen", "verify", "graph"], undefined],
] as const)("suggest(%p) = %p", (word, known, expected) => expect(suggest(word, [...known])).toBe(expected));

test("wrap keeps every line within the width", () => {
  const lines = wrap("a ".repeat(100) + "abcdefghij ".repeat(20), 30);
  expect(lines.every((l) => l.length <= 30)).toBe(true);
  expect(lines.join(" ")).toBe(("a ".repeat(100) + "abcdefghij ".repeat(20)).trim());
});

describe("the CLI", () => {
  test("an unknown flag before -- stops gen before x.py runs: one line, a suggestion, the usage exit code", async () => {
    const dir = await tempDir();
    const r = await cli(["gen", "--deph", "rustc"], { cwd: dir });
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain("unknown option --deph for gen (did you mean --depth?)");
    expect(r.stderr).not.toContain("    at ");
    expect(await Array.fromAsync(new Bun.Glob("*").scan(dir))).toEqual([]);
  });

  test("verify --ofline is refused, not run online", async () => {
    const r = await cli(["verify", "--ofline"], { cwd: await tempDir() });
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain("did you mean --offline?");
  });

  test("an unknown command is refused with a suggestion", async () => {
    const r = await cli(["gne"]);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain("unknown command gne (did you mean gen?)");
  });

  for (const args of [["--help"], ["gen", "--help"], ["verify", "--help"], ["graph", "--help"]]) {
    test(`${args.join(" ")} fits 80 columns and has no colour when piped`, async () => {
      const r = await cli(args);
      expect(r.code).toBe(ExitCode.ok);
      expect(r.stdout).toContain("Usage:");
      expect(r.stdout).not.toContain("\x1b");
      expect(r.stdout.split("\n").filter((l) => l.length > 80)).toEqual([]);
    });
  }
});
