// The pure parts of verify's stages: which steps a selection chooses (evaluate), which failed step
// a skipped one waited for and what it is told (explain). The sample's real steps.
import { describe, expect, test } from "bun:test";
import type { Manifest, Step } from "../../lib/schema.ts";
import { chooseSteps, type VerifyOptions } from "../../lib/verify/evaluate.ts";
import { failureRoots, skippedReason } from "../../lib/verify/explain.ts";
import { fixtureSteps, thrown } from "./fixtures.ts";

// step001 greeting, step002 hello <- step001, step003 tool, step004 run hello <- step002
const steps = await fixtureSteps("sample.steps.json");
const manifest = { steps } as Manifest;
const select = (o: Partial<VerifyOptions>) => ({ tree: "t", offline: true, stateDir: "s", keepGoing: false, ...o }) as VerifyOptions;
const ids = (chosen: Step[]) => chosen.map((s) => s.id);

describe("chooseSteps", () => {
  test.each<[string, Partial<VerifyOptions>, string[]]>([
    ["nothing asked: every step", {}, ["step001", "step002", "step003", "step004"]],
    ["--from", { from: "step003" }, ["step003", "step004"]],
    ["--to", { to: "step002" }, ["step001", "step002"]],
    ["--from and --to", { from: "step002", to: "step003" }, ["step002", "step003"]],
    ["--from = --to", { from: "step002", to: "step002" }, ["step002"]],
    ["--only, in the tree's order whatever the order asked", { only: ["step004", "step001"] }, ["step001", "step004"]],
    ["--only within --from", { from: "step002", only: ["step001", "step003"] }, ["step003"]],
  ])("%s", (_, o, want) => expect(ids(chooseSteps(manifest, select(o)))).toEqual(want));

  test.each<[string, Partial<VerifyOptions>, string]>([
    ["an unknown --from", { from: "step009" }, "no step step009 in this tree (it has step001 to step004)"],
    ["an unknown id in --only", { only: ["step001", "stepX"] }, "no step stepX in this tree"],
    ["--from after --to", { from: "step003", to: "step002" }, "no step to build: --from step003 --to step002 chooses none"],
    ["--only outside --to", { to: "step001", only: ["step004"] }, "no step to build: --to step001 --only step004 chooses none"],
  ])("refused: %s", async (_, o, message) => {
    const r = await thrown(() => chooseSteps(manifest, select(o)));
    expect(r.code).toBe("badInput");
    expect(r.message).toContain(message);
  });

  test("a tree with no steps chooses none, and says so", async () => {
    const r = await thrown(() => chooseSteps({ steps: [] as Step[] } as Manifest, select({})));
    expect(r).toEqual({ code: "badInput", message: "no step to build: the tree has no steps chooses none" });
  });
});

describe("failureRoots and skippedReason", () => {
  test.each<[string, string[], Record<string, string>]>([
    ["nothing failed", [], {}],
    ["a failure reaches what depends on it, transitively", ["step001"], { step002: "step001", step004: "step001" }],
    ["a failure midway: only what lies above it", ["step002"], { step004: "step002" }],
    ["an independent failure reaches nothing", ["step003"], {}],
  ])("%s", (_, failed, want) => expect(Object.fromEntries(failureRoots(steps, new Set(failed)))).toEqual(want));

  test.each<[string, string | undefined, string | undefined, boolean, string]>([
    ["waited for a failed step", "step001", "step001", false, "depends on step001, which failed"],
    ["Nix stopped at the first failure", undefined, "step003", false, "not built: stopped after step003 failed (use --keep-going)"],
    ["Nix went on, but not to this one", undefined, "step003", true, "not built: step003 failed"],
    ["no failure at all", undefined, undefined, false, "not built"],
  ])("%s", (_, root, stoppedBy, keepGoing, want) => expect(skippedReason(root, stoppedBy, keepGoing)).toBe(want));
});
