// Which variables of an observed call reach its step (values from a real capture of 1.63's compiler).
import { expect, test } from "bun:test";
import { scrubObservedEnv } from "../lib/env.ts";

const env = {
  CARGO_PKG_NAME: "rustc_interface",
  CFG_RELEASE: "1.63.0",
  HOME: "/home/someone",
  REAL_LIBRARY_PATH_VAR: "LD_LIBRARY_PATH",
  RUSTC_INSTALL_BINDIR: "bin",
  RUSTC_REAL: "/somewhere/stage0/bin/rustc",
  RUSTC_STAGE: "0",
};

test.each([
  ["rustc", [], { CARGO_PKG_NAME: "rustc_interface", CFG_RELEASE: "1.63.0" }],
  // rustc_interface has env!("RUSTC_INSTALL_BINDIR"): its dep-info says so, and the step keeps it.
  ["rustc", ["RUSTC_INSTALL_BINDIR"], { CARGO_PKG_NAME: "rustc_interface", CFG_RELEASE: "1.63.0", RUSTC_INSTALL_BINDIR: "bin" }],
  // rustc_llvm's build script requires REAL_LIBRARY_PATH_VAR.
  ["build-script", [], { CARGO_PKG_NAME: "rustc_interface", CFG_RELEASE: "1.63.0", REAL_LIBRARY_PATH_VAR: "LD_LIBRARY_PATH" }],
] as const)("%s reading %p keeps %p", (tool, reads, expected) => {
  expect(scrubObservedEnv(env, tool, [...reads])).toEqual(expected);
});
