// Reading what the recorder wrote (lib/capture/capture.ts's readRecords) and a checkout's stage0 checksums
// (lib/capture/stage0.ts): real records and real stage0 lines, then each way a line can be wrong.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readRecords } from "../../lib/capture/records.ts";
import { checksumFor, readStage0Checksums } from "../../lib/capture/stage0.ts";
import { tempDir } from "../helpers.ts";
import { fixtureCapture, fixtureRecords, fixtureText, thrown } from "./fixtures.ts";

const lines = (await fixtureText("sample.records.jsonl")).trimEnd().split("\n");

describe("readRecords", () => {
  test.each([
    [
      "the sample's",
      "sample.records.jsonl",
      ["rust_compiler_invocation:rustc", "rust_compiler_invocation:rustc", "rust_compiler_invocation:rustc", "rust_compiler_invocation:hello"],
    ],
    [
      "Rust 1.85's outer shell",
      "shell-1.85.records.jsonl",
      [
        "rust_compiler_invocation:curl",
        "rust_compiler_invocation:curl",
        "rust_compiler_invocation:curl",
        "unpack:",
        "unpack:",
        "unpack:",
        "rust_compiler_invocation:cargo",
        "rust_compiler_invocation:bootstrap",
      ],
    ],
  ])("%s real records are valid", async (_, file, shapes) => {
    const records = await fixtureRecords(file);
    expect(records.map((r) => `${r.type}:${r.type === "unpack" ? "" : r.command.split("/").at(-1)}`)).toEqual(shapes);
  });

  test("a file that is not there holds no records", async () => {
    expect(await readRecords(join(await tempDir(), "none.jsonl"))).toEqual([]);
  });

  const second = JSON.parse(lines[1]!) as { [k: string]: unknown };
  test.each([
    ["a line that is not JSON", `${lines[1]!.slice(0, 40)}\n`, "2: not JSON ("],
    ["an argument with a NUL", JSON.stringify({ ...second, args: ["a\0b"] }), '2: args[0] holds a NUL character ("a\\x00b")'],
    [
      "an argument with bytes that are not UTF-8 (Python's surrogate escape)",
      JSON.stringify({ ...second, args: ["caf\udce9"] }),
      '2: args[0] is not UTF-8 text ("caf\\xe9")',
    ],
    ["a variable name that is not UTF-8", JSON.stringify({ ...second, env: { "X\udcff": "1" } }), '2: a name in env is not UTF-8 text ("X\\xff")'],
    ["an unknown record type", JSON.stringify({ ...second, type: "other" }), "2: type: Invalid type: Expected"],
    ["a missing field", JSON.stringify({ ...second, cwd: undefined }), "2: cwd: Invalid key: Expected"],
    ["an unknown field (records are strict)", JSON.stringify({ ...second, extra: 1 }), "2: extra: Invalid key: Expected never"],
    ["a sequence number of 0", JSON.stringify({ ...second, seq: 0 }), "2: seq: Invalid value: Expected >=1"],
  ])("%s is an invalid record, at its line", async (_, bad, message) => {
    const file = join(await tempDir(), "records.jsonl");
    await Bun.write(file, [lines[0], bad, lines[2]].join("\n"));
    const t = await thrown(() => readRecords(file));
    expect(t.code).toBe("invalidRecord");
    expect(t.message).toStartWith(`${file}:${message}`);
  });

  test("blank lines are skipped, and line numbers still count them", async () => {
    const file = join(await tempDir(), "records.jsonl");
    await Bun.write(file, `\n${lines[0]}\n\n{\n`);
    expect((await thrown(() => readRecords(file))).message).toStartWith(`${file}:4: not JSON`);
  });
});

const { stage0 } = await fixtureCapture("shell-1.85.capture.json");

describe("stage0 checksums", () => {
  const checkout = async (files: { [rel: string]: string }) => {
    const root = await tempDir();
    for (const [rel, text] of Object.entries(files)) await Bun.write(join(root, rel), text);
    return root;
  };

  test("1.85's src/stage0 (key=value), its comments and other keys left out", async () => {
    const root = await checkout({ "src/stage0": `dist_server=https://static.rust-lang.org\n# a comment\n${stage0.join("\n")}\ncompiler_version=1.84.0\n` });
    expect(Object.fromEntries(await readStage0Checksums(root))).toEqual(Object.fromEntries(stage0.map((l) => l.split("="))));
  });

  test("1.63's src/stage0.json", async () => {
    const [key, sum] = stage0[0]!.split("=") as [string, string];
    const root = await checkout({
      "src/stage0.json": JSON.stringify({ compiler: { date: "2022-06-30", version: "1.62.0" }, checksums_sha256: { [key]: sum } }),
    });
    expect([...(await readStage0Checksums(root))]).toEqual([[key, sum]]);
  });

  test.each([
    ["no stage0 list", {}],
    ["the sample's empty list", { "src/stage0.json": '{"checksums_sha256": {}}' }],
  ])("%s: no checksums", async (_, files) => expect((await readStage0Checksums(await checkout(files))).size).toBe(0));

  test.each([
    ["not JSON", "{"],
    ["no checksums_sha256", '{"compiler": {"date": "2022-06-30", "version": "1.62.0"}}'],
    ["a checksum that is not a string", '{"checksums_sha256": {"dist/x.tar.xz": 1}}'],
  ])("a stage0.json that is %s is bad input", async (_, text) => {
    const root = await checkout({ "src/stage0.json": text });
    const t = await thrown(() => readStage0Checksums(root));
    expect(t.code).toBe("badInput");
    expect(t.message).toStartWith(`${join(root, "src/stage0.json")}: not a stage0 list`);
  });

  test.each([
    [
      "a URL ending in a listed key",
      "https://static.rust-lang.org/dist/2025-01-09/rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz",
      "a1737d86f80b31a6d48a6726726275dc068ecb930c9635b13aa59999486de837",
    ],
    ["a URL of another file", "https://static.rust-lang.org/dist/2025-01-09/rustc-1.84.0-aarch64-apple-darwin.tar.xz", undefined],
    ["a key must start a path segment", "https://example.com/xdist/2025-01-09/rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz", undefined],
  ])("checksumFor: %s", (_, url, sum) => {
    expect(checksumFor(url, new Map(stage0.map((l) => l.split("=") as [string, string])))).toBe(sum);
  });
});

test("the Python recorders stamp the schema they are given, and name none of their own", async () => {
  for (const name of ["recorder.py", "rustc-recorder.py"]) {
    const py = await Bun.file(join(import.meta.dir, "../../lib/capture", name)).text();
    expect(py).toContain("NIXIFY_RECORD_SCHEMA");
    expect(py).not.toMatch(/\["schema"\]\s*=\s*\d/);
  }
});
