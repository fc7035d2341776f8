// verify: evaluate a generated tree once, then build its steps with real Nix (one at a time unless
// --jobs) and say for each what happened, exactly once. A step passed only if its output is in the
// store afterwards; Nix failing for no step's fault is an error (nixFailed), never a verdict.
import { join } from "node:path";
import { NixifyError } from "./errors.ts";
import { log } from "./log.ts";
import { canBuild, parseMachines } from "./machines.ts";
import { nixRunner, type NixRunner } from "./nix-settings.ts";
import { plainText, spawn, spawnWatching, tail } from "./process.ts";
import * as v from "valibot";
import { EvaluatedStepsSchema, issueText, type EvaluatedSteps, type Manifest, type Step } from "./schema.ts";
import { writeStandIn } from "./standin.ts";
import { TOOLCHAIN_NAME } from "./toolchain.ts";
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
  /** Builds Nix may run at once on this machine (its --max-jobs); 0: none, every step goes to a builder. */
  jobs?: number;
  /** Remote builders in Nix's syntax (its `builders` setting): where Nix may hand steps. */
  builders?: string;
  /** Build the tree against this checkout instead of the one it was generated from (the same sources with a change). */
  src?: string;
};

export type StepStatus = "passed" | "failed" | "skipped" | "built";

export type StepReport = {
  id: string;
  kind: Step["kind"];
  emoji: string;
  label: string;
  status: StepStatus;
  /** Its own build time: from Nix's "building" line to the end of its builder, as Nix's log shows them. */
  seconds: number;
  /**
   * Set when the log did not show both ends: "upper-bound" (no end seen; `seconds` runs until
   * verify learned the result), "unknown" (no start seen; `seconds` is 0).
   */
  timing?: "upper-bound" | "unknown";
  outPath?: string;
  drvPath?: string;
  /** Why it failed or was skipped: the log's tail, or the step it waited for. */
  reason?: string;
  logCommand?: string;
  /** The compiler a rustc step runs: the pinned (or nixpkgs') one, or one the tree builds, named by where it lies. */
  compiler?: string;
  /** Where Nix built it: "local" (this machine), or the store URI of the remote builder it handed the step to. */
  builtOn?: string;
};

export type VerifyReport = {
  tree: string;
  system: string;
  evalSeconds: number;
  totalSeconds: number;
  steps: StepReport[];
  ok: boolean;
};

/** Nix's own error in one line: its `error:` line (and where, if it says), not the --show-trace hint. */
export function nixError(stderr: string): string {
  const lines = plainText(stderr).split("\n");
  const i = lines.findIndex((l) => l.startsWith("error:"));
  if (i < 0) return lines.map((l) => l.trim()).filter(Boolean).at(-1) ?? "no message";
  const at = lines.slice(i + 1, i + 4).map((l) => /^\s+at (\S.*):$/.exec(l)?.[1]).find(Boolean);
  return `${lines[i]!.slice("error:".length).trim()}${at ? ` (at ${at})` : ""}`;
}

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
  const chosen = manifest.steps.filter(
    (s) => s.index >= from && s.index <= to && (opts.only === undefined || opts.only.includes(s.id)),
  );
  // Building nothing and saying ✔ would look like success.
  if (chosen.length === 0) {
    const asked = [opts.from && `--from ${opts.from}`, opts.to && `--to ${opts.to}`, opts.only && `--only ${opts.only.join(",")}`].filter(Boolean).join(" ");
    throw new NixifyError("badInput", `no step to build: ${asked || "the tree has no steps"} chooses none`, from > to ? "--from must not come after --to" : "list the tree's steps with: nixify-rust graph");
  }
  return chosen;
}

/**
 * The builders' spec is Nix's; what Nix would reject mid-build is refused here. With --jobs 0 this
 * machine builds nothing: some builder must build the tree's system (offline, only --builders
 * names builders; online, the machine's Nix settings may too, and Nix says if none fits).
 */
function checkBuilders(opts: VerifyOptions, system: string): void {
  const machines = parseMachines(opts.builders ?? "");
  if (opts.jobs !== 0 || canBuild(machines, system)) return;
  if (opts.builders !== undefined || opts.offline) {
    throw new NixifyError("noBuilder", `--jobs 0 builds nothing on this machine, and no builder ${opts.builders === undefined ? "is given" : "in --builders builds " + system}`, `name one with --builders 'ssh-ng://HOST ${system} KEY 4' (Nix's machines syntax), or let this machine build (--jobs 1)`);
  }
}

/** Arguments that point a nix command at the tree (and, offline, at the stand-in for nixpkgs). */
async function flakeRef(runner: NixRunner, manifest: Manifest, stateDir: string, toolchain?: string, src?: string): Promise<string[]> {
  const args = [...runner.flakeArgs, "--no-write-lock-file"];
  if (src !== undefined) args.push("--override-input", "src", `path:${src}`);
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
    log.debug(`nix eval said:\n${plainText(r.stderr).trimEnd()}`);
    throw new NixifyError("evalFailed", `evaluating ${dir} failed: ${nixError(r.stderr)}`, `see: nix eval path:${dir}#packages.${manifest.system} --show-trace (or verify --verbose for all Nix said)`);
  }
  const parsed = v.safeParse(EvaluatedStepsSchema, JSON.parse(r.stdout));
  if (!parsed.success) throw new NixifyError("evalFailed", `evaluating ${dir} gave no derivations: ${issueText(parsed.issues)}`);
  return parsed.output;
}

function logCommand(runner: NixRunner, drv: string): string {
  return runner.offline ? `NIX_CONF_DIR=${runner.env.NIX_CONF_DIR} nix log ${drv}` : `nix log ${drv}`;
}

const BUILDER_HINT = "check that each builder answers: nix store ping --store URI (an ssh port or key goes in NIX_SSHOPTS or ~/.ssh/config); or let this machine build too (--jobs 1)";

const NIX_BROKE_HINT = "this is Nix failing, not a step: check that its store is readable, writable and not full (offline: the store under --state)";

/** Which of `outs` are not in the store: one call for all of them. An unanswered query is an error, never "none". */
async function missing(runner: NixRunner, outs: string[]): Promise<Set<string>> {
  if (outs.length === 0) return new Set();
  const r = await spawn(["nix-store", "--check-validity", "--print-invalid", ...outs], { env: runner.env });
  if (r.code !== 0) {
    throw new NixifyError("nixFailed", `Nix could not say which steps are in the store: nix-store --check-validity exited with ${r.code}: ${nixError(r.stderr)}`, NIX_BROKE_HINT);
  }
  const asked = new Set(outs);
  return new Set(r.stdout.split("\n").filter((p) => asked.has(p)));
}

/** Which compiler a rustc step runs: the toolchain's (@rustc@), or one of the tree's own stages. */
export function compilerOf(step: Step, manifest: Manifest): string {
  if (step.command === "@rustc@") return manifest.toolchain ? `${manifest.toolchain.version} (pinned)` : "nixpkgs' rustc";
  // @build@/<host>/stage1/bin/rustc: the stage the tree built, handed over by a step.
  const stage = /^@build@\/[^/]+\/([^/]+)\/bin\/rustc$/.exec(step.command)?.[1];
  return stage ? `the tree's ${stage} rustc` : step.command;
}

/**
 * A depth-rustc tree builds with the compiler it was captured with, pinned by hash: --toolchain
 * adds that folder to the store (a folder with other bytes gives another path, and is refused).
 */
async function ensureToolchain(runner: NixRunner, manifest: Manifest, paths: EvaluatedSteps, toolchain: string | undefined): Promise<void> {
  const pin = paths.toolchain?.out;
  if (!manifest.toolchain || !pin) return;
  if (!(await missing(runner, [pin])).has(pin)) return;
  const pinned = `(${manifest.toolchain.version}, ${manifest.toolchain.hash})`;
  if (!toolchain) {
    throw new NixifyError("badInput", `this tree builds with the compiler it was captured with ${pinned}, which is not in the store`, "pass its folder once with --toolchain DIR (what `rustc --print sysroot` prints for it)");
  }
  // The pin is of the compiler's real sysroot (a toolchain folder may reach it through links).
  const sysroot = await spawn([join(toolchain, "bin", "rustc"), "--print", "sysroot"]);
  if (sysroot.code !== 0) throw new NixifyError("badInput", `--toolchain ${toolchain} has no working bin/rustc`, "pass a folder with bin/rustc, e.g. what `rustc --print sysroot` prints");
  const r = await spawn(["nix", ...runner.flakeArgs, "store", "add-path", "--name", TOOLCHAIN_NAME, sysroot.stdout.trim()], { env: runner.env });
  if (r.code !== 0) throw new NixifyError("nixFailed", `adding --toolchain ${toolchain} to the store failed: ${nixError(r.stderr)}`, NIX_BROKE_HINT);
  if ((await missing(runner, [pin])).has(pin)) {
    throw new NixifyError("badInput", `--toolchain ${toolchain} is not the compiler this tree was captured with ${pinned}: its contents differ`, "pass the very folder the tree was captured with; to build with another compiler, generate the tree with it");
  }
}

async function failureReason(runner: NixRunner, step: Step, drv: string): Promise<string> {
  if (step.fetch) {
    return `the download could not be fetched: ${step.fetch.url} (offline? put it in the store first: nix-store --add-fixed sha256 ${step.fetch.name})`;
  }
  const r = await spawn(["nix", ...runner.flakeArgs, "log", drv], { env: runner.env });
  return tail(r.stdout || r.stderr, 20);
}

/** What verify follows in the log of `nix-store --realise --log-format internal-json -vvv`. */
export type RealiseEvent =
  /** Nix started building `drv`, on `machine` (a remote builder's store URI, or "" for this machine). */
  | { kind: "start"; drv: string; machine: string }
  /** Its builder exited (for a remote build: its outputs are copied back); its goal is done (outputs registered if it succeeded); it failed. */
  | { kind: "end" | "done" | "failed"; drv: string }
  /**
   * Any other error of Nix's (its first line), or a line that is not Nix's JSON (`ours` false:
   * what a child of Nix printed, such as the debug lines of the ssh it runs for a remote builder).
   */
  | { kind: "error"; text: string; ours: boolean };

export function parseRealiseLine(line: string): RealiseEvent | undefined {
  if (!line.startsWith("@nix {")) return line.trim() ? { kind: "error", text: plainText(line).trim(), ours: false } : undefined;
  // Only activity starts and messages matter; a builder's own output ("result" lines) never
  // counts as Nix's word, whatever it prints.
  if (!line.includes('"action":"start"') && !line.includes('"action":"msg"')) return undefined;
  let e: { action?: unknown; type?: unknown; fields?: unknown; level?: unknown; msg?: unknown; raw_msg?: unknown };
  try {
    e = JSON.parse(line.slice("@nix ".length)) as typeof e;
  } catch {
    return undefined;
  }
  // Activity type 105 is a build; its fields the derivation and the machine Nix handed it to
  // ("" for this one). A remote build shows twice: Nix's hand-over, then the builder's own
  // activity (machine ""), relayed.
  if (e.action === "start" && e.type === 105 && Array.isArray(e.fields) && typeof e.fields[0] === "string") {
    return { kind: "start", drv: e.fields[0], machine: typeof e.fields[1] === "string" ? e.fields[1] : "" };
  }
  if (e.action !== "msg" || typeof e.msg !== "string") return undefined;
  const msg = plainText(e.msg);
  if (e.level === 0) {
    // Nix's own errors carry raw_msg; a builder's line in the shape of Nix's JSON, which Nix 2.8
    // relays as a message, does not, and must not fail another step.
    const failed = typeof e.raw_msg === "string" ? /^error: builder for '([^']+\.drv)' failed/.exec(msg) : null;
    return failed ? { kind: "failed", drv: failed[1]! } : { kind: "error", text: msg.split("\n")[0]!.trim(), ours: true };
  }
  // Debug messages (-vvv) of Nix 2.8's derivation goal: the builder's exit, and the goal's end.
  const end = /^builder process for '([^']+\.drv)' finished$/.exec(msg);
  if (end) return { kind: "end", drv: end[1]! };
  const done = /^building of '([^'!]+\.drv)(?:![^']*)?' from \.drv file: done$/.exec(msg);
  if (done) return { kind: "done", drv: done[1]! };
  return undefined;
}

/** `nix-store --realise` exit codes that mean some build failed: 0x60 plus Nix's failure bits (100 = a builder failed). */
function isBuildFailureCode(code: number): boolean {
  return code > 0x60 && code < 0x70;
}

/**
 * For each step, the first failed step it waits for (dependencies in order, depth first), or
 * none. One pass in manifest order, where dependencies come first (loadManifest checks that).
 */
function failureRoots(steps: readonly Step[], failed: ReadonlySet<string>): Map<string, string> {
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

export async function verify(opts: VerifyOptions, onStep?: (r: StepReport, n: number, total: number) => void): Promise<VerifyReport> {
  const start = performance.now();
  const { dir, manifest } = await loadManifest(opts.tree);
  const chosen = chooseSteps(manifest, opts);
  // Depth cargo's planned cargo calls lean on hand-overs the bootstrap binary makes between them
  // in its own code: they cannot build as steps, and saying so beats an hour of failures.
  const planned = chosen.filter((s) => s.kind === "cargo" && s.outputs !== undefined);
  if (planned.length > 0) {
    throw new NixifyError(
      "badInput",
      `${planned.length} of the chosen steps (${planned[0]!.id}${planned.length > 1 ? ", ..." : ""}) are cargo calls of the bootstrap's plan (--depth cargo), which do not build through Nix: the bootstrap hands sysroots between them in its own code`,
      "to build a compiler through Nix, generate the tree with --depth rustc; --only the other steps (downloads, the bootstrap crate) still builds",
    );
  }
  checkBuilders(opts, manifest.system);
  const runner = await nixRunner({ offline: opts.offline, stateDir: opts.stateDir });
  const extra = await flakeRef(runner, manifest, opts.stateDir, opts.toolchain, opts.src);

  log.start(`evaluating ${dir} (${manifest.steps.length} steps) once`);
  const evalStart = performance.now();
  const paths = await evaluate(runner, dir, manifest, extra);
  const evalSeconds = (performance.now() - evalStart) / 1000;
  await ensureToolchain(runner, manifest, paths, opts.toolchain);
  const out = (s: Step) => paths[s.id]!.out;
  const drv = (s: Step) => paths[s.id]!.drv;

  // Each step is reported once: `decided` is marked when its verdict is known, before any await.
  const decided = new Set<string>();
  const reports = new Map<string, StepReport>();
  const report = (step: Step, status: StepStatus, seconds: number, more: Partial<StepReport> = {}) => {
    const r: StepReport = { id: step.id, kind: step.kind, emoji: step.emoji, label: step.label, status, seconds, drvPath: paths[step.id]?.drv, ...more };
    if (step.kind === "rustc") r.compiler = compilerOf(step, manifest);
    if (status === "passed" || status === "built") r.outPath = paths[step.id]?.out;
    reports.set(step.id, r);
    onStep?.(r, reports.size, chosen.length);
  };
  const decide = (step: Step): boolean => {
    if (decided.has(step.id)) return false;
    decided.add(step.id);
    return true;
  };

  const absent = chosen.filter((s) => !paths[s.id]);
  for (const s of absent) if (decide(s)) report(s, "failed", 0, { reason: "the tree's flake does not define this step" });
  const defined = chosen.filter((s) => paths[s.id]);
  const notBuilt = await missing(runner, defined.map(out));
  for (const s of defined) if (!notBuilt.has(out(s)) && decide(s)) report(s, "built", 0);
  const toBuild = defined.filter((s) => !decided.has(s.id));
  log.info(`evaluated in ${evalSeconds.toFixed(2)}s; ${reports.size} of ${chosen.length} steps already built, building ${toBuild.length}`);

  // One realise for all of them: Nix builds them in dependency order, one at a time unless
  // --jobs says otherwise. Starting a Nix process per step would cost more than a trivial
  // step's build. Its JSON log (at debug level, -vvv) says when each build starts and when its
  // builder exits, so a step's seconds are its own even with several jobs; whether it passed is
  // only ever read from the store.
  const wanted = new Set(toBuild.map((s) => s.id));
  const byDrv = new Map(manifest.steps.filter((s) => paths[s.id]).map((s) => [drv(s), s]));
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const failedOwn = new Set<string>();
  const otherFailures: string[] = [];
  const nixSaid: string[] = [];
  const othersSaid: string[] = [];
  const machines = new Map<string, string>();
  /** A step's own seconds, and where it was built. */
  const timing = (step: Step): Pick<StepReport, "seconds" | "timing" | "builtOn"> => {
    const from = started.get(step.id);
    if (from === undefined) return { seconds: 0, timing: "unknown" };
    const builtOn = machines.get(step.id) || "local";
    const to = ended.get(step.id);
    return to === undefined ? { seconds: (performance.now() - from) / 1000, timing: "upper-bound", builtOn } : { seconds: (to - from) / 1000, builtOn };
  };
  const pending: Promise<void>[] = [];
  const fail = (step: Step) => {
    failedOwn.add(step.id);
    if (!wanted.has(step.id) || !decide(step)) return;
    const { seconds, ...more } = timing(step);
    pending.push(failureReason(runner, step, drv(step)).then((reason) => report(step, "failed", seconds, { ...more, reason, logCommand: logCommand(runner, drv(step)) })));
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
        for (const s of batch) {
          if (!invalid || invalid.has(out(s)) || !decide(s)) continue;
          const { seconds, ...more } = timing(s);
          report(s, "passed", seconds, more);
        }
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
  const roots = failureRoots(manifest.steps, failedOwn);
  const stoppedBy = [...failedOwn].sort()[0] ?? otherFailures[0];
  for (const step of toBuild) {
    if (!decide(step)) continue;
    if (!stillMissing.has(out(step))) {
      const { seconds, ...more } = timing(step);
      report(step, "passed", seconds, more);
      continue;
    }
    const root = roots.get(step.id);
    const why = !stoppedBy ? "not built" : opts.keepGoing ? `not built: ${stoppedBy} failed` : `not built: stopped after ${stoppedBy} failed (use --keep-going)`;
    report(step, "skipped", 0, { reason: root ? `depends on ${root}, which failed` : why });
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
