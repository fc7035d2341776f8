// verify's build without Nix: the fold over the events of Nix's log (lib/verify/build-log.ts) and
// the judge of what the store holds afterwards (lib/verify/judge.ts), on the real stderr of the
// `nix-store --realise` verify runs on the sample's four steps, as recorded with its exit code and
// the steps missing afterwards (test/fixtures/unit/README.md). The clock is the line number (in
// ms): a build's seconds are the lines between its start and its builder's end, over 1000.
import { describe, expect, test } from "bun:test";
import type { EvaluatedSteps } from "../../lib/schema.ts";
import { follow, NOTHING_SAID, type BuildLog } from "../../lib/verify/build-log.ts";
import { judge, timed, type Judgement, type Realised } from "../../lib/verify/judge.ts";
import { parseRealiseLine, type RealiseEvent } from "../../lib/verify/nix-output.ts";
import { fixtureRealise, fixtureSteps, fixtureText, thrown } from "./fixtures.ts";

// step001 greeting, step002 hello <- step001, step003 tool, step004 run hello <- step002
const steps = await fixtureSteps("sample.steps.json");
const step = (id: string) => steps.find((s) => s.id === id)!;

/** Lines as verify folds them, each arriving at its line number. */
function folded(lines: readonly string[]): BuildLog {
  return lines.reduce((log, line, i) => {
    const e = parseRealiseLine(line);
    return e ? follow(log, e, i + 1) : log;
  }, NOTHING_SAID);
}

/** The builds by step id, the failures by step id (or derivation), for reading. */
function byStep(log: BuildLog, paths: EvaluatedSteps) {
  const id = (drv: string) => Object.keys(paths).find((k) => paths[k]!.drv === drv) ?? drv;
  return { builds: Object.fromEntries([...log.builds].map(([drv, b]) => [id(drv), b])), failed: log.failed.map(id) };
}

const broken = await fixtureRealise("realise-broken.log");
const fallback = await fixtureRealise("realise-fallback.log");
const noBuilder = await fixtureRealise("realise-no-builder.log");
const remote = await fixtureRealise("realise-remote.log");
const UNREACHABLE =
  "cannot build on 'ssh-ng://nixify@127.0.0.1': error: cannot open connection to remote store 'ssh-ng://nixify@127.0.0.1': error: unexpected end-of-file";
/** A build as the fold keeps it: its start, its builder's end (its step's last line), Nix done with it, its command's seconds. */
const here = (start: number, end: number, done: number, command: number) => ({ start, machine: "", end, done, command });
const onBuilder = (start: number, end: number, done: number, command: number) => ({ start, machine: "ssh-ng://root@localhost", end, done, command });

describe("follow: Nix's log, folded event by event", () => {
  test.each([
    [
      "built here (--jobs 1, the builder did not answer): each build's start, its step's last line, Nix's count of builds done, and Nix's word on the builder",
      fallback,
      {
        builds: {
          step001: here(33, 39, 40, 0.09284),
          step003: here(44, 50, 51, 0.139196),
          step002: here(55, 61, 62, 0.176327),
          step004: here(66, 73, 74, 0.002894),
        },
        failed: [],
      },
      [UNREACHABLE],
    ],
    [
      "built on a builder (--jobs 0): the start and machine of Nix's hand-over, not of the builder's relayed start",
      remote,
      {
        builds: {
          step001: onBuilder(31, 68, 86, 0.11604),
          step003: onBuilder(38, 115, 130, 0.206904),
          step002: onBuilder(92, 155, 170, 0.168628),
          step004: onBuilder(176, 203, 218, 0.002753),
        },
        failed: [],
      },
      [],
    ],
    [
      "step001 fails: its build (its step's last line the end), Nix's word that it failed, and its summing-up",
      broken,
      { builds: { step001: { start: 29, machine: "", end: 43, command: 0.040716 } }, failed: ["step001"] },
      [expect.stringMatching(/^error: build of '.*step001-rustc-greeting.drv'.* failed$/)],
    ],
    [
      "no builder answers (--jobs 0): no build, Nix's two words",
      noBuilder,
      { builds: {}, failed: [] },
      [UNREACHABLE, "error: unable to start any build; remote machines may not have all required system features."],
    ],
  ])("%s", (_, run, want, nixSaid) => {
    const log = folded(run.lines);
    expect(byStep(log, run.paths)).toEqual(want);
    expect(log.nixSaid).toEqual(nixSaid);
  });

  test("what Nix's children print (the ssh it runs for a builder) is kept apart, its first 20 lines only", () => {
    expect(folded(fallback.lines).othersSaid).toEqual(["ssh: connect to host 127.0.0.1 port 1: Connection refused"]);
    const many = folded(Array.from({ length: 25 }, (_, i) => `line ${i}`));
    expect(many.othersSaid).toHaveLength(20);
    expect(follow(many, parseRealiseLine("one more line")!, 0)).toBe(many);
  });

  test("a builder's line in the shape of Nix's JSON fails nothing (three derivations with --keep-going, step002 failing)", async () => {
    const lines = (await fixtureText("nix-realise.log")).split("\n");
    const drv = (name: string) => new RegExp(`/[^" ]+-nixify-${name}\\.drv`).exec(lines.join("\n"))![0];
    const log = folded(lines);
    expect(log.failed).toEqual([drv("step002-rustc-hello")]);
    expect(log.nixSaid).toEqual(["error: builder for '/nix/store/00000000000000000000000000000000-fake.drv' failed"]);
    // Nix's count of builds done: the /bin/sh builders print no last line, and one job runs at a time.
    expect(log.done).toEqual([drv("step001-rustc-greeting"), drv("step003-rustc-tool")]);
  });

  test("with two builds running, the count's next done is the one whose step ended first", () => {
    // step001 and step003 handed to the builder (2 jobs) together; step003 starts later but ends first here.
    const [s1, s3] = [remote.paths.step001!.drv, remote.paths.step003!.drv];
    const events: RealiseEvent[] = [
      { kind: "count", activity: 1 },
      { kind: "start", drv: s1, machine: "m", activity: 2 },
      { kind: "start", drv: s3, machine: "m", activity: 3 },
      { kind: "ran", activity: 3, seconds: 1 },
      { kind: "progress", activity: 9, done: 1 },
      { kind: "progress", activity: 1, done: 1 },
      { kind: "progress", activity: 1, done: 2 },
    ];
    const log = events.reduce((l, e, i) => follow(l, e, i + 1), NOTHING_SAID);
    expect(log.done).toEqual([s3, s1]);
    expect(log.builds.get(s3)).toEqual({ start: 3, machine: "m", command: 1, end: 4, done: 6 });
    // One without its step's last line: its builder's end is when Nix was done with it.
    expect(log.builds.get(s1)).toEqual({ start: 2, machine: "m", end: 7, done: 7 });
  });

  test("a log that stops midway: the build started has no end yet", () => {
    expect(byStep(folded(broken.lines.slice(0, 40)), broken.paths).builds).toEqual({ step001: { start: 29, machine: "" } });
  });

  test("an event leaves the state before it as it was", () => {
    const before = folded(fallback.lines.slice(0, 45));
    const copy = structuredClone(before);
    for (const e of fallback.lines.slice(45).map(parseRealiseLine)) if (e) follow(before, e, 0);
    expect(before).toEqual(copy);
    expect(NOTHING_SAID).toEqual({ builds: new Map(), activities: new Map(), doneCount: 0, done: [], failed: [], nixSaid: [], othersSaid: [] });
  });
});

type Run = Awaited<ReturnType<typeof fixtureRealise>>;
/** What verify hands the judge after `run`: its log, and the store's and Nix's word (or other evidence). */
function judged(run: Run, evidence: Partial<Realised> = {}, lines = run.lines): Judgement {
  const log = folded(lines);
  const { paths, code } = run;
  return judge(log, { steps, paths, toBuild: steps, missing: new Set(run.missing), code, keepGoing: false, asked: 0, now: run.lines.length, ...evidence });
}
const verdicts = (j: Judgement) => j.verdicts.map((v) => ({ id: v.step.id, status: v.status, seconds: v.seconds, ...v.more }));
/** The judge's error, as its exit code's name and its message. */
const error = (j: Judgement) =>
  thrown(() => {
    if (j.error) throw j.error;
  });

describe("judge: a verdict for each step, from the log and the store", () => {
  test("built here: each passed, in its own seconds; the builder that did not answer is said first", () => {
    const j = judged(fallback);
    expect(verdicts(j).map(({ id, status, seconds, startSeconds, builtOn }) => ({ id, status, seconds, startSeconds, builtOn }))).toEqual([
      { id: "step001", status: "passed", seconds: 0.006, startSeconds: 0.033, builtOn: "local" },
      { id: "step002", status: "passed", seconds: 0.006, startSeconds: 0.055, builtOn: "local" },
      { id: "step003", status: "passed", seconds: 0.006, startSeconds: 0.044, builtOn: "local" },
      { id: "step004", status: "passed", seconds: 0.007, startSeconds: 0.066, builtOn: "local" },
    ]);
    expect(j.warning).toBe(`${UNREACHABLE}; Nix built on this machine instead`);
    expect(j.error).toBeUndefined();
  });

  test("where a step's script said how long its command ran: those seconds, and the rest until Nix was done with it as its overhead", () => {
    // step001's build: start at line 33, its last line 39 (said here: 0.004 s), Nix done 40.
    const lines = fallback.lines.map((l) => l.replace(/step001: command ran [\d.]+ s/, "step001: command ran 0.004000 s"));
    const [first] = verdicts(judged(fallback, {}, lines));
    expect(first).toEqual({
      id: "step001",
      status: "passed",
      seconds: 0.006,
      startSeconds: 0.033,
      builtOn: "local",
      commandSeconds: 0.004,
      overheadSeconds: expect.closeTo(0.003, 9),
    });
  });

  test("built on a builder: each says where", () => {
    const j = judged(remote);
    expect(verdicts(j).map((v) => `${v.id} ${v.status} ${v.builtOn} ${v.seconds}`)).toEqual([
      "step001 passed ssh-ng://root@localhost 0.037",
      "step002 passed ssh-ng://root@localhost 0.063",
      "step003 passed ssh-ng://root@localhost 0.077",
      "step004 passed ssh-ng://root@localhost 0.027",
    ]);
    expect(j.warning).toBeUndefined();
  });

  test("step001 fails, without --keep-going: what waits for it, and what Nix stopped before, told apart", () => {
    expect(verdicts(judged(broken))).toEqual([
      { id: "step001", status: "failed", seconds: 0.014, startSeconds: 0.029, builtOn: "local", commandSeconds: 0.040716 },
      { id: "step002", status: "skipped", seconds: 0, reason: "depends on step001, which failed" },
      { id: "step003", status: "skipped", seconds: 0, reason: "not built: stopped after step001 failed (use --keep-going)" },
      { id: "step004", status: "skipped", seconds: 0, reason: "depends on step001, which failed" },
    ]);
  });

  test("a log that stops midway: the build that started and left nothing failed, its seconds an upper bound, up to now", () => {
    const [first] = verdicts(judged(broken, { now: 50 }, broken.lines.slice(0, 40)));
    expect(first).toEqual({ id: "step001", status: "failed", seconds: 0.021, timing: "upper-bound", startSeconds: 0.029, builtOn: "local" });
  });

  test("a build that started and left nothing failed, even if Nix did not say so", () => {
    const j = judged(fallback, { code: 100, missing: new Set(["step004"]) });
    expect(verdicts(j).map((v) => `${v.id} ${v.status}`)).toEqual(["step001 passed", "step002 passed", "step003 passed", "step004 failed"]);
  });

  test("a step the log never shows started: its time is unknown", () => {
    const verdict = timed(step("step001"), "failed", folded(noBuilder.lines), { paths: noBuilder.paths, asked: 0, now: 143 });
    expect(verdict).toEqual({ step: step("step001"), status: "failed", seconds: 0, more: { timing: "unknown" } });
  });
});

describe("judge: Nix failing for no step's fault is an error, never a verdict", () => {
  test("no builder answers and this machine may not build (--jobs 0): Nix's reason", async () => {
    const j = judged(noBuilder);
    expect(await error(j)).toEqual({ code: "noBuilder", message: `no builder could take the steps: ${UNREACHABLE}` });
    expect(j.verdicts).toEqual([]);
    expect(j.warning).toBeUndefined();
  });

  test.each<[string, Run, Partial<Realised>, string[] | undefined, string]>([
    [
      "Nix says it built everything, but the store lacks a step",
      fallback,
      { missing: new Set(["step003"]) },
      undefined,
      `nix-store --realise said it built everything, but step003's output ${fallback.paths.step003!.out} is not in the store`,
    ],
    [
      "Nix crashes (not a build failure) with no step failing: its first words",
      broken,
      { code: 1 },
      ["error: unexpected end-of-file in the build loop"],
      "nix-store --realise failed (exit code 1) with no step failing: error: unexpected end-of-file in the build loop",
    ],
    ["... or that it said nothing", broken, { code: 1 }, [], "nix-store --realise failed (exit code 1) with no step failing: it said nothing"],
  ])("%s", async (_, run, evidence, lines, message) => {
    const j = judged(run, evidence, lines);
    expect(await error(j)).toEqual({ code: "nixFailed", message });
    expect(j.verdicts).toEqual([]);
  });

  test("the builder that did not answer is still said before the error", () => {
    expect(judged(fallback, { missing: new Set(["step003"]) }).warning).toBe(`${UNREACHABLE}; Nix built on this machine instead`);
  });
});
