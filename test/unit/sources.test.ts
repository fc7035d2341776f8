// Which pieces of the checkout an observed step reads: package folders of the files it names.
import { describe, expect, test } from "bun:test";
import { checkoutPieces, piecesOf, sourcePaths } from "../../lib/steps/sources.ts";
import type { ObservedRecord } from "../../lib/schema.ts";
import { fixtureSteps, observedOf } from "./fixtures.ts";

const call = (more: Partial<ObservedRecord>): ObservedRecord => ({
  type: "observed",
  schema: 1,
  tool: "rustc",
  command: "@rustc@",
  args: [],
  env: {},
  cwd: "@src@/library/std",
  inputs: [],
  outputs: [],
  ...more,
});

describe("sourcePaths", () => {
  test.each([
    ["its cwd", call({}), ["library/std"]],
    [
      "a source file among its arguments (not a remap prefix)",
      call({ args: ["--crate-name", "core", "@src@/library/core/src/lib.rs", "--remap-path-prefix=@src@=/rustc/nixify-src"] }),
      ["library/core/src/lib.rs", "library/std"],
    ],
    [
      "an environment value (not the build dir's)",
      call({ env: { CARGO_MANIFEST_DIR: "@src@/vendor/libc", OUT_DIR: "@build@/x" } }),
      ["library/std", "vendor/libc"],
    ],
    [
      "an input, normalized",
      call({ inputs: ["@src@/library/core/src/../../stdarch/crates/core_arch/src/mod.rs"], cwd: "@build@" }),
      ["library/stdarch/crates/core_arch/src/mod.rs"],
    ],
    ["nothing outside the checkout, nor the checkout itself", call({ cwd: "@src@/../elsewhere", args: ["@src@/"] }), []],
    [
      "no remapped prefix: rustc's, in either form",
      call({ args: ["--remap-path-prefix", "@src@/vendor=/rust/deps", "--remap-path-prefix=@src@/library=/x"] }),
      ["library/std"],
    ],
    [
      "no remapped prefix: the shim's variables behind rustc's",
      call({
        env: {
          RUSTC_CARGO_REGISTRY_SRC_TO_REMAP: "@src@/vendor=/rust/deps",
          RUSTC_DEBUGINFO_MAP: "compiler/=/usr/src/rustc-1.95.0/compiler\t@src@=/usr/src/rustc-1.95.0",
        },
      }),
      ["library/std"],
    ],
  ])("%s", (_, record, expected) => expect(sourcePaths(record)).toEqual(expected));
});

describe("piecesOf", () => {
  const packages = new Set(["library/core", "library/std", "vendor/libc", "library/stdarch/crates/core_arch", "library/stdarch"]);
  const isPackage = (rel: string) => packages.has(rel);
  const exists = (rel: string) => !rel.includes("missing");
  test.each([
    ["a file: its package", ["library/core/src/lib.rs"], ["library/core"]],
    [
      "files of two packages: both, once",
      ["library/core/src/lib.rs", "library/core/src/num/mod.rs", "vendor/libc/src/lib.rs"],
      ["library/core", "vendor/libc"],
    ],
    [
      "a package inside another is covered by the outer one",
      ["library/stdarch/crates/core_arch/src/mod.rs", "library/stdarch/Cargo.toml"],
      ["library/stdarch"],
    ],
    ["a file in no package is its own piece; what does not exist is none", ["Cargo.lock", "src/missing/x.rs"], ["Cargo.lock"]],
    ["nothing", [], []],
  ])("%s", (_, paths, expected) => expect(piecesOf(paths, isPackage, exists)).toEqual(expected));
});

test("checkoutPieces takes what the capture found of the checkout", () => {
  const pieces = checkoutPieces({ paths: new Set(["library/core", "library/core/src/lib.rs"]), packages: new Set(["library/core"]) });
  expect(pieces(call({ cwd: "@src@/library/core", args: ["@src@/library/core/src/lib.rs", "@src@/library/gone.rs"] }))).toEqual(["library/core"]);
});

const steps = await fixtureSteps("compiler-1.63.steps.json");

describe("real calls of Rust 1.63's compiler build", () => {
  // The packages these calls read, as the capture's checkout had them (each has a Cargo.toml).
  const packages = new Set(steps.flatMap((s) => s.sources ?? []));
  test.each(steps.map((s) => [s.id, s.label, s] as const))("%s %s: its arguments and environment name its package", (_, __, step) => {
    const pieces = piecesOf(
      sourcePaths(observedOf(step)),
      (rel) => packages.has(rel),
      () => true,
    );
    // The capture also had the files rustc's dep-info listed (core reads portable-simd and stdarch); steps keep no inputs.
    expect(pieces).toEqual((step.sources ?? []).filter((p) => !p.startsWith("library/portable-simd") && !p.startsWith("library/stdarch")));
  });
});

describe("real calls of Rust 1.95's compiler build", async () => {
  // Captured before remapped prefixes were told apart: each read all of vendor/ (the shim's
  // RUSTC_CARGO_REGISTRY_SRC_TO_REMAP and --remap-path-prefix name it), now only its package.
  const packages = new Set(["vendor/proc-macro-hack-0.5.20+deprecated", "vendor/memchr-2.7.6", "compiler/rustc_index"]);
  const want: { [id: string]: string[] } = {
    step062: ["vendor/proc-macro-hack-0.5.20+deprecated"],
    step085: ["vendor/memchr-2.7.6"],
    step280: ["compiler/rustc_index"],
  };
  const real = await fixtureSteps("compiler-1.95.steps.json");
  test.each(real.map((s) => [s.id, s.label, s] as const))("%s %s: its package, not vendor/", (id, _, step) => {
    expect(step.sources).toContain("vendor");
    expect(
      piecesOf(
        sourcePaths(observedOf(step)),
        (rel) => packages.has(rel),
        () => true,
      ),
    ).toEqual(want[id]!);
  });
});
