// verify, third stage: one `nix-store --realise` for every step to build. Nix builds them in
// dependency order (one at a time unless --jobs); starting a Nix process per step would cost more
// than a trivial step's build. Its JSON log (at debug level, -vvv) says when each build starts,
// on which machine, and when its builder exits, so a step's seconds are its own even with several
// jobs; whether it passed is only ever read from the store.
import { NixifyError } from "../errors.ts";
import { log } from "../log.ts";
import { spawnWatching } from "../process.ts";
import type { Step } from "../schema.ts";
import { BUILDER_HINT, type Evaluated, type VerifyOptions } from "./evaluate.ts";
import { failureReason, failureRoots, logCommand, skippedReason, type Verdicts } from "./explain.ts";
import { isBuildFailureCode, parseRealiseLine } from "./nix-output.ts";
import type { StepReport } from "./report.ts";
import { missing, NIX_BROKE_HINT } from "./store.ts";

export async function build(tree: Evaluated, opts: VerifyOptions, toBuild: Step[], verdicts: Verdicts): Promise<void> {
  const { manifest, paths, runner } = tree;
  const out = (s: Step) => paths[s.id]!.out;
  const drv = (s: Step) => paths[s.id]!.drv;
  const wanted = new Set(toBuild.map((s) => s.id));
  const byDrv = new Map(manifest.steps.filter((s) => paths[s.id]).map((s) => [drv(s), s]));
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const machines = new Map<string, string>();
  const failedOwn = new Set<string>();
  const otherFailures: string[] = [];
  const nixSaid: string[] = [];
  const othersSaid: string[] = [];

  // Nix is asked right below, with nothing awaited before.
  const asked = performance.now();
  /** A step's own seconds, when they began, and where it was built. */
  const timing = (step: Step): Pick<StepReport, "seconds" | "startSeconds" | "timing" | "builtOn"> => {
    const from = started.get(step.id);
    if (from === undefined) return { seconds: 0, timing: "unknown" };
    const at = { startSeconds: (from - asked) / 1000, builtOn: machines.get(step.id) || "local" };
    const to = ended.get(step.id);
    return to === undefined ? { seconds: (performance.now() - from) / 1000, timing: "upper-bound", ...at } : { seconds: (to - from) / 1000, ...at };
  };
  const passed = (step: Step) => {
    const { seconds, ...more } = timing(step);
    verdicts.give(step, "passed", seconds, more);
  };
  const pending: Promise<void>[] = [];
  const fail = (step: Step) => {
    failedOwn.add(step.id);
    if (!wanted.has(step.id) || !verdicts.claim(step)) return;
    const { seconds, ...more } = timing(step);
    pending.push(failureReason(runner, step, drv(step)).then((reason) => verdicts.record(step, "failed", seconds, { ...more, reason, logCommand: logCommand(runner, drv(step)) })));
  };
  // Steps whose goal is done are looked up in the store in batches, one query at a time; a
  // failed query leaves them to the final one, which must answer.
  const toCheck = new Set<Step>();
  let checking: Promise<void> | undefined;
  const checkSoon = (step: Step) => {
    toCheck.add(step);
    checking ??= (async () => {
      while (toCheck.size > 0) {
        const batch = [...toCheck];
        toCheck.clear();
        const invalid = await missing(runner, batch.map(out)).catch(() => undefined);
        if (invalid) for (const s of batch) if (!invalid.has(out(s))) passed(s);
      }
      checking = undefined;
    })();
  };

  let realiseCode = 0;
  if (toBuild.length > 0) {
    const args = ["nix-store", "--realise", "--max-jobs", String(opts.jobs ?? 1), "--log-format", "internal-json", "-vvv",
      ...(opts.builders === undefined ? [] : ["--builders", opts.builders]), ...(opts.keepGoing ? ["--keep-going"] : []), ...toBuild.map(drv)];
    const r = await spawnWatching(args, { env: runner.env }, (line) => {
      const e = parseRealiseLine(line);
      if (!e) return;
      if (e.kind === "error") {
        // The first few are what a failure message needs; a Nix that ignored --log-format would print thousands.
        const said = e.ours ? nixSaid : othersSaid;
        if (said.length < 20) said.push(e.text);
        return;
      }
      const step = byDrv.get(e.drv);
      if (!step) {
        if (e.kind === "failed") otherFailures.push(e.drv.replace(/^.*\/[0-9a-z]{32}-/, "").replace(/\.drv$/, ""));
        return;
      }
      if (e.kind === "start") {
        // The first start is Nix's; a remote builder's relayed one comes later and says "".
        if (!started.has(step.id)) started.set(step.id, performance.now());
        if (e.machine) machines.set(step.id, e.machine);
      } else if (e.kind === "end") ended.set(step.id, performance.now());
      else if (e.kind === "failed") fail(step);
      else if (wanted.has(step.id) && started.has(step.id)) checkSoon(step);
    });
    realiseCode = r.code;
    await Promise.all(pending);
    await checking;
  }

  // The store is the judge. Nix failing for no step's fault is an error, not a verdict.
  const stillMissing = await missing(runner, toBuild.map(out));
  const nixLine = nixSaid[0] ?? othersSaid[0] ?? "it said nothing";
  // A builder that did not answer: Nix says so and builds here instead, unless --jobs 0 forbids it.
  const unreachable = nixSaid.find((l) => l.startsWith("cannot build on '"));
  if (realiseCode !== 0 && failedOwn.size === 0 && nixSaid.some((l) => /^(error: )?unable to start any build/.test(l))) {
    throw new NixifyError("noBuilder", `no builder could take the steps: ${unreachable ?? nixLine}`, BUILDER_HINT);
  }
  if (unreachable) log.warn(`${unreachable}; Nix built on this machine instead`);
  if (realiseCode === 0) {
    const lost = toBuild.find((s) => stillMissing.has(out(s)));
    if (lost) throw new NixifyError("nixFailed", `nix-store --realise said it built everything, but ${lost.id}'s output ${out(lost)} is not in the store`, NIX_BROKE_HINT);
  } else if (!isBuildFailureCode(realiseCode) && failedOwn.size === 0) {
    throw new NixifyError("nixFailed", `nix-store --realise failed (exit code ${realiseCode}) with no step failing: ${nixLine}`, NIX_BROKE_HINT);
  }
  // A build that started and left nothing failed, even if Nix's log did not say so.
  for (const step of toBuild) if (stillMissing.has(out(step)) && started.has(step.id) && !failedOwn.has(step.id)) fail(step);
  await Promise.all(pending);

  // The rest: in the store now, or not built, and then why.
  const roots = failureRoots(manifest.steps, failedOwn);
  const stoppedBy = [...failedOwn].sort()[0] ?? otherFailures[0];
  for (const step of toBuild) {
    if (!stillMissing.has(out(step))) passed(step);
    else verdicts.give(step, "skipped", 0, { reason: skippedReason(roots.get(step.id), stoppedBy, opts.keepGoing) });
  }
}
