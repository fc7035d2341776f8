// One definition of a step as Nix and bash see it: the fields mkStep takes, the attributes it hands
// run-step.sh, the tool variables, the step kinds and the placeholders are TypeScript's
// (render-tree.ts, lib/schema.ts, lib/placeholders.ts); the templates as rendered are held to them.
import { expect, test } from "bun:test";
import { IN_STEP, PLACEHOLDERS } from "../../lib/placeholders.ts";
import { MK_STEP_FIELDS, renderTree } from "../../lib/render/render-tree.ts";
import { STEP_KINDS, type Manifest } from "../../lib/schema.ts";
import { COMMAND_RAN } from "../../lib/verify/nix-output.ts";
import { fixtureSteps } from "./fixtures.ts";

const manifest = { system: "x86_64-linux", steps: await fixtureSteps("sample.steps.json") } as Manifest;
const files = renderTree({ manifest, srcUrl: "path:./src", supplied: new Map(), generated: [] });
const builders = files.get("builders.nix")!;
const runStep = files.get("run-step.sh")!;
const scripts = ["run-step.sh", "make-source.sh", "make-sysroot.sh"].map((f) => files.get(f)!).join("\n");
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const matches = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);
/** The attribute set of builders.nix's mkStep for a step that runs a command (not a fetch). */
const mkStep = builders.slice(builders.indexOf("mkStep ="));
const mkStepDerivation = mkStep.slice(mkStep.indexOf("derivation (common // {"), mkStep.indexOf("} // llvmFor"));

test("mkStep's formals are the fields render-tree.ts writes for a step", () => {
  const formals = /mkStep = source: \{(.*)\}:$/m
    .exec(builders)![1]!
    .split(",")
    .map((f) => f.trim().split(/\s/)[0]!);
  expect(sorted(formals)).toEqual(sorted(MK_STEP_FIELDS));
  // Each field render-tree.ts can write is taken (a misspelled one would be an evaluation error only where it occurs).
  const written = matches(files.get("step001/default.nix")!, /^\s+(\w+) =/gm);
  for (const field of written) expect(MK_STEP_FIELDS as readonly string[]).toContain(field);
});

test("every step attribute run-step.sh reads is one mkStep sets, and mkStep sets none it does not read", () => {
  const read = matches(runStep, /\$\{?!?(step[A-Z]\w*)/g);
  const set = matches(mkStepDerivation, /^\s+(step[A-Z]\w*) =/gm);
  expect(set.length).toBeGreaterThan(10);
  expect(sorted(read)).toEqual(sorted(set));
});

test("every tool variable the scripts use is set by builders.nix or run-step.sh, and every placeholder's is one of them", () => {
  const used = sorted(matches(scripts, /\$\{?(tool[A-Z]\w*)/g));
  const set = sorted([...matches(builders.slice(builders.indexOf("common = {")), /\b(tool[A-Z]\w*) =/g), ...matches(runStep, /^(tool[A-Z]\w*)=/gm)]);
  expect(used).toEqual(set);
  for (const value of Object.values(IN_STEP)) {
    const name = /^\$(\w+)/.exec(value)![1]!;
    if (name.startsWith("tool")) expect(set).toContain(name);
  }
});

test("a tool that only some steps get is given to every step that names its placeholder", () => {
  // The prelude defaults each such variable to empty; builders.nix (llvmFor) or run-step.sh sets it
  // where the step names the placeholder. The pattern that decides must match that placeholder.
  const optional = matches(files.get("run-step.sh")!, /\b(tool[A-Z]\w*)=\$\{\1:-\}/g);
  expect(optional.length).toBeGreaterThan(0);
  const patterns = [...matches(builders, /names "([^"]+)"/g), ...matches(runStep, /^\s*\*(@[\w-]+@)\*\)/gm)].map((p) => new RegExp(p));
  for (const [placeholder, value] of Object.entries(IN_STEP)) {
    const name = value.slice(1);
    if (!optional.includes(name) && name !== "toolLibstdcxxDir") continue;
    expect(patterns.some((p) => p.test(placeholder))).toBe(true);
  }
});

test("the step kinds run-step.sh tells apart are kinds of lib/schema.ts", () => {
  const compared = matches(runStep, /"\$stepKind" = (\S+)/g);
  const cases = /case \$stepKind in\n([\s\S]*?)\n\s*esac/g;
  for (const block of matches(runStep, cases)) {
    for (const label of matches(block, /^\s*([\w|-]+)\)/gm)) compared.push(...label.split("|"));
  }
  expect(compared.length).toBeGreaterThan(3);
  for (const kind of compared) expect(STEP_KINDS as readonly string[]).toContain(kind);
});

test("the placeholders the templates name are lib/placeholders.ts's", () => {
  const named = matches(builders + scripts, /(@[a-z][a-z-]*@)/g);
  for (const p of named) expect(Object.keys(PLACEHOLDERS)).toContain(p);
});

test("the line run-step.sh ends a build's log with is the one verify reads as its command's seconds", () => {
  // The template's own printf, run by bash for a command of 2.5 and one of 0.000042 seconds.
  const printf = /^\s*(printf 'nixify-rust: .*command ran .*)>&2$/m.exec(runStep)![1]!;
  for (const [us, seconds] of [
    [2_500_000, 2.5],
    [42, 0.000042],
  ] as const) {
    const r = Bun.spawnSync(["bash", "-c", `stepId=step007 us=${us}; ${printf}`]);
    const line = r.stdout.toString().trimEnd();
    expect(Number(COMMAND_RAN.exec(line)?.[1])).toBe(seconds);
  }
});
