// What verify reads of Nix's own text (lib/verify/nix-output.ts): the lines of a real
// `nix-store --realise --log-format internal-json` (verify's own), and Nix's error messages.
import { describe, expect, test } from "bun:test";
import type { Manifest, Step } from "../../lib/schema.ts";
import { compilerOf } from "../../lib/verify/explain.ts";
import { nixError, parseRealiseLine, type RealiseEvent } from "../../lib/verify/nix-output.ts";
import { fixtureSteps, fixtureText } from "./fixtures.ts";

const log = (await fixtureText("nix-realise.log")).split("\n");
/** The three derivations, by their step names. */
const drv = Object.fromEntries(
  ["step001", "step002", "step003"].map((id) => [id, new RegExp(`/[^" ]+-nixify-${id}-[a-z-]+\\.drv`).exec(log.join("\n"))![0]]),
) as { step001: string; step002: string; step003: string };
/** The line step001's builder printed in the shape of Nix's JSON; Nix passed it on as its own message. */
const forged = log.find((l) => l.startsWith('@nix {"action":"msg","level":0,"msg":"error: builder for \'/nix/store/0000'))!;

describe("parseRealiseLine on a real realise of three steps", () => {
  test("each build's start, Nix's count of builds done as it goes up, and the failure of step002", () => {
    const events = log
      .filter((l) => l !== forged)
      .map(parseRealiseLine)
      .filter((e): e is RealiseEvent => e !== undefined);
    const count = events.find((e) => e.kind === "count")!;
    // Other activities' progress (the copying of paths, type 103) stays at 0; the count says each step done.
    const told = events.filter((e, i) => {
      if (e.kind !== "progress") return true;
      const before = events.slice(0, i).findLast((p) => p.kind === "progress" && p.activity === e.activity);
      return e.activity === count.activity && (before?.kind !== "progress" || before.done !== e.done);
    });
    expect(told).toEqual([
      { kind: "count", activity: count.activity },
      { kind: "progress", activity: count.activity, done: 0 },
      { kind: "start", drv: drv.step001, machine: "", activity: expect.any(Number) },
      { kind: "progress", activity: count.activity, done: 1 },
      { kind: "start", drv: drv.step003, machine: "", activity: expect.any(Number) },
      { kind: "progress", activity: count.activity, done: 2 },
      { kind: "start", drv: drv.step002, machine: "", activity: expect.any(Number) },
      // Nix's own error, in colour: "builder for '...' failed with exit code 1".
      { kind: "failed", drv: drv.step002 },
    ]);
  });

  // A builder's "@nix {...}" line is passed on by Nix as a message of its own: this one claims a failure.
  test("a builder's line in the shape of Nix's JSON is not taken for Nix's word", () => {
    expect(parseRealiseLine(forged)).toEqual({
      kind: "error",
      text: "error: builder for '/nix/store/00000000000000000000000000000000-fake.drv' failed",
      ours: true,
    });
  });

  const line = (pattern: string) => log.find((l) => l.includes(pattern))!;
  test.each<[string, string, RealiseEvent | undefined]>([
    ["an activity that is not a build (type 102)", line('"type":102'), undefined],
    ["a builder's output (a result line)", line('"fields":["compiling greeting"]'), undefined],
    [
      "a builder's last line, its command's seconds (run-step.sh)",
      line('"fields":["compiling greeting"]').replace("compiling greeting", "nixify-rust: step001: command ran 12.000345 s"),
      { kind: "ran", activity: Number(/"id":(\d+)/.exec(line('"fields":["compiling greeting"]'))![1]), seconds: 12.000345 },
    ],
    [
      "a line like it that is no result of a build",
      line("these 3 derivations will be built:").replace("these 3 derivations will be built:", "nixify-rust: step001: command ran 1.000000 s"),
      undefined,
    ],
    [
      "a builder's output that mentions Nix's actions",
      line('"fields":["compiling greeting"]').replace("compiling greeting", '\\"action\\":\\"start\\"'),
      undefined,
    ],
    ["an informational message", line("these 3 derivations will be built:"), undefined],
    ["a phase of Nix's (result 106)", line('"type":106'), undefined],
    ["an informational activity (type 0)", line('"type":0'), undefined],
    [
      "a builder's output shaped like a count of builds",
      line('"fields":["compiling greeting"]').replace('"compiling greeting"', '"\\"type\\":105"'),
      undefined,
    ],
    ["an activity's stop", line('"action":"stop"'), undefined],
    [
      "an error of Nix's that is no build failure: its first line",
      '@nix {"action":"msg","level":0,"msg":"\\u001b[31;1merror:\\u001b[0m opening lock file \'/nix/var/nix/db/big-lock\': Permission denied\\nmore"}',
      { kind: "error", text: "error: opening lock file '/nix/var/nix/db/big-lock': Permission denied", ours: true },
    ],
    [
      "a line that is not Nix's JSON (a Nix ignoring --log-format)",
      "warning: you did not specify '--add-root'; the result might be removed by the garbage collector",
      { kind: "error", text: "warning: you did not specify '--add-root'; the result might be removed by the garbage collector", ours: false },
    ],
    ["plain text in colour", "\x1b[31;1merror:\x1b[0m cannot connect to daemon  ", { kind: "error", text: "error: cannot connect to daemon", ours: false }],
    ["broken JSON", '@nix {"action":"msg","level":0,"msg":', undefined],
    ["an empty line", "", undefined],
    ["a blank line", "   ", undefined],
  ])("%s", (_, text, event) => expect(parseRealiseLine(text)).toEqual(event));
});

describe("nixError", () => {
  test.each([
    ["a missing attribute, with where", "nix-eval-missing.err", "attribute 'step004' missing (at /tmp/wtc-nix/broken.nix:1:36)"],
    ["an undefined variable, with where", "nix-eval-undef.err", "undefined variable 'undefinedThing' (at /tmp/wtc-nix/undef.nix:1:7)"],
  ])("%s", async (_, file, message) => expect(nixError(await fixtureText(file))).toBe(message));

  test.each([
    ["an error without a place", "error: getting status of '/x': No such file or directory\n", "getting status of '/x': No such file or directory"],
    [
      "colour is taken off",
      "\x1b[31;1merror:\x1b[0m flake 'path:/t' does not provide attribute 'packages.x86_64-linux'\n",
      "flake 'path:/t' does not provide attribute 'packages.x86_64-linux'",
    ],
    ["no error line: the last line said", "warning: Git tree is dirty\nsomething went wrong\n\n", "something went wrong"],
    ["nothing said", "", "no message"],
  ])("%s", (_, stderr, message) => expect(nixError(stderr)).toBe(message));
});

const steps = await fixtureSteps("compiler-1.63.steps.json");

describe("compilerOf", () => {
  const step = (id: string) => steps.find((s) => s.id === id)!;
  const manifest = (toolchain?: Manifest["toolchain"]) => ({ toolchain }) as Manifest;
  const pinned = { version: "rustc 1.63.0", hash: "sha256-GDrvLSFYPzR4taTy0eli6Bxo2ijIMMVFUokcHcceo7g=" };
  test.each<[string, Step, Manifest, string]>([
    ["the captured compiler, pinned (1.63's stage-0 calls)", step("step092"), manifest(pinned), "rustc 1.63.0 (pinned)"],
    ["the toolchain from nixpkgs when none is pinned", step("step092"), manifest(), "nixpkgs' rustc"],
    ["a stage the tree built (1.63's stage-1 core)", step("step311"), manifest(pinned), "the tree's stage1 rustc"],
    ["anything else: its command", step("step310"), manifest(pinned), "cp"],
  ])("%s", (_, s, m, text) => expect(compilerOf(s, m)).toBe(text));

  // Offline, nixpkgs' rustc is the stand-in's, which a step that calls `rustc` by name runs too.
  const standIn = "rustc 1.95.0 (59807616e 2026-04-14) at /opt/rust";
  test.each<[string, Step, Manifest, string]>([
    ["nixpkgs' rustc offline: the stand-in's", step("step092"), manifest(), standIn],
    ["rustc by name (the sample's steps): the stand-in's", { ...step("step092"), command: "rustc" }, manifest(pinned), standIn],
    ["the pinned compiler stays the pinned one", step("step092"), manifest(pinned), "rustc 1.63.0 (pinned)"],
  ])("%s", (_, s, m, text) => expect(compilerOf(s, m, standIn)).toBe(text));
});
