// The bootstrap's hand-overs: the copies of call outputs in sysroots (as the capture found them,
// test/unit/sysroots.test.ts) become hand-over steps, one per set of copies the calls saw.
import { describe, expect, test } from "bun:test";
import type { Sysroots } from "../../lib/capture/sysroots.ts";
import { disjointHandovers, findHandovers } from "../../lib/steps/handovers.ts";
import type { Step } from "../../lib/schema.ts";
import { fixtureSteps, observedCall } from "./fixtures.ts";

const build = "/checkout/build";
const host = `${build}/x86_64-unknown-linux-gnu`;
const deps = `${host}/stage0-std/release/deps`;
const sysroot = `${host}/stage0-sysroot/lib/rustlib/x86_64-unknown-linux-gnu/lib`;
const stage1 = `${host}/stage1`;

const call = (outputs: string[], sees: string[] = []) => observedCall(outputs, sees, { cwd: build });
const sysroots = (origins: Array<[string, string]>, final: Array<[string, string[]]> = []): Sysroots => ({
  final: new Map(final),
  origins: new Map(origins),
  unexplained: [],
});

test("copies into sysroots become hand-overs, grouped by what each call saw", () => {
  const inSysroot: [string, string] = [`${sysroot}/libcore-1.rlib`, `${sysroot}/libstd-2.rlib`];
  const records = [
    call([`${deps}/libcore-1.rlib`]),
    call([`${deps}/libstd-2.rlib`]),
    call([`${host}/stage0-rustc/release/rustc-main`], inSysroot),
    call([`${host}/stage0-rustc/release/other`], [...inSysroot].reverse()),
    call([`${host}/stage1-std/libcore.rlib`], [`${stage1}/bin/rustc`, `${stage1}/lib/stamp`]),
  ];
  const found = sysroots(
    [
      [inSysroot[0], `${deps}/libcore-1.rlib`],
      [inSysroot[1], `${deps}/libstd-2.rlib`],
      [`${stage1}/bin/rustc`, `${host}/stage0-rustc/release/rustc-main`],
    ],
    [[stage1, [`${stage1}/bin/rustc`, `${stage1}/lib/stamp`]]],
  );
  const h = findHandovers(records, build, found);

  expect(h.records.map((r) => r.args)).toEqual([
    [`${deps}/libcore-1.rlib`, inSysroot[0], `${deps}/libstd-2.rlib`, inSysroot[1]],
    [`${host}/stage0-rustc/release/rustc-main`, `${stage1}/bin/rustc`],
  ]);
  expect(h.records.every((r) => r.tool === "handover")).toBe(true);
  expect(h.records[0]!.inputs).toEqual([`${deps}/libcore-1.rlib`, `${deps}/libstd-2.rlib`]);
  // Both compiler calls saw the same two copies: one hand-over serves both.
  expect([...h.readBy]).toEqual([
    [2, [0]],
    [3, [0]],
    [4, [1]],
  ]);
});

describe("hand-over steps", () => {
  test("a hand-over runs cp beside the build dir, with no environment", () => {
    const [h] = findHandovers([call(["/b/a"]), call([], ["/b/b"])], "/b/build", sysroots([["/b/b", "/b/a"]])).records;
    expect(h).toEqual({
      type: "observed",
      schema: 1,
      tool: "handover",
      command: "cp",
      args: ["/b/a", "/b/b"],
      env: {},
      cwd: "/b",
      inputs: ["/b/a"],
      outputs: ["/b/b"],
    });
  });

  test("a final sysroot some call already saw whole is no second hand-over; nothing seen, nothing handed over", () => {
    const seenWhole = findHandovers([call(["/b/a"]), call([], ["/b/b"])], "/b", sysroots([["/b/b", "/b/a"]], [["/b", ["/b/b"]]]));
    expect(seenWhole.records).toHaveLength(1);
    expect(findHandovers([call(["/b/a"])], "/b", sysroots([]))).toEqual({ records: [], readBy: new Map() });
  });
});

describe("disjointHandovers, on hand-overs of Rust 1.95's real capture", async () => {
  // step157 hands the stage-0 toolchain's std into stage0-sysroot; step428, read by anstyle
  // (step429), hands it all again with the compiler's libraries; step494 and step516 fill stage1,
  // the last read by no step (the sysroot as the build left it).
  const steps = await fixtureSteps("handovers-1.95.steps.json");
  const after = disjointHandovers(steps);
  const tos = (s: Step) => s.args.filter((_, i) => i % 2 === 1);
  const [first, second, reader, small, last] = after as [Step, Step, Step, Step, Step];

  test("a hand-over read by a step copies only what no earlier one it holds whole copies", () => {
    expect(first.label).toBe("handover x86_64-unknown-linux-gnu/stage0-sysroot (89 files)");
    expect(second.label).toBe("handover x86_64-unknown-linux-gnu/stage0-sysroot (254 files)");
    expect(second.outputs).toEqual(tos(second));
    expect(tos(second).filter((to) => tos(first).includes(to))).toEqual([]);
    expect(new Set([...tos(first), ...tos(second)])).toEqual(new Set(tos(steps[1]!)));
    // Each copy still comes from where it did.
    const from = new Map(steps[1]!.args.flatMap((a, i) => (i % 2 === 1 ? [[a, steps[1]!.args[i - 1]]] : [])));
    second.args.forEach((a, i) => i % 2 === 1 && expect(second.args[i - 1]).toBe(from.get(a)!));
  });

  test("its readers read both, and the numbers follow", () => {
    expect(reader.deps).toEqual([first.id, second.id]);
    expect(BigInt(reader.composite)).toBe(BigInt(reader.prime) * BigInt(first.prime) * BigInt(second.prime));
  });

  test("a hand-over no step reads stays whole: its output is the sysroot", () => {
    expect(small.label).toBe("handover x86_64-unknown-linux-gnu/stage1 (4 files)");
    expect(last.label).toBe("handover x86_64-unknown-linux-gnu/stage1 (45 files)");
    expect(last.args).toEqual(steps[4]!.args);
  });

  test("applied twice, nothing more changes", () => {
    expect(disjointHandovers(after)).toEqual(after);
  });
});
