// lib/steps/stage0.ts and lib/capture/stage0.ts: a depth-rustc tree that makes the checkout's stage0
// itself, on the real records of Rust 1.85's outer shell (its three stage0 downloads and unpacks)
// and the real stage0 lists of 1.63 (src/stage0.json) and 1.85 (src/stage0), whole.
import { describe, expect, test } from "bun:test";
import { readStage0 } from "../../lib/capture/stage0.ts";
import { symbolizerOf } from "../../lib/capture/symbolizer.ts";
import { mergeUnpacks, stage0Records } from "../../lib/steps/stage0.ts";
import { buildSteps } from "../../lib/steps/steps.ts";
import { symbolicRecord } from "../../lib/steps/symbolic-records.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureCapture, fixtureRecords, fixtureText } from "./fixtures.ts";

const cap = await fixtureCapture("shell-1.85.capture.json");
const sym = symbolizerOf(cap);
const outer = (await fixtureRecords("shell-1.85.records.jsonl")).map((r) => symbolicRecord(r, sym));
const stage0Rustc = "@build@/x86_64-unknown-linux-gnu/stage0/bin/rustc";
const line = (s: { id: string; kind: string; label: string; deps: string[] }) => `${s.id} ${s.kind} ${s.label} <- ${s.deps.join(" ")}`;

describe("stage0Records", () => {
  test("the downloads and unpacks of the folder the calls run their compiler from, in order", () => {
    expect(stage0Records(outer, [stage0Rustc, "@build@/x86_64-unknown-linux-gnu/stage1/bin/rustc"]).map((r) => r.type)).toEqual([
      "rust_compiler_invocation",
      "rust_compiler_invocation",
      "rust_compiler_invocation",
      "unpack",
      "unpack",
      "unpack",
    ]);
  });
  test.each([
    ["a pinned compiler", ["@rustc@"]],
    ["a stage the tree builds", ["@build@/x86_64-unknown-linux-gnu/stage1/bin/rustc"]],
    ["nothing (no call)", []],
  ])("none where the calls run %s", (_, compilers) => expect(stage0Records(outer, compilers)).toEqual([]));
});

describe("mergeUnpacks", () => {
  const records = stage0Records(outer, [stage0Rustc]);
  // The cargo build of bootstrap runs stage0's cargo: it depended on all three unpacks.
  const cargoBuild = outer.find((r) => r.type === "rust_compiler_invocation" && r.command.endsWith("/stage0/bin/cargo"))!;
  const steps = buildSteps([...records, cargoBuild], cap.stage0Checksums);

  test("three tarballs into stage0 become one step after their downloads, which a step using stage0 depends on", () => {
    const merged = mergeUnpacks(steps);
    expect(merged.map(line)).toEqual([
      "step001 download download rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- ",
      "step002 download download rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- ",
      "step003 download download cargo-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- ",
      "step004 unpack unpack stage0 (3 tarballs) <- step001 step002 step003",
      "step005 cargo cargo build bootstrap <- step004",
    ]);
    expect(merged[3]!.args).toEqual(steps.slice(3, 6).flatMap((s) => s.args));
    expect(merged.map((s) => s.prime)).toEqual([2, 3, 5, 7, 11]);
    expect(merged[4]!.composite).toBe(String(11 * 7));
  });

  test("steps without two unpacks into one folder stay as they are", () => {
    const one = [...steps.slice(0, 4)];
    expect(mergeUnpacks(one)).toBe(one);
  });
});

describe("the stage0 list of a checkout", () => {
  /** A checkout holding only its stage0 list, as the real tree has it. */
  const checkoutWith = async (rel: string, fixture: string) => {
    const root = await mkdtemp(join(tmpdir(), "nixify-stage0-"));
    await Bun.write(join(root, rel), await fixtureText(fixture));
    return root;
  };
  test.each([
    ["1.63", "src/stage0.json", "stage0-1.63.json", { version: "1.62.0", date: "2022-06-30" }, 282],
    ["1.85", "src/stage0", "stage0-1.85", { version: "1.84.0", date: "2025-01-09" }, 348],
  ] as const)("%s (%s): the compiler it names, and its checksums", async (_, rel, fixture, compiler, count) => {
    const root = await checkoutWith(rel, fixture);
    const { compiler: named, checksums: sums } = await readStage0(root);
    expect(named).toEqual(compiler);
    expect(sums.size).toBe(count);
    expect(sums.get(`dist/${compiler.date}/rustc-${compiler.version}-x86_64-unknown-linux-gnu.tar.xz`)).toMatch(/^[0-9a-f]{64}$/);
    await rm(root, { recursive: true });
  });
  test("a folder without one names none", async () => {
    expect(await readStage0(import.meta.dir)).toEqual({ checksums: new Map() });
  });
});
