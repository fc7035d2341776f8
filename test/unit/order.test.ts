// lib/steps/order.ts: the names and the deterministic order of observed calls (real calls of Rust
// 1.63's compiler build).
import { describe, expect, test } from "bun:test";
import type { ObservedRecord } from "../../lib/schema.ts";
import { observedName, orderObserved } from "../../lib/steps/order.ts";
import { fixtureSteps, observedOf, thrown } from "./fixtures.ts";

const steps = await fixtureSteps("compiler-1.63.steps.json");
const real = steps.map(observedOf);
const [buildRs, buildScript, unicodeIdent, procMacro2, quote, handover, core] = real as [
  ObservedRecord,
  ObservedRecord,
  ObservedRecord,
  ObservedRecord,
  ObservedRecord,
  ObservedRecord,
  ObservedRecord,
];

describe("observedName", () => {
  test.each([
    ["a compiler call: its --crate-name", unicodeIdent, "unicode_ident"],
    ["a build script's compilation", buildRs, "build_script_build"],
    ["a build script's run: its binary", buildScript, "build_script_build-ee92598026d94e6a"],
    ["a hand-over sorts after every crate", handover, "~handover"],
    ["a compiler call naming it --crate-name=NAME", { ...core, args: ["--crate-name=core"] }, "core"],
    ["a call without --crate-name", { ...core, args: ["-vV"] }, "rustc"],
  ])("%s", (_, record, name) => expect(observedName(record)).toBe(name));
});

describe("orderObserved", () => {
  const reads = new Map([[core, [handover]]]);
  // The capture's own order: a call after the writers of what it reads, then by (name, first output).
  const order = [buildRs, buildScript, unicodeIdent, procMacro2, quote, handover, core];

  test.each([
    ["as captured", [...order]],
    ["reversed", [...order].reverse()],
    ["interleaved", [quote, handover, buildRs, core, procMacro2, unicodeIdent, buildScript]],
  ])("the real calls come out in one order whatever order they finished in: %s", (_, input) => {
    expect(orderObserved(input, reads).map(observedName)).toEqual(order.map(observedName));
  });

  test("without the hand-over it reads, the stage-1 call would come before it (by name)", () => {
    expect(orderObserved([handover, core]).map(observedName)).toEqual(["core", "~handover"]);
  });

  test("calls of the same crate go by their first output", () => {
    // 1.63 compiles `cc` three times (for the compiler, std's build scripts and the stage-1 std).
    const cc = (dir: string): ObservedRecord => ({
      ...unicodeIdent,
      args: ["--crate-name", "cc"],
      outputs: [`@build@/x86_64-unknown-linux-gnu/${dir}/release/deps/libcc.rlib`],
    });
    const input = [cc("stage1-std"), cc("stage0-std"), cc("stage0-rustc")];
    expect(orderObserved(input).map((r) => r.outputs[0]!.split("/")[2])).toEqual(["stage0-rustc", "stage0-std", "stage1-std"]);
  });

  test("the bootstrap crate's own compilation is left out", () => {
    const bootstrap = { ...unicodeIdent, args: ["--crate-name", "bootstrap"], outputs: ["@build@/bootstrap/debug/deps/libbootstrap.rlib"] };
    expect(orderObserved([bootstrap, unicodeIdent])).toEqual([unicodeIdent]);
  });

  test("calls that read each other's outputs are an invalid record", async () => {
    const a = { ...unicodeIdent, args: ["--crate-name", "a", "@build@/b.rlib"], outputs: ["@build@/a.rlib"] };
    const b = { ...unicodeIdent, args: ["--crate-name", "b", "@build@/a.rlib"], outputs: ["@build@/b.rlib"] };
    expect(await thrown(() => orderObserved([a, b]))).toEqual({ code: "invalidRecord", message: "the observed calls read each other's outputs in a cycle" });
  });

  test("nothing observed, nothing ordered", () => expect(orderObserved([])).toEqual([]));
});
