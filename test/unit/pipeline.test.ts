// Pipelining on real steps of the 1.63 compiler's capture: unicode_ident <- proc_macro2 <- quote
// (libraries, each naming the one below by its .rmeta), proc-macro2's build script, and the
// stage-1 core; a proc macro linking quote (its argv quote's, turned into a linking call) stands
// for the calls that need every rlib below them.
import { expect, test } from "bun:test";
import type { Step } from "../../lib/schema.ts";
import { crateTypes, links, metadataOutput, NO_CODEGEN, PIPELINE_FAN_OUT, pipelinedCalls, pipelineSteps } from "../../lib/steps/pipeline.ts";
import { primes } from "../../lib/steps/steps.ts";
import { fixtureSteps } from "./fixtures.ts";

const captured = await fixtureSteps("compiler-1.63.steps.json");
const ids = new Set(captured.map((s) => s.id));
// Only the steps of the fixture: dependencies on steps left out of it are dropped.
const real = captured.map((s) => ({ ...s, deps: s.deps.filter((d) => ids.has(d)) }));
const byLabel = (steps: Step[], label: string) => steps.find((s) => s.label === label)!;
const quote = byLabel(real, "rustc quote");
const quoteRlib = quote.outputs!.find((o) => o.endsWith(".rlib"))!;
const procMacro: Step = {
  ...quote,
  id: "step312",
  index: 312,
  label: "rustc a_proc_macro",
  args: ["--crate-name", "a_proc_macro", "--crate-type", "proc-macro", "--emit=dep-info,link", "--extern", `quote=${quoteRlib}`],
  deps: [quote.id],
  outputs: ["@build@/deps/liba_proc_macro.so"],
};
const steps = [...real, procMacro];

test("crate types as rustc reads them, bin where none is named", () => {
  const table: [string[], string[]][] = [
    [["--crate-type", "lib"], ["lib"]],
    [
      ["--crate-type", "dylib,rlib"],
      ["dylib", "rlib"],
    ],
    [["--crate-type=proc-macro"], ["proc-macro"]],
    [
      ["--crate-type", "lib", "--crate-type", "bin"],
      ["lib", "bin"],
    ],
    [["main.rs"], ["bin"]],
  ];
  for (const [args, types] of table) expect(crateTypes(args)).toEqual(types);
  expect(steps.filter(links).map((s) => s.label)).toEqual(["rustc build.rs of proc-macro2", "rustc a_proc_macro"]);
});

test("only a library call writing its .rmeta with its rlib can have a metadata step", () => {
  expect(steps.map((s) => metadataOutput(s)?.split("/").at(-1) ?? s.label)).toEqual([
    "rustc build.rs of proc-macro2",
    "build-script proc-macro2",
    "libunicode_ident-7db7d600ae52e59c.rmeta",
    "libproc_macro2-e3ce29693b267e4b.rmeta",
    "libquote-0886d980e8c591a0.rmeta",
    "handover x86_64-unknown-linux-gnu/stage1 (4 files)",
    "libcore-95c594ea0242ac01.rmeta",
    "rustc a_proc_macro",
  ]);
  expect(metadataOutput({ ...quote, args: [...quote.args, NO_CODEGEN] })).toBeUndefined();
});

const piped = pipelineSteps(steps, (s) => s.label !== "rustc core");
const step = (label: string) => byLabel(piped, label);
const depLabels = (s: Step) => s.deps.map((d) => piped.find((p) => p.id === d)!.label);

test("a pipelined call is a metadata step right before the full call; each keeps its own files", () => {
  expect(piped.map((s) => `${s.id} ${s.label}`)).toEqual([
    "step001 rustc build.rs of proc-macro2",
    "step002 build-script proc-macro2",
    "step003 rustc unicode_ident (metadata)",
    "step004 rustc unicode_ident",
    "step005 rustc proc_macro2 (metadata)",
    "step006 rustc proc_macro2",
    "step007 rustc quote (metadata)",
    "step008 rustc quote",
    "step009 handover x86_64-unknown-linux-gnu/stage1 (4 files)",
    "step010 rustc core",
    "step011 rustc a_proc_macro",
  ]);
  const [metadata, full] = [step("rustc quote (metadata)"), step("rustc quote")];
  expect(metadata.args).toEqual([...quote.args, NO_CODEGEN]);
  expect(metadata.env).toEqual({ ...quote.env, RUSTC_BOOTSTRAP: "1" });
  expect(metadata.outputs).toEqual(quote.outputs!.filter((o) => o.endsWith(".rmeta")));
  expect(full.args).toEqual(quote.args);
  expect(full.outputs).toEqual(quote.outputs!.filter((o) => !o.endsWith(".rmeta")));
  expect(metadata.sources).toEqual(quote.sources);
});

test("a library call waits for the metadata of the crates below it; a linking call for all their rlibs", () => {
  // quote names proc_macro2's .rmeta; unicode_ident (below proc_macro2) it reads through dep-info.
  expect(depLabels(step("rustc quote"))).toEqual(["rustc unicode_ident (metadata)", "rustc proc_macro2 (metadata)"]);
  expect(depLabels(step("rustc quote (metadata)"))).toEqual(depLabels(step("rustc quote")));
  // proc_macro2 also waits for its build script's run, which is no library.
  expect(depLabels(step("rustc proc_macro2"))).toEqual(["build-script proc-macro2", "rustc unicode_ident (metadata)"]);
  expect(depLabels(step("rustc a_proc_macro"))).toEqual(["rustc unicode_ident", "rustc proc_macro2", "rustc quote"]);
});

test("renumbered steps keep the prime contract; nothing chosen, or pipelining twice, changes nothing", () => {
  const ps = primes(piped.length);
  for (const [i, s] of piped.entries()) {
    expect([s.index, s.prime]).toEqual([i + 1, ps[i]!]);
    const product = s.deps.reduce((acc, d) => acc * BigInt(piped.find((p) => p.id === d)!.prime), BigInt(s.prime));
    expect(s.composite).toBe(product.toString());
  }
  expect(pipelineSteps(steps, () => false)).toBe(steps);
  const all = pipelineSteps(steps, () => true);
  expect(pipelineSteps(all, () => true)).toBe(all);
});

test("the calls chosen are those that many library calls name the metadata of", () => {
  // proc_macro2 names unicode_ident's .rmeta; quote names proc_macro2's only.
  const unicodeIdent = byLabel(real, "rustc unicode_ident");
  const rmeta = metadataOutput(unicodeIdent)!;
  const readers = (n: number, base: Step = unicodeIdent): Step[] =>
    Array.from({ length: n }, (_, i) => ({
      ...base,
      id: `step${400 + i}`,
      index: 400 + i,
      label: `rustc reader${i}`,
      args: [...base.args, "--extern", `unicode_ident=${rmeta}`],
      outputs: [],
    }));
  const chosen = (extra: Step[]) => [...real, ...extra].filter(pipelinedCalls([...real, ...extra])).map((s) => s.label);
  expect(chosen([])).toEqual([]);
  expect(chosen(readers(PIPELINE_FAN_OUT - 1))).toEqual(["rustc unicode_ident"]);
  expect(chosen(readers(PIPELINE_FAN_OUT - 2))).toEqual([]);
  // A call that links reads the rlib, whatever it names.
  expect(chosen([...readers(PIPELINE_FAN_OUT - 2), ...readers(1, procMacro)])).toEqual([]);
  // A crate already split names the metadata twice (its metadata step and its full call): once.
  const split = pipelineSteps([...real, ...readers(PIPELINE_FAN_OUT - 2)], (s) => s.label === "rustc proc_macro2");
  expect(split.filter((s) => s.args.includes(NO_CODEGEN)).map((s) => s.label)).toContain("rustc proc_macro2 (metadata)");
  expect(split.filter(pipelinedCalls(split)).map((s) => s.label)).toEqual([]);
});
