// verify, last stage: one verdict per step, given once and in words: which compiler a step ran,
// where it was built, why it failed (its log's tail) or what it waited for.
import type { Manifest, Step } from "../schema.ts";
import { spawn, tail } from "../process.ts";
import type { Evaluated } from "./evaluate.ts";
import type { NixRunner } from "./nix-settings.ts";
import type { StepReport, StepStatus, VerifyReport } from "./report.ts";

/**
 * Which compiler a rustc step runs: the pinned toolchain's (@rustc@), nixpkgs' (@rustc@ in a tree
 * that pins none, or `rustc` by name: its bin comes first on a step's PATH), offline the stand-in's
 * (`standInRustc`, as writeStandIn names it), the checkout's stage0 where the tree makes it, or one
 * of the tree's own stages.
 */
export function compilerOf(step: Step, manifest: Manifest, standInRustc?: string): string {
  const nixpkgs = standInRustc ?? "nixpkgs' rustc";
  if (step.command === "@rustc@") return manifest.toolchain ? `${manifest.toolchain.version} (pinned)` : nixpkgs;
  if (step.command === "rustc") return nixpkgs;
  // @build@/<host>/stage1/bin/rustc: the stage the tree built, handed over by a step.
  const stage = /^@build@\/[^/]+\/([^/]+)\/bin\/rustc$/.exec(step.command)?.[1];
  if (stage === "stage0" && manifest.stage0)
    return `${manifest.stage0.version} (the checkout's stage0 of ${manifest.stage0.date}, made by ${manifest.stage0.steps.at(-1)})`;
  return stage ? `the tree's ${stage} rustc` : step.command;
}

/** A Nix command line as the user runs it against verify's store: offline, its private one. */
function nixCommand(runner: NixRunner, command: string): string {
  return runner.offline ? `NIX_CONF_DIR=${runner.env.NIX_CONF_DIR} ${command}` : command;
}

function logCommand(runner: NixRunner, drv: string): string {
  return nixCommand(runner, `nix log ${drv}`);
}

async function failureReason(runner: NixRunner, step: Step, drv: string): Promise<string> {
  if (step.fetch) {
    const add = nixCommand(runner, `nix-store --add-fixed sha256 ${step.fetch.name}`);
    return `the download could not be fetched: ${step.fetch.url} (offline? put it in the store first: ${add})`;
  }
  const r = await spawn(["nix", ...runner.flakeArgs, "log", drv], { env: runner.env });
  return tail(r.stdout || r.stderr, 20);
}

/**
 * For each step, the first failed step it waits for (dependencies in order, depth first), or
 * none. One pass in manifest order, where dependencies come first (loadManifest checks that).
 */
export function failureRoots(steps: readonly Step[], failed: ReadonlySet<string>): Map<string, string> {
  const roots = new Map<string, string>();
  for (const s of steps) {
    for (const d of s.deps) {
      const root = failed.has(d) ? d : roots.get(d);
      if (root) {
        roots.set(s.id, root);
        break;
      }
    }
  }
  return roots;
}

/** Why a step that was to be built was not: the failed step it depends on, or the one that stopped Nix. */
export function skippedReason(root: string | undefined, stoppedBy: string | undefined, keepGoing: boolean): string {
  if (root) return `depends on ${root}, which failed`;
  if (!stoppedBy) return "not built";
  return keepGoing ? `not built: ${stoppedBy} failed` : `not built: stopped after ${stoppedBy} failed (use --keep-going)`;
}

/**
 * The verdicts so far: each step gets exactly one, told to `onStep` as it is given. A verdict
 * that needs an await (a failure's log) is claimed first, so nothing else can give one meanwhile.
 */
export class Verdicts {
  private readonly claimed = new Set<string>();
  private readonly reports = new Map<string, StepReport>();
  constructor(
    private readonly tree: Evaluated,
    private readonly onStep?: (r: StepReport, n: number, total: number) => void,
  ) {}

  has(step: Step): boolean {
    return this.claimed.has(step.id);
  }

  /** Reserves `step`'s verdict; false if it has one or is getting one. */
  claim(step: Step): boolean {
    if (this.claimed.has(step.id)) return false;
    this.claimed.add(step.id);
    return true;
  }

  /** The verdict of a claimed step. */
  record(step: Step, status: StepStatus, seconds: number, more: Partial<StepReport> = {}): void {
    const { manifest, paths } = this.tree;
    const r: StepReport = { id: step.id, kind: step.kind, emoji: step.emoji, label: step.label, status, seconds, drvPath: paths[step.id]?.drv, ...more };
    if (step.kind === "rustc") r.compiler = compilerOf(step, manifest, this.tree.standInRustc);
    if (status === "passed" || status === "built") r.outPath = paths[step.id]?.out;
    this.reports.set(step.id, r);
    this.onStep?.(r, this.reports.size, this.tree.chosen.length);
  }

  /** Gives `step` its verdict unless it has one. */
  give(step: Step, status: StepStatus, seconds: number, more: Partial<StepReport> = {}): void {
    if (this.claim(step)) this.record(step, status, seconds, more);
  }

  /** Gives `step` a failure's verdict unless it has one: claimed at once, given once its log is read. */
  async fail(step: Step, seconds: number, more: Partial<StepReport>): Promise<void> {
    if (!this.claim(step)) return;
    const { runner, paths } = this.tree;
    const drv = paths[step.id]!.drv;
    const reason = await failureReason(runner, step, drv);
    this.record(step, "failed", seconds, { ...more, reason, logCommand: logCommand(runner, drv) });
  }

  get count(): number {
    return this.reports.size;
  }

  report(totalSeconds: number): VerifyReport {
    const steps = this.tree.chosen.map((s) => this.reports.get(s.id)!);
    return {
      tree: this.tree.dir,
      system: this.tree.manifest.system,
      evalSeconds: this.tree.evalSeconds,
      evalReused: this.tree.evalReused,
      totalSeconds,
      steps,
      ok: steps.every((r) => r.status === "passed" || r.status === "built"),
    };
  }
}
