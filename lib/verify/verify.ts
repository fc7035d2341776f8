// verify: evaluate a generated tree once, then build its steps with real Nix (one at a time unless
// --jobs) and say for each what happened, exactly once. A step passed only if its output is in the
// store afterwards; Nix failing for no step's fault is an error (nixFailed), never a verdict.
//   evaluate -> classify (already built?) -> build (one realise, its log folded, the store judged)
//   -> explain (a verdict each)
import { log } from "../log.ts";
import { build } from "./build.ts";
import { classify } from "./classify.ts";
import { evaluate, type VerifyOptions } from "./evaluate.ts";
import { Verdicts } from "./explain.ts";
import type { StepReport, VerifyReport } from "./report.ts";

export async function verify(opts: VerifyOptions, onStep?: (r: StepReport, n: number, total: number) => void): Promise<VerifyReport> {
  const start = performance.now();
  const tree = await evaluate(opts);
  const verdicts = new Verdicts(tree, onStep);
  const toBuild = await classify(tree, verdicts);
  log.info(
    `${tree.evalReused ? "evaluation reused (inputs unchanged), checked" : "evaluated"} in ${tree.evalSeconds.toFixed(2)}s; ${verdicts.count} of ${tree.chosen.length} steps already built, building ${toBuild.length}`,
  );
  await build(tree, opts, toBuild, verdicts);
  return verdicts.report((performance.now() - start) / 1000);
}
