// The bootstrap's hand-overs: the copies of call outputs in sysroots (as the capture found them,
// test/unit/sysroots.test.ts) become hand-over steps, one per set of copies the calls saw.
import { describe, expect, test } from "bun:test";
import type { Sysroots } from "../../lib/capture/sysroots.ts";
import { disjointHandovers, findHandovers } from "../../lib/steps/handovers.ts";
import { buildSteps } from "../../lib/steps/steps.ts";
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

test("a call reads the target libraries its dep-info names (a crate's .rmeta names its .rlib too), and all else it saw", () => {
  // 1.95's stage0-sysroot once the compiler is built: std's files, the compiler's libraries, a linker.
  const lib = (name: string) => `${sysroot}/${name}`;
  const seen = [
    lib("libstd-2.rlib"),
    lib("libstd-2.rmeta"),
    lib("librustc_driver-3.rlib"),
    lib("librustc_driver-3.rmeta"),
    `${host}/stage0-sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld`,
  ];
  const found = sysroots(seen.map((to) => [to, `${deps}/${to.split("/").at(-1)}`]));
  const inputs = (...files: string[]) => ({ inputs: ["/checkout/src/main.rs", ...files] });
  const records = [
    observedCall(["/o/tool"], seen, inputs(lib("libstd-2.rmeta"), `${deps}/libanstyle-9.rmeta`)),
    observedCall(["/o/clippy"], seen, inputs(lib("libstd-2.rmeta"), lib("librustc_driver-3.rmeta"))),
    // No library named: a crate with no dependencies, or a bootstrap that does not pass -Zbinary-dep-depinfo.
    observedCall(["/o/core"], seen, inputs()),
  ];
  const h = findHandovers(records, build, found);
  expect(h.records.map((r) => r.outputs)).toEqual([[seen[4]!, lib("libstd-2.rlib"), lib("libstd-2.rmeta")], [...seen].sort()]);
  expect([...h.readBy]).toEqual([
    [0, [0]],
    [1, [1]],
    [2, [1]],
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
  // step157 hands the stage-0 toolchain's std into stage0-sysroot, read by the stage-0 compiler
  // crates (one stands in here, anstyle's call read as theirs); step428, read by anstyle
  // (step429), hands it all again with the compiler's libraries; step494 and step516 fill stage1,
  // the last read by no step (the sysroot as the build left it).
  const real = await fixtureSteps("handovers-1.95.steps.json");
  const steps = [real[0]!, { ...real[2]!, id: "step158", deps: ["step157"] }, ...real.slice(1)];
  const after = disjointHandovers(steps);
  const tos = (s: Step) => s.args.filter((_, i) => i % 2 === 1);
  const [first, compilerCrate, second, reader, small, last] = after as [Step, Step, Step, Step, Step, Step];

  test("copies read by the same steps are one hand-over: what both read, then what only the later read", () => {
    expect(first.label).toBe("handover x86_64-unknown-linux-gnu/stage0-sysroot (89 files)");
    expect(second.label).toBe("handover x86_64-unknown-linux-gnu/stage0-sysroot (254 files)");
    expect(second.outputs).toEqual(tos(second));
    expect(tos(second).filter((to) => tos(first).includes(to))).toEqual([]);
    expect(new Set([...tos(first), ...tos(second)])).toEqual(new Set(tos(real[1]!)));
    // Each copy still comes from where it did.
    const from = new Map(real[1]!.args.flatMap((a, i) => (i % 2 === 1 ? [[a, real[1]!.args[i - 1]]] : [])));
    second.args.forEach((a, i) => i % 2 === 1 && expect(second.args[i - 1]).toBe(from.get(a)!));
  });

  test("each reader reads what it read before, and the numbers follow", () => {
    expect(compilerCrate.deps).toEqual([first.id]);
    expect(reader.deps).toEqual([first.id, second.id]);
    expect(BigInt(reader.composite)).toBe(BigInt(reader.prime) * BigInt(first.prime) * BigInt(second.prime));
  });

  test("a hand-over no step reads stays whole: its output is the sysroot", () => {
    expect(small.label).toBe("handover x86_64-unknown-linux-gnu/stage1 (4 files)");
    expect(last.label).toBe("handover x86_64-unknown-linux-gnu/stage1 (45 files)");
    expect(last.args).toEqual(real[4]!.args);
  });

  test("applied twice, nothing more changes", () => {
    expect(disjointHandovers(after)).toEqual(after);
  });
});

test("hand-overs that overlap in part (each call's share of a sysroot) become one per set of readers", () => {
  // std's files in stage0-sysroot: one call loads core and alloc, another alloc and std.
  const lib = (name: string) => `${sysroot}/${name}`;
  const made = (name: string) => `${deps}/${name}`;
  const [core, alloc, std] = ["libcore-1.rlib", "liballoc-2.rlib", "libstd-3.rlib"];
  const records = [
    observedCall([made(core), made(alloc), made(std)]),
    observedCall(["/o/a"], [lib(core), lib(alloc)]),
    observedCall(["/o/b"], [lib(alloc), lib(std)]),
  ];
  const h = findHandovers(records, build, sysroots([core, alloc, std].map((f) => [lib(f), made(f)])));
  const steps = buildSteps(
    [records[0]!, ...h.records, records[1]!, records[2]!],
    new Map(),
    [],
    new Map([
      [3, [1]],
      [4, [2]],
    ]),
  );
  const after = disjointHandovers(steps);
  const line = (s: Step) => `${s.id} ${s.kind} ${s.outputs!.map((o) => o.split("/").at(-1)).join(" ")} <- ${s.deps.join(" ")}`;
  expect(after.map(line)).toEqual([
    "step001 rustc libcore-1.rlib liballoc-2.rlib libstd-3.rlib <- ",
    "step002 handover liballoc-2.rlib <- step001",
    "step003 handover libcore-1.rlib <- step001",
    "step004 handover libstd-3.rlib <- step001",
    "step005 rustc a <- step002 step003",
    "step006 rustc b <- step002 step004",
  ]);
  expect(after[1]!.args).toEqual([made(alloc), lib(alloc)]);
});
