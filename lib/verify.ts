// verify: evaluate a generated tree once, then build its steps in order with real Nix, one at a
// time, and say for each what happened.
import { join } from "node:path";
import { NixifyError } from "./errors.ts";
import { log } from "./log.ts";
import { nixRunner, type NixRunner } from "./nix-settings.ts";
import { spawn, spawnWatching, tail } from "./process.ts";
import * as v from "valibot";
import { EvaluatedStepsSchema, issueText, type EvaluatedSteps, type Manifest, type Step } from "./schema.ts";
import { writeStandIn } from "./standin.ts";
import { loadManifest } from "./tree.ts";

export type VerifyOptions = {
  tree: string;
  offline: boolean;
  /** Where offline Nix keeps its store and settings. */
  stateDir: string;
  /** Offline: the toolchain folder (bin/rustc, bin/cargo) that stands in for nixpkgs' rustc and cargo. */
  toolchain?: string;
  from?: string;
  to?: string;
  only?: string[];
  keepGoing: boolean;
  jobs?: number;
};

export type StepStatus = "passed" | "failed" | "skipped" | "built";

export type StepReport = {
  id: string;
  kind: Step["kind"];
  emoji: string;
  label: string;
  status: StepStatus;
  seconds: number;
  outPath?: string;
  drvPath?: string;
  /** Why it failed or was skipped: the log's tail, or the step it waited for. */
  reason?: string;
  logCommand?: string;
};

export type VerifyReport = {
  tree: string;
  system: string;
  evalSeconds: number;
  totalSeconds: number;
  steps: StepReport[];
  ok: boolean;
};


function chooseSteps(manifest: Manifest, opts: VerifyOptions): Step[] {
  const ids = new Set(manifest.steps.map((s) => s.id));
  for (const id of [opts.from, opts.to, ...(opts.only ?? [])]) {
    if (id !== undefined && !ids.has(id)) {
      throw new NixifyError("badInput", `no step ${id} in this tree (it has step001 to ${manifest.steps.at(-1)?.id})`);
    }
  }
  const index = (id: string | undefined, fallback: number) => manifest.steps.find((s) => s.id === id)?.index ?? fallback;
  const from = index(opts.from, 1);
  const to = index(opts.to, manifest.steps.length);
  return manifest.steps.filter(
    (s) => s.index >= from && s.index <= to && (opts.only === undefined || opts.only.includes(s.id)),
  );
}

/** Arguments that point a nix command at the tree (and, offline, at the stand-in for nixpkgs). */
async function flakeRef(runner: NixRunner, manifest: Manifest, stateDir: string, toolchain?: string): Promise<string[]> {
  const args = [...runner.flakeArgs, "--no-write-lock-file"];
  if (runner.offline) {
    const standIn = join(stateDir, "nixpkgs-host");
    await writeStandIn(standIn, manifest.system, toolchain);
    args.push("--override-input", "nixpkgs", `path:${standIn}`);
  }
  return args;
}

async function evaluate(runner: NixRunner, dir: string, manifest: Manifest, extra: string[]): Promise<EvaluatedSteps> {
  const r = await spawn(
    ["nix", "eval", "--json", ...extra, `path:${dir}#packages.${manifest.system}`,
      "--apply", "builtins.mapAttrs (n: p: { drv = p.drvPath; out = p.outPath; })"],
    { env: runner.env },
  );
  if (r.code !== 0) {
    throw new NixifyError("evalFailed", `evaluating ${dir} failed: ${tail(r.stderr, 1)}`, `see: nix eval path:${dir}#packages.${manifest.system} --show-trace`);
  }
  const parsed = v.safeParse(EvaluatedStepsSchema, JSON.parse(r.stdout));
  if (!parsed.success) throw new NixifyError("evalFailed", `evaluating ${dir} gave no derivations: ${issueText(parsed.issues)}`);
  return parsed.output;
}

function logCommand(runner: NixRunner, drv: string): string {
  return runner.offline ? `NIX_CONF_DIR=${runner.env.NIX_CONF_DIR} nix log ${drv}` : `nix log ${drv}`;
}

/** Which of `outs` are not in the store yet: one call for all of them. */
async function missing(runner: NixRunner, outs: string[]): Promise<Set<string>> {
  if (outs.length === 0) return new Set();
  const r = await spawn(["nix-store", "--check-validity", "--print-invalid", ...outs], { env: runner.env });
  return new Set(r.stdout.split("\n").filter(Boolean));
}

async function failureReason(runner: NixRunner, step: Step, drv: string): Promise<string> {
  if (step.fetch) {
    return `the download could not be fetched: ${step.fetch.url} (offline? put it in the store first: nix-store --add-fixed sha256 ${step.fetch.name})`;
  }
  const r = await spawn(["nix", ...runner.flakeArgs, "log", drv], { env: runner.env });
  return tail(r.stdout || r.stderr, 20);
}

export async function verify(opts: VerifyOptions, onStep?: (r: StepReport, n: number, total: number) => void): Promise<VerifyReport> {
  const start = performance.now();
  const { dir, manifest } = await loadManifest(opts.tree);
  const chosen = chooseSteps(manifest, opts);
  const runner = await nixRunner({ offline: opts.offline, stateDir: opts.stateDir });
  const extra = await flakeRef(runner, manifest, opts.stateDir, opts.toolchain);

  log.start(`evaluating ${dir} (${manifest.steps.length} steps) once`);
  const evalStart = performance.now();
  const paths = await evaluate(runner, dir, manifest, extra);
  const evalSeconds = (performance.now() - evalStart) / 1000;

  const reports = new Map<string, StepReport>();
  const report = (step: Step, status: StepStatus, seconds: number, more: Partial<StepReport> = {}) => {
    const r: StepReport = { id: step.id, kind: step.kind, emoji: step.emoji, label: step.label, status, seconds, drvPath: paths[step.id]?.drv, ...more };
    if (status === "passed" || status === "built") r.outPath = paths[step.id]?.out;
    reports.set(step.id, r);
    onStep?.(r, reports.size, chosen.length);
  };

  const absent = chosen.filter((s) => !paths[s.id]);
  for (const s of absent) report(s, "failed", 0, { reason: "the tree's flake does not define this step" });
  const defined = chosen.filter((s) => paths[s.id]);
  const notBuilt = await missing(runner, defined.map((s) => paths[s.id]!.out));
  for (const s of defined) if (!notBuilt.has(paths[s.id]!.out)) report(s, "built", 0);
  const toBuild = defined.filter((s) => !reports.has(s.id));
  log.info(`evaluated in ${evalSeconds.toFixed(2)}s; ${reports.size} of ${chosen.length} steps already built, building ${toBuild.length}`);

  // One realise for all of them: Nix builds them in dependency order, one at a time unless
  // --jobs says otherwise, and the log says when each starts and which fail. Starting a Nix
  // process per step would cost more than a trivial step's build.
  const byDrv = new Map(toBuild.map((s) => [paths[s.id]!.drv, s]));
  const started = new Map<string, number>();
  const running = new Set<Step>();
  const jobs = opts.jobs ?? 1;
  const failedOwn = new Set<string>();
  const finish = async (step: Step, ok: boolean) => {
    running.delete(step);
    const seconds = (performance.now() - started.get(step.id)!) / 1000;
    if (ok) report(step, "passed", seconds);
    else {
      failedOwn.add(step.id);
      report(step, "failed", seconds, { reason: await failureReason(runner, step, paths[step.id]!.drv), logCommand: logCommand(runner, paths[step.id]!.drv) });
    }
  };
  const pending: Promise<void>[] = [];
  if (toBuild.length > 0) {
    const args = ["nix-store", "--realise", "--max-jobs", String(jobs), ...(opts.keepGoing ? ["--keep-going"] : []), ...byDrv.keys()];
    await spawnWatching(args, { env: runner.env }, (line) => {
      const building = /^building '([^']+\.drv)'/.exec(line);
      const failed = /^error: builder for '([^']+\.drv)' failed/.exec(line);
      if (building && byDrv.has(building[1]!)) {
        // One at a time: a new build starting means the one before it succeeded.
        if (jobs === 1) for (const r of running) pending.push(finish(r, true));
        const step = byDrv.get(building[1]!)!;
        started.set(step.id, performance.now());
        running.add(step);
      } else if (failed && byDrv.has(failed[1]!)) {
        pending.push(finish(byDrv.get(failed[1]!)!, false));
      }
    });
    await Promise.all(pending);
  }
  // What is in the store now passed; what never started was skipped.
  const stillMissing = await missing(runner, toBuild.map((s) => paths[s.id]!.out));
  for (const step of [...running]) await finish(step, !stillMissing.has(paths[step.id]!.out));
  const failedRoot = (step: Step): string | undefined => {
    for (const d of step.deps) {
      if (failedOwn.has(d)) return d;
      const dep = manifest.steps.find((s) => s.id === d);
      const root = dep && failedRoot(dep);
      if (root) return root;
    }
    return undefined;
  };
  const firstFailure = [...failedOwn].sort()[0];
  for (const step of toBuild) {
    if (reports.has(step.id)) continue;
    if (!stillMissing.has(paths[step.id]!.out)) {
      report(step, "passed", 0);
      continue;
    }
    const root = failedRoot(step);
    report(step, "skipped", 0, {
      reason: root ? `depends on ${root}, which failed` : `not built: stopped after ${firstFailure ?? "a failure"} failed (use --keep-going)`,
    });
  }

  const steps = chosen.map((s) => reports.get(s.id)!);
  return {
    tree: dir,
    system: manifest.system,
    evalSeconds,
    totalSeconds: (performance.now() - start) / 1000,
    steps,
    ok: steps.every((r) => r.status === "passed" || r.status === "built"),
  };
}
