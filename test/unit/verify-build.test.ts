// verify's build without Nix: the fold over the events of Nix's log (lib/verify/build-log.ts) and
// the judge of what the store holds afterwards (lib/verify/judge.ts), on the real stderr of the
// `nix-store --realise` verify runs on the sample's four steps, as recorded with its exit code and
// the steps missing afterwards (test/fixtures/unit/README.md). The clock is the line number (in
// ms): a build's seconds are the lines between its start and its builder's end, over 1000.
import { describe, expect, test } from "bun:test";
import type { EvaluatedSteps } from "../../lib/schema.ts";
import { follow, NOTHING_SAID, type BuildLog } from "../../lib/verify/build-log.ts";
import { judge, timed, type Judgement, type Realised } from "../../lib/verify/judge.ts";
import { parseRealiseLine } from "../../lib/verify/nix-output.ts";
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
const here = (start: number, end: number, done: number) => ({ start, machine: "", end, done });
const onBuilder = (start: number, end: number, done: number) => ({ start, machine: "ssh-ng://root@localhost", end, done });

describe("follow: Nix's log, folded event by event", () => {
  test.each([
    [
      "built here (--jobs 1, the builder did not answer): each build's start, its builder's end and its goal's, and Nix's word on the builder",
      fallback,
      { builds: { step001: here(150, 162, 174), step003: here(215, 227, 237), step002: here(264, 274, 284), step004: here(316, 327, 337) }, failed: [] },
      [UNREACHABLE],
    ],
    [
      "built on a builder (--jobs 0): the start and machine of Nix's hand-over, not of the builder's relayed start",
      remote,
      {
        builds: { step001: onBuilder(168, 290, 296), step003: onBuilder(240, 430, 436), step002: onBuilder(369, 463, 469), step004: onBuilder(542, 589, 595) },
        failed: [],
      },
      [],
    ],
    [
      "step001 fails: its build, Nix's word that it failed, and its summing-up",
      broken,
      { builds: { step001: here(131, 154, 161) }, failed: ["step001"] },
      [expect.stringMatching(/^error: build of '.*step002-rustc-hello.drv', .* failed$/)],
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

  test("what Nix's children print (ssh's -v lines for a builder) is kept apart, its first 20 lines only", () => {
    expect(folded(fallback.lines).othersSaid).toEqual([
      "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
      "debug1: Reading configuration data /etc/ssh/ssh_config",
      "debug1: /etc/ssh/ssh_config line 19: include /etc/ssh/ssh_config.d/*.conf matched no files",
      "debug1: /etc/ssh/ssh_config line 21: Applying options for *",
      "debug1: Connecting to 127.0.0.1 [127.0.0.1] port 1.",
      "debug1: connect to address 127.0.0.1 port 1: Connection refused",
      "ssh: connect to host 127.0.0.1 port 1: Connection refused",
    ]);
    const log = folded(remote.lines);
    expect(log.othersSaid).toHaveLength(20);
    expect(follow(log, parseRealiseLine("one more line")!, 0)).toBe(log);
  });

  test("a builder's line in the shape of Nix's JSON fails nothing (three derivations with --keep-going, step002 failing)", async () => {
    const log = folded((await fixtureText("nix-realise.log")).split("\n"));
    expect(log.failed).toEqual(["/tmp/wtc-nix/store/1h4s3aiqvj07milvw0j46dszzgqn408q-nixify-step002-rustc-hello.drv"]);
    expect(log.nixSaid).toEqual(["error: builder for '/nix/store/00000000000000000000000000000000-fake.drv' failed"]);
  });

  test("a log that stops midway: the build started has no end yet", () => {
    expect(byStep(folded(broken.lines.slice(0, 150)), broken.paths).builds).toEqual({ step001: { start: 131, machine: "" } });
  });

  test("an event leaves the state before it as it was", () => {
    const before = folded(fallback.lines.slice(0, 200));
    const copy = structuredClone(before);
    for (const e of fallback.lines.slice(200).map(parseRealiseLine)) if (e) follow(before, e, 0);
    expect(before).toEqual(copy);
    expect(NOTHING_SAID).toEqual({ builds: new Map(), activities: new Map(), failed: [], nixSaid: [], othersSaid: [] });
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
    expect(verdicts(j)).toEqual([
      { id: "step001", status: "passed", seconds: 0.012, startSeconds: 0.15, builtOn: "local" },
      { id: "step002", status: "passed", seconds: 0.01, startSeconds: 0.264, builtOn: "local" },
      { id: "step003", status: "passed", seconds: 0.012, startSeconds: 0.215, builtOn: "local" },
      { id: "step004", status: "passed", seconds: 0.011, startSeconds: 0.316, builtOn: "local" },
    ]);
    expect(j.warning).toBe(`${UNREACHABLE}; Nix built on this machine instead`);
    expect(j.error).toBeUndefined();
  });

  test("where a step's script said how long its command ran: those seconds, and the rest until Nix was done with it as its overhead", () => {
    // step001's build: start at line 150, builder's end 162, Nix done 174; its script's last line said 0.008 s.
    const id = Number(/"id":(\d+)/.exec(fallback.lines[149]!)![1]);
    const ran = `@nix {"action":"result","fields":["nixify-rust: step001: command ran 0.008000 s"],"id":${id},"type":101}`;
    const lines = [...fallback.lines.slice(0, 160), ran, ...fallback.lines.slice(161)];
    const [first, ...rest] = verdicts(judged(fallback, {}, lines));
    expect(first).toEqual({
      id: "step001",
      status: "passed",
      seconds: 0.012,
      startSeconds: 0.15,
      builtOn: "local",
      commandSeconds: 0.008,
      overheadSeconds: 0.016,
    });
    for (const v of rest) expect(v).not.toHaveProperty("commandSeconds");
  });

  test("built on a builder: each says where", () => {
    const j = judged(remote);
    expect(verdicts(j).map((v) => `${v.id} ${v.status} ${v.builtOn} ${v.seconds}`)).toEqual([
      "step001 passed ssh-ng://root@localhost 0.122",
      "step002 passed ssh-ng://root@localhost 0.094",
      "step003 passed ssh-ng://root@localhost 0.19",
      "step004 passed ssh-ng://root@localhost 0.047",
    ]);
    expect(j.warning).toBeUndefined();
  });

  test("step001 fails, without --keep-going: what waits for it, and what Nix stopped before, told apart", () => {
    expect(verdicts(judged(broken))).toEqual([
      { id: "step001", status: "failed", seconds: 0.023, startSeconds: 0.131, builtOn: "local" },
      { id: "step002", status: "skipped", seconds: 0, reason: "depends on step001, which failed" },
      { id: "step003", status: "skipped", seconds: 0, reason: "not built: stopped after step001 failed (use --keep-going)" },
      { id: "step004", status: "skipped", seconds: 0, reason: "depends on step001, which failed" },
    ]);
  });

  test("a log that stops midway: the build that started and left nothing failed, its seconds an upper bound, up to now", () => {
    const [first] = verdicts(judged(broken, { now: 173 }, broken.lines.slice(0, 150)));
    expect(first).toEqual({ id: "step001", status: "failed", seconds: 0.042, timing: "upper-bound", startSeconds: 0.131, builtOn: "local" });
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
