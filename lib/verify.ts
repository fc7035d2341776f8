// verify: evaluate a generated tree once, then build its steps in order with real Nix, one at a
// time, and say for each what happened.
import { join } from "node:path";
import { NixifyError } from "./errors.ts";
import { log } from "./log.ts";
import { nixRunner, type NixRunner } from "./nix-settings.ts";
import { spawn, tail } from "./process.ts";
import type { Manifest, Step } from "./schema.ts";
import { writeStandIn } from "./standin.ts";
import { loadManifest } from "./tree.ts";

export type VerifyOptions = {
  tree: string;
  offline: boolean;
  /** Where offline Nix keeps its store and settings. */
  stateDir: string;
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

type Paths = { [id: string]: { drv: string; out: string } };

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
async function flakeRef(runner: NixRunner, dir: string, manifest: Manifest, stateDir: string): Promise<string[]> {
  const args = [...runner.flakeArgs, "--no-write-lock-file"];
  if (runner.offline) {
    const standIn = join(stateDir, "nixpkgs-host");
    await writeStandIn(standIn, manifest.system);
    args.push("--override-input", "nixpkgs", `path:${standIn}`);
  }
  return args;
}

async function evaluate(runner: NixRunner, dir: string, manifest: Manifest, extra: string[]): Promise<Paths> {
  const r = await spawn(
    ["nix", "eval", "--json", ...extra, `path:${dir}#packages.${manifest.system}`,
      "--apply", "builtins.mapAttrs (n: p: { drv = p.drvPath; out = p.outPath; })"],
    { env: runner.env },
  );
  if (r.code !== 0) {
    throw new NixifyError("evalFailed", `evaluating ${dir} failed: ${tail(r.stderr, 1)}`, `see: nix eval path:${dir}#packages.${manifest.system} --show-trace`);
  }
  return JSON.parse(r.stdout) as Paths;
}

function logCommand(runner: NixRunner, drv: string): string {
  return runner.offline ? `NIX_CONF_DIR=${runner.env.NIX_CONF_DIR} nix log ${drv}` : `nix log ${drv}`;
}

export async function verify(opts: VerifyOptions, onStep?: (r: StepReport, n: number, total: number) => void): Promise<VerifyReport> {
  const start = performance.now();
  const { dir, manifest } = await loadManifest(opts.tree);
  const chosen = chooseSteps(manifest, opts);
  const runner = await nixRunner({ offline: opts.offline, stateDir: opts.stateDir });
  const extra = await flakeRef(runner, dir, manifest, opts.stateDir);

  log.start(`evaluating ${dir} (${manifest.steps.length} steps) once`);
  const evalStart = performance.now();
  const paths = await evaluate(runner, dir, manifest, extra);
  const evalSeconds = (performance.now() - evalStart) / 1000;
  log.info(`evaluated in ${evalSeconds.toFixed(2)}s; building ${chosen.length} steps`);

  const failed = new Map<string, string>(); // step -> the failed step it traces back to
  const byId = new Map(manifest.steps.map((s) => [s.id, s]));
  const reports: StepReport[] = [];
  let stopped: string | undefined;
  for (const [i, step] of chosen.entries()) {
    const p = paths[step.id];
    const base = { id: step.id, kind: step.kind, emoji: step.emoji, label: step.label, drvPath: p?.drv };
    const blocker = step.deps.map((d) => failed.get(d)).find((d) => d !== undefined);
    let report: StepReport;
    if (!p) {
      report = { ...base, status: "failed", seconds: 0, reason: "the tree's flake does not define this step" };
    } else if (blocker || stopped) {
      const cause = blocker ?? stopped!;
      failed.set(step.id, cause);
      report = { ...base, status: "skipped", seconds: 0, reason: blocker ? `depends on ${cause}, which failed` : `not built: stopped after ${cause} failed (use --keep-going)` };
    } else {
      report = await buildStep(runner, step, p, opts.jobs);
      if (report.status === "failed") {
        failed.set(step.id, step.id);
        if (!opts.keepGoing) stopped = step.id;
      }
    }
    reports.push(report);
    onStep?.(report, i + 1, chosen.length);
  }
  void byId;
  return {
    tree: dir,
    system: manifest.system,
    evalSeconds,
    totalSeconds: (performance.now() - start) / 1000,
    steps: reports,
    ok: reports.every((r) => r.status === "passed" || r.status === "built"),
  };
}

async function buildStep(runner: NixRunner, step: Step, p: { drv: string; out: string }, jobs?: number): Promise<StepReport> {
  const base = { id: step.id, kind: step.kind, emoji: step.emoji, label: step.label, drvPath: p.drv };
  const t0 = performance.now();
  const valid = await spawn(["nix-store", "--check-validity", p.out], { env: runner.env });
  if (valid.code === 0) return { ...base, status: "built", seconds: 0, outPath: p.out };
  const jobArgs = jobs ? ["--max-jobs", String(jobs)] : [];
  const r = await spawn(["nix-store", "--realise", p.drv, ...jobArgs], { env: runner.env });
  const seconds = (performance.now() - t0) / 1000;
  if (r.code === 0) return { ...base, status: "passed", seconds, outPath: p.out };
  const reason = step.fetch
    ? `the download could not be fetched: ${step.fetch.url} (offline? put it in the store first: nix-store --add-fixed sha256 ${step.fetch.name})`
    : tail(r.stderr, 20);
  return { ...base, status: "failed", seconds, reason, logCommand: logCommand(runner, p.drv) };
}
