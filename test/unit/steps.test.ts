// lib/steps/steps.ts: records become steps (kinds, labels, primes, outputs, writers, dependencies), on
// real records of the sample, of Rust 1.85's outer shell and of Rust 1.63's compiler build.
import { describe, expect, test } from "bun:test";
import { symbolizerOf } from "../../lib/capture/symbolizer.ts";
import { symbolicRecord } from "../../lib/steps/symbolic-records.ts";
import { STEP_KINDS, type InvocationRecord, type Record, type Step } from "../../lib/schema.ts";
import { KIND_EMOJI, buildSteps, isHandover, primes, stepId, writersOf } from "../../lib/steps/steps.ts";
import { fixtureCapture, fixtureRecords, fixtureSteps, observedOf, thrown } from "./fixtures.ts";

/** The raw records of a capture, made symbolic as gen makes them. */
async function symbolic(name: string): Promise<{ records: Record[]; checksums: Map<string, string> }> {
  const cap = await fixtureCapture(`${name}.capture.json`);
  const sym = symbolizerOf(cap);
  const records = (await fixtureRecords(`${name}.records.jsonl`)).map((r) => symbolicRecord(r, sym));
  return { records, checksums: cap.stage0Checksums };
}

const sample = await symbolic("sample");
const shell185 = await symbolic("shell-1.85");
const compiler = await fixtureSteps("compiler-1.63.steps.json");
const byId = (id: string) => compiler.find((s) => s.id === id)!;
const invocation = (records: Record[], i: number) => records[i] as InvocationRecord;

describe("stepId", () => {
  test.each([
    ["the first of a few", 1, 4, "step001"],
    ["padded to three digits at least", 12, 336, "step012"],
    ["padded to the count's width", 7, 1000, "step0007"],
    ["the last of a thousand", 1000, 1000, "step1000"],
  ])("%s: %d of %d is %s", (_, index, count, id) => expect(stepId(index, count)).toBe(id));
});

describe("primes", () => {
  test.each([
    ["none", 0, []],
    ["the first ten", 10, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]],
  ])("%s", (_, n, expected) => expect(primes(n)).toEqual(expected));

  test("each step of the real 1.63 compiler capture carries the prime of its index", () => {
    const ps = primes(336);
    for (const s of compiler) expect({ id: s.id, prime: ps[s.index - 1] }).toEqual({ id: s.id, prime: s.prime });
  });

  test("a step's composite is its prime times those of its dependencies (1.63: proc_macro2 <- step050 step092)", () => {
    const ps = primes(336);
    const s = byId("step093");
    const product = s.deps.reduce((acc, d) => acc * BigInt(ps[Number(d.slice(4)) - 1]!), BigInt(s.prime));
    expect(product.toString()).toBe(s.composite);
  });
});

describe("whole captures become the steps gen wrote", () => {
  test.each([
    ["the sample (rustc calls, a bootstrap run)", sample, "sample.steps.json"],
    ["Rust 1.85's outer shell (downloads, unpacks, cargo, bootstrap)", shell185, "shell-1.85.steps.json"],
  ])("%s", async (_, { records, checksums }, expected) => {
    expect(buildSteps(records, checksums)).toEqual(await fixtureSteps(expected));
  });

  test("Rust 1.63's observed calls: kinds, labels and the dependencies among them", () => {
    // step311 (stage-1 core) reads the hand-over step310 made: gen passes that as an extra dependency.
    const steps = buildSteps(compiler.map(observedOf), new Map(), [], new Map([[6, [5]]]));
    expect(steps.map((s) => [s.kind, s.emoji, s.label, s.outputs])).toEqual(compiler.map((s) => [s.kind, s.emoji, s.label, s.outputs]));
    expect(steps.map((s) => s.site)).toEqual([
      "observed rustc",
      "observed build-script",
      "observed rustc",
      "observed rustc",
      "observed rustc",
      "observed handover",
      "observed rustc",
    ]);
    // The capture's own edges among these seven (renumbered), from arguments and environment alone.
    expect(Object.fromEntries(compiler.map((s, i) => [s.id, steps[i]!.deps]))).toEqual({
      step013: [],
      step050: ["step001"], // runs the build script step013 compiled
      step092: [],
      step093: ["step002", "step003"], // reads step050's OUT_DIR, --extern unicode_ident
      // The capture also has step092 here, read through rustc's dep-info (the record's inputs, which steps do not keep).
      step094: ["step004"],
      step310: [],
      step311: ["step006"],
    });
  });
});

describe("kinds and labels", () => {
  const curl = invocation(shell185.records, 0);
  const cargo = invocation(shell185.records, 6);
  const rustc = invocation(sample.records, 0);
  const one = (record: Record): Pick<Step, "kind" | "label"> => {
    const [s] = buildSteps([record], shell185.checksums);
    return { kind: s!.kind, label: s!.label };
  };
  test.each<[string, Record, Pick<Step, "kind" | "label">]>([
    ["rustc names the crate it compiles", rustc, { kind: "rustc", label: "rustc greeting" }],
    [
      "rustc without --crate-name names its source file",
      { ...rustc, args: rustc.args.filter((a) => !a.startsWith("--crate-name")) },
      { kind: "rustc", label: "rustc lib.rs" },
    ],
    ["rustdoc is a compiler call too", { ...rustc, command: "/usr/bin/rustdoc" }, { kind: "rustc", label: "rustc greeting" }],
    ["a build script's compilation names its package (from --out-dir)", observedOf(byId("step013")), { kind: "rustc", label: "rustc build.rs of proc-macro2" }],
    [
      "a build script's run names its package (from build/<package>-<hash>/)",
      observedOf(byId("step050")),
      { kind: "build-script", label: "build-script proc-macro2" },
    ],
    [
      "a hand-over names the sysroots it fills and how many files",
      observedOf(byId("step310")),
      { kind: "handover", label: "handover x86_64-unknown-linux-gnu/stage1 (4 files)" },
    ],
    ["curl is a download, named by the URL's file", curl, { kind: "download", label: "download rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz" }],
    ["wget is a download too", { ...curl, command: "/usr/bin/wget" }, { kind: "download", label: "download rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz" }],
    ["an unpack names its tarball", shell185.records[3]!, { kind: "unpack", label: "unpack rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz" }],
    ["cargo names the package of --manifest-path", cargo, { kind: "cargo", label: "cargo build bootstrap" }],
    ["a config's cargo (@cargo@) is cargo", { ...cargo, command: "@cargo@" }, { kind: "cargo", label: "cargo build bootstrap" }],
    ["cargo -p names the package", { ...cargo, args: ["build", "-p", "std"], env: {} }, { kind: "cargo", label: "cargo build std" }],
    [
      "cargo says which target dir when it is not the package's name",
      { ...cargo, env: { CARGO_TARGET_DIR: "@build@/x86_64-unknown-linux-gnu/stage0-std" } },
      { kind: "cargo", label: "cargo build bootstrap (stage0-std)" },
    ],
    ["the bootstrap binary's run (1.85) is named by its arguments", shell185.records[7]!, { kind: "bootstrap", label: "bootstrap build" }],
    ["the sample's bootstrap run is named by its program", sample.records[3]!, { kind: "bootstrap", label: "bootstrap hello" }],
    [
      "anything else is other, with its program",
      { ...cargo, command: "/usr/bin/python3", args: ["x.py", "build"] },
      { kind: "other", label: "other python3 x.py" },
    ],
  ])("%s", (_, record, expected) => expect(one(record)).toEqual(expected));

  test("every kind has its emoji, and steps carry it", () => {
    expect(Object.keys(KIND_EMOJI).sort()).toEqual([...STEP_KINDS].sort());
    for (const s of compiler) expect(s.emoji).toBe(KIND_EMOJI[s.kind]);
  });

  test.each([
    ["a hand-over", true, observedOf(byId("step310"))],
    ["a compiler call", false, observedOf(byId("step311"))],
    ["a build-script run", false, observedOf(byId("step050"))],
    ["an unpack", false, shell185.records[3]!],
  ])("isHandover: %s is %p", (_, expected, record) => expect(isHandover(record)).toBe(expected));
});

describe("downloads", () => {
  const curl = invocation(shell185.records, 0);
  test("a download fetches its URL with the checkout's sha256", () => {
    expect(buildSteps([curl], shell185.checksums)[0]!.fetch).toEqual({
      url: "https://static.rust-lang.org/dist/2025-01-09/rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz",
      sha256: "770237080b9310d126350c3bd70820bd91064c2e96c29ab5f2e002b31b5bd067",
      name: "rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz",
    });
  });
  test.each([
    [
      "a URL the stage0 list does not hash",
      curl,
      new Map<string, string>(),
      "cannot hash download https://static.rust-lang.org/dist/2025-01-09/rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz",
    ],
    ["a download naming no URL", { ...curl, args: curl.args.filter((a) => !a.startsWith("https:")) }, shell185.checksums, "a download step names no URL"],
  ])("%s is bad input", async (_, record, checksums, message) => {
    const t = await thrown(() => buildSteps([record], checksums));
    expect(t.code).toBe("badInput");
    expect(t.message).toStartWith(message);
  });
  test("an unpack depends on the download of its tarball's name, not on file flow", () => {
    const [d1, d2, , u1] = shell185.records;
    expect(buildSteps([d1!, d2!, u1!], shell185.checksums)[2]!.deps).toEqual(["step001"]);
    expect(buildSteps([d2!, d1!, u1!], shell185.checksums)[2]!.deps).toEqual(["step002"]);
  });
});

describe("writers: what a record writes, and who reads it", () => {
  const rustc = invocation(sample.records, 0);
  const call = (args: string[], env: { [k: string]: string } = {}): InvocationRecord => ({ ...rustc, args, env });
  // The sample's greeting writes -o @build@/libgreeting.rlib.
  const writer = call(["-o", "@build@/libgreeting.rlib"]);
  test.each<[string, InvocationRecord, InvocationRecord, string[]]>([
    ["-o, read by --extern NAME=PATH", writer, call(["--extern", "greeting=@build@/libgreeting.rlib"]), ["step001"]],
    ["-o, read through -L dependency=DIR? no: a folder above is not what it wrote", writer, call(["-L", "dependency=@build@"]), []],
    ["--out-dir, read below it", call(["--out-dir", "@build@/deps"]), call(["@build@/deps/libcore.rlib"]), ["step001"]],
    ["--out-dir=DIR, read below it", call(["--out-dir=@build@/deps"]), call(["@build@/deps/libcore.rlib"]), ["step001"]],
    ["--target-dir=DIR, read in a PATH-like list", call(["--target-dir=@work@/t"]), call([], { PATH: "/usr/bin:@work@/t/bin" }), ["step001"]],
    [
      "CARGO_TARGET_DIR, read by the command itself",
      call([], { CARGO_TARGET_DIR: "@build@/bootstrap" }),
      { ...call([]), command: "@build@/bootstrap/debug/bootstrap" },
      ["step001"],
    ],
    ["a comma-separated value", call(["-o", "@build@/a.o"]), call(["-Clink-args=x,@build@/a.o"]), ["step001"]],
    ["an output outside the build and work dirs links nothing", call(["-o", "@src@/generated.rs"]), call(["@src@/generated.rs"]), []],
    ["a path that only starts like an output is not it", writer, call(["@build@/libgreeting.rlib.d"]), []],
  ])("%s", (_, first, second, deps) => {
    expect(buildSteps([first, second], new Map())[1]!.deps).toEqual(deps);
  });

  test("writersOf finds the writers of a mentioned path and of the folders above it", () => {
    const writers = new Map([
      ["@build@/x86_64-unknown-linux-gnu/stage0", [3, 4]],
      ["@build@/bootstrap", [6]],
    ]);
    // The cargo build of bootstrap runs the unpacked stage0's cargo, and names its own target dir.
    expect([...writersOf(shell185.records[6]!, writers)].sort()).toEqual([3, 4, 6]);
    expect([...writersOf(shell185.records[7]!, writers)]).toEqual([6]);
    expect([...writersOf(shell185.records[0]!, writers)]).toEqual([]);
  });
});

describe("chains and extra dependencies", () => {
  const cargo = invocation(shell185.records, 6);
  const planned = (target: string): InvocationRecord => ({ ...cargo, env: { CARGO_TARGET_DIR: `@build@/x86_64-unknown-linux-gnu/${target}` } });
  const records = [planned("stage0-std"), planned("stage0-rustc"), planned("stage1-std")];

  test("each chained call depends on the one before and keeps only its own target dir", () => {
    const steps = buildSteps(records, new Map(), [0, 1, 2]);
    expect(steps.map((s) => [s.deps, s.outputs])).toEqual([
      [[], ["@build@/x86_64-unknown-linux-gnu/stage0-std"]],
      [["step001"], ["@build@/x86_64-unknown-linux-gnu/stage0-rustc"]],
      [["step002"], ["@build@/x86_64-unknown-linux-gnu/stage1-std"]],
    ]);
  });

  test("unchained, the calls do not depend on each other, and keep no outputs", () => {
    expect(buildSteps(records, new Map()).map((s) => [s.deps, s.outputs])).toEqual([
      [[], undefined],
      [[], undefined],
      [[], undefined],
    ]);
  });

  test("extra dependencies are added, sorted, to file flow's", () => {
    expect(buildSteps(records, new Map(), [], new Map([[2, [1, 0]]]))[2]!.deps).toEqual(["step001", "step002"]);
  });

  test.each([
    ["on itself", new Map([[1, [1]]])],
    ["on a later step", new Map([[0, [2]]])],
  ])("an extra dependency %s is an invalid record", async (_, extra) => {
    expect(await thrown(() => buildSteps(records, new Map(), [], extra))).toEqual({
      code: "invalidRecord",
      message: expect.stringContaining("would depend on a later step"),
    });
  });

  test("a hand-over's outputs are read only through extra dependencies, never by file flow", () => {
    // step311 runs the stage-1 rustc that step310 put in place; without the extra dependency, no edge.
    const steps = buildSteps([observedOf(byId("step310")), observedOf(byId("step311"))], new Map());
    expect(steps[1]!.deps).toEqual([]);
  });
});
