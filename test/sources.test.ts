// Which pieces of the checkout an observed step reads: package folders of the files it names.
import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { checkoutPieces, piecesOf, sourcePaths } from "../lib/sources.ts";
import type { ObservedRecord } from "../lib/schema.ts";
import { tempDir } from "./helpers.ts";

const call = (more: Partial<ObservedRecord>): ObservedRecord => ({
  type: "observed", schema: 1, tool: "rustc", command: "@rustc@", args: [], env: {}, cwd: "@src@/library/std", inputs: [], outputs: [], ...more,
});

describe("sourcePaths", () => {
  test.each([
    [call({}), ["library/std"]],
    [call({ args: ["--crate-name", "core", "@src@/library/core/src/lib.rs", "--remap-path-prefix=@src@=/rustc/nixify-src"] }), ["library/core/src/lib.rs", "library/std"]],
    [call({ env: { CARGO_MANIFEST_DIR: "@src@/vendor/libc", OUT_DIR: "@build@/x" } }), ["library/std", "vendor/libc"]],
    [call({ inputs: ["@src@/library/core/src/../../stdarch/crates/core_arch/src/mod.rs"], cwd: "@build@" }), ["library/stdarch/crates/core_arch/src/mod.rs"]],
    [call({ cwd: "@src@/../elsewhere", args: ["@src@/"] }), []],
  ])("%#", (record, expected) => expect(sourcePaths(record)).toEqual(expected));
});

describe("piecesOf", () => {
  const packages = new Set(["library/core", "library/std", "vendor/libc", "library/stdarch/crates/core_arch", "library/stdarch"]);
  const isPackage = (rel: string) => packages.has(rel);
  const exists = (rel: string) => !rel.includes("missing");
  test.each([
    [["library/core/src/lib.rs"], ["library/core"]],
    [["library/core/src/lib.rs", "library/core/src/num/mod.rs", "vendor/libc/src/lib.rs"], ["library/core", "vendor/libc"]],
    // A package inside another is covered by the outer one.
    [["library/stdarch/crates/core_arch/src/mod.rs", "library/stdarch/Cargo.toml"], ["library/stdarch"]],
    // A file in no package is its own piece; what does not exist is none.
    [["Cargo.lock", "src/missing/x.rs"], ["Cargo.lock"]],
    [[], []],
  ])("%p -> %p", (paths, expected) => expect(piecesOf(paths, isPackage, exists)).toEqual(expected));
});

test("checkoutPieces looks at the real checkout", async () => {
  const root = await tempDir();
  await mkdir(join(root, "library/core/src"), { recursive: true });
  await Bun.write(join(root, "library/core/Cargo.toml"), "");
  await Bun.write(join(root, "library/core/src/lib.rs"), "");
  const pieces = checkoutPieces(root);
  expect(pieces(call({ cwd: "@src@/library/core", args: ["@src@/library/core/src/lib.rs", "@src@/library/gone.rs"] }))).toEqual(["library/core"]);
});
