// verify, second stage: what is already there. A step the flake does not define fails; a step
// whose output is in the store is already built; the rest are to build.
import type { Step } from "../schema.ts";
import type { Evaluated } from "./evaluate.ts";
import type { Verdicts } from "./explain.ts";
import { missing } from "./store.ts";

export async function classify(tree: Evaluated, verdicts: Verdicts): Promise<Step[]> {
  const { chosen, paths, runner } = tree;
  for (const s of chosen) if (!paths[s.id]) verdicts.give(s, "failed", 0, { reason: "the tree's flake does not define this step" });
  const defined = chosen.filter((s) => paths[s.id]);
  const notBuilt = await missing(
    runner,
    defined.map((s) => paths[s.id]!.out),
  );
  for (const s of defined) if (!notBuilt.has(paths[s.id]!.out)) verdicts.give(s, "built", 0);
  return defined.filter((s) => !verdicts.has(s));
}
