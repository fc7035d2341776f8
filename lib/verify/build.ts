// verify, third stage: one `nix-store --realise` for every step to build. Nix builds them in
// dependency order (one at a time unless --jobs); starting a Nix process per step would cost more
// than a trivial step's build. Its JSON log says when each build starts and on which machine, and
// each step's last line when its command ended, so a step's seconds are its own even with several
// jobs; whether it passed is only ever read from the store. The log is folded as it comes
// (build-log.ts); a step is told as soon as its verdict is known, and the judge (judge.ts) gives
// the rest once Nix is done.
import { log } from "../log.ts";
import { spawnWatching } from "../process.ts";
import type { Step } from "../schema.ts";
import { follow, NOTHING_SAID } from "./build-log.ts";
import type { Evaluated, VerifyOptions } from "./evaluate.ts";
import type { Verdicts } from "./explain.ts";
import { byDerivation, judge, timed, type Verdict } from "./judge.ts";
import type { NixRunner } from "./nix-settings.ts";
import { parseRealiseLine } from "./nix-output.ts";
import { missing } from "./store.ts";

/** verify's `nix-store --realise` of `drvs` (test/support/record-realise-logs.ts records its logs with it). */
export function realiseArgs(opts: Pick<VerifyOptions, "jobs" | "builders" | "keepGoing">, drvs: string[]): string[] {
  return [
    "nix-store",
    "--realise",
    "--max-jobs",
    String(opts.jobs ?? 1),
    "--log-format",
    "internal-json",
    ...(opts.builders === undefined ? [] : ["--builders", opts.builders]),
    ...(opts.keepGoing ? ["--keep-going"] : []),
    ...drvs,
  ];
}

/**
 * Looks steps up in the store as their goals end, in batches, one query at a time, and tells
 * `found` of each that is there. A failed query leaves its steps to the final one, which must answer.
 */
function storeWatch(runner: NixRunner, out: (s: Step) => string, found: (s: Step) => void): { add: (s: Step) => void; settled: () => Promise<void> } {
  const queue = new Set<Step>();
  let running: Promise<void> | undefined;
  return {
    add(step) {
      queue.add(step);
      running ??= (async () => {
        while (queue.size > 0) {
          const batch = [...queue];
          queue.clear();
          const invalid = await missing(runner, batch.map(out)).catch(() => undefined);
          if (invalid) for (const s of batch) if (!invalid.has(out(s))) found(s);
        }
        running = undefined;
      })();
    },
    settled: () => running ?? Promise.resolve(),
  };
}

export async function build(tree: Evaluated, opts: VerifyOptions, toBuild: Step[], verdicts: Verdicts): Promise<void> {
  if (toBuild.length === 0) return;
  const { manifest, paths, runner } = tree;
  const out = (s: Step) => paths[s.id]!.out;
  const byDrv = byDerivation(manifest.steps, paths);
  const wanted = new Set(toBuild.map((s) => s.id));
  /** The step to build whose derivation `drv` is, if any. */
  const toBuildOf = (drv: string): Step | undefined => {
    const step = byDrv.get(drv);
    return step && wanted.has(step.id) ? step : undefined;
  };
  const failures: Promise<void>[] = [];
  const give = (v: Verdict): void => {
    if (v.status === "failed") failures.push(verdicts.fail(v.step, v.seconds, v.more));
    else verdicts.give(v.step, v.status, v.seconds, v.more);
  };

  // Nix is asked right below, with nothing awaited before.
  const asked = performance.now();
  let said = NOTHING_SAID;
  /** `step`'s verdict, timed by what the log has said so far. */
  const now = (step: Step, status: Verdict["status"]) => timed(step, status, said, { paths, asked, now: performance.now() });
  const store = storeWatch(runner, out, (s) => give(now(s, "passed")));
  const realised = await spawnWatching(
    realiseArgs(
      opts,
      toBuild.map((s) => paths[s.id]!.drv),
    ),
    { env: runner.env },
    (line) => {
      const e = parseRealiseLine(line);
      if (!e) return;
      const before = said;
      said = follow(said, e, performance.now());
      if (e.kind === "failed") {
        const step = toBuildOf(e.drv);
        if (step) give(now(step, "failed"));
      }
      // Builds Nix is done with: the store says whether they passed.
      for (const drv of said.done.slice(before.done.length)) {
        const step = toBuildOf(drv);
        if (step) store.add(step);
      }
    },
  );
  await Promise.all(failures);
  await store.settled();

  // The store is the judge's evidence; Nix failing for no step's fault is an error, not a verdict.
  const notThere = await missing(runner, toBuild.map(out));
  const judged = judge(said, {
    steps: manifest.steps,
    paths,
    toBuild,
    missing: new Set(toBuild.filter((s) => notThere.has(out(s))).map((s) => s.id)),
    code: realised.code,
    keepGoing: opts.keepGoing,
    asked,
    now: performance.now(),
  });
  if (judged.warning) log.warn(judged.warning);
  if (judged.error) throw judged.error;
  // Failures first (their logs are read meanwhile), then the rest in the tree's order.
  for (const v of judged.verdicts) if (v.status === "failed") give(v);
  await Promise.all(failures);
  for (const v of judged.verdicts) if (v.status !== "failed") give(v);
}
