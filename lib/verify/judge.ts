// verify, third stage, once Nix is done: the store says which of the steps Nix was asked to build are
// there, the log (lib/verify/build-log.ts) which started, failed or stopped it; from both, each
// step's verdict, or Nix's own failure, which is no step's verdict. Pure: the store's answer and
// the time are given.
import { NixifyError } from "../errors.ts";
import type { EvaluatedSteps, Step } from "../schema.ts";
import type { BuildLog } from "./build-log.ts";
import { BUILDER_HINT } from "./evaluate.ts";
import { failureRoots, skippedReason } from "./explain.ts";
import { isBuildFailureCode } from "./nix-output.ts";
import type { StepReport } from "./report.ts";
import { NIX_BROKE_HINT } from "./store.ts";

export type Realised = {
  /** The tree's steps, in its order, and each one's derivation and output (absent: the flake does not define it). */
  steps: readonly Step[];
  paths: EvaluatedSteps;
  /** The steps Nix was asked to build, and the ids of those whose output is not in the store afterwards. */
  toBuild: readonly Step[];
  missing: ReadonlySet<string>;
  /** nix-store --realise's exit code. */
  code: number;
  keepGoing: boolean;
  /** When Nix was asked, and now (ms, the log's clock). */
  asked: number;
  now: number;
};

/** A step's verdict as the log and the store give it; a failure's reason (its log) is read afterwards. */
export type Verdict = { step: Step; status: "passed" | "failed" | "skipped"; seconds: number; more: Partial<StepReport> };

export type Judgement = {
  verdicts: Verdict[];
  /** Nix failed for no step's fault: an error, never a verdict (there are none then). */
  error?: NixifyError;
  /** Builders Nix could not reach, and built on this machine instead: said before anything else. */
  warning?: string;
};

/** The tree's steps by derivation. */
export function byDerivation(steps: readonly Step[], paths: EvaluatedSteps): Map<string, Step> {
  return new Map(steps.flatMap((s) => (paths[s.id] ? [[paths[s.id]!.drv, s]] : [])));
}

/**
 * A build's own seconds (from its start to its builder's end), when it began and where, as the log
 * shows them by `now`; and, where its step's script said so, its command's seconds and the rest
 * until Nix was done with it (the step's own overhead).
 */
function timing(
  log: BuildLog,
  drv: string,
  asked: number,
  now: number,
): Pick<StepReport, "seconds" | "startSeconds" | "timing" | "builtOn" | "commandSeconds" | "overheadSeconds"> {
  const build = log.builds.get(drv);
  if (!build) return { seconds: 0, timing: "unknown" };
  const at = { startSeconds: (build.start - asked) / 1000, builtOn: build.machine || "local" };
  if (build.end === undefined) return { seconds: (now - build.start) / 1000, timing: "upper-bound", ...at };
  const command = build.command;
  const overhead = command !== undefined && build.done !== undefined ? { overheadSeconds: Math.max(0, (build.done - build.start) / 1000 - command) } : {};
  return { seconds: (build.end - build.start) / 1000, ...at, ...(command !== undefined ? { commandSeconds: command } : {}), ...overhead };
}

/** `step`'s verdict, timed by the log. */
export function timed(step: Step, status: Verdict["status"], log: BuildLog, r: Pick<Realised, "paths" | "asked" | "now">): Verdict {
  const { seconds, ...more } = timing(log, r.paths[step.id]!.drv, r.asked, r.now);
  return { step, status, seconds, more };
}

export function judge(log: BuildLog, r: Realised): Judgement {
  const byDrv = byDerivation(r.steps, r.paths);
  const failed = new Set(log.failed.flatMap((drv) => byDrv.get(drv)?.id ?? []));
  const nixLine = log.nixSaid[0] ?? log.othersSaid[0] ?? "it said nothing";
  // A builder that did not answer: Nix says so and builds here instead, unless --jobs 0 forbids it.
  const unreachable = log.nixSaid.find((l) => l.startsWith("cannot build on '"));
  if (r.code !== 0 && failed.size === 0 && log.nixSaid.some((l) => /^(error: )?unable to start any build/.test(l))) {
    return { verdicts: [], error: new NixifyError("noBuilder", `no builder could take the steps: ${unreachable ?? nixLine}`, BUILDER_HINT) };
  }
  const warning = unreachable && `${unreachable}; Nix built on this machine instead`;
  const nixFailed = (message: string): Judgement => ({ verdicts: [], warning, error: new NixifyError("nixFailed", message, NIX_BROKE_HINT) });
  const lost = r.code === 0 ? r.toBuild.find((s) => r.missing.has(s.id)) : undefined;
  if (lost) return nixFailed(`nix-store --realise said it built everything, but ${lost.id}'s output ${r.paths[lost.id]!.out} is not in the store`);
  if (r.code !== 0 && !isBuildFailureCode(r.code) && failed.size === 0) {
    return nixFailed(`nix-store --realise failed (exit code ${r.code}) with no step failing: ${nixLine}`);
  }
  // A build that started and left nothing failed, even if Nix's log did not say so.
  for (const s of r.toBuild) if (r.missing.has(s.id) && log.builds.has(r.paths[s.id]!.drv)) failed.add(s.id);
  // The rest: in the store now, or not built, and then why.
  const roots = failureRoots(r.steps, failed);
  // What stopped Nix: the first failed step, else a failed derivation that is none (by its name).
  const others = log.failed.filter((drv) => !byDrv.has(drv)).map((drv) => drv.replace(/^.*\/[0-9a-z]{32}-/, "").replace(/\.drv$/, ""));
  const stoppedBy = [...failed].sort()[0] ?? others[0];
  const verdicts = r.toBuild.map((s): Verdict => {
    if (failed.has(s.id)) return timed(s, "failed", log, r);
    if (!r.missing.has(s.id)) return timed(s, "passed", log, r);
    return { step: s, status: "skipped", seconds: 0, more: { reason: skippedReason(roots.get(s.id), stoppedBy, r.keepGoing) } };
  });
  return { verdicts, warning };
}
