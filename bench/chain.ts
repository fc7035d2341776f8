// The benches' synthetic input: a chain of crates, each compiled by rustc against the `links`
// crates before it, as the rustc recorder would record them.
import { RECORD_SCHEMA_VERSION, type Manifest, type Record } from "../lib/schema.ts";
import { buildSteps } from "../lib/steps/steps.ts";
import { manifestOf } from "../test/unit/fixtures.ts";

export function chainRecords(n: number, links: number): Record[] {
  return Array.from({ length: n }, (_, i) => ({
    type: "rust_compiler_invocation",
    schema: RECORD_SCHEMA_VERSION,
    seq: i + 1,
    command: "rustc",
    args: [
      "--crate-name",
      `crate${i}`,
      `@src@/library/crate${i}/lib.rs`,
      ...Array.from({ length: Math.min(i, links) }, (_, k) => ["--extern", `crate${i - k - 1}=@build@/deps/libcrate${i - k - 1}.rlib`]).flat(),
      "-o",
      `@build@/deps/libcrate${i}.rlib`,
    ],
    env: { CARGO_PKG_NAME: `crate${i}`, RUSTC_BOOTSTRAP: "1" },
    cwd: "@work@",
    site: "bench",
    isBootstrap: false,
  }));
}

/** The manifest of the steps gen makes of such records. */
export function benchManifest(records: Record[]): Manifest {
  return manifestOf(buildSteps(records, new Map()), "bench");
}
