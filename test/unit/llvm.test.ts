// lib/capture/llvm.ts: which of the machine's LLVM and C++ runtime paths the calls of a real capture
// were handed become placeholders (the env values of real steps of the 1.63 compiler capture).
import { describe, expect, test } from "bun:test";
import { machineLibraries } from "../../lib/capture/llvm.ts";
import { llvmPackages } from "../../lib/schema.ts";
import { hostLlvm } from "../../lib/verify/standin.ts";
import { thrown } from "./fixtures.ts";

const BUILD = "/tmp/nixify-rust-Ab12/rustc/run/build";
const own = (p: string) => p.startsWith(BUILD);

describe("machineLibraries", () => {
  test("libstdc++'s folder (LLVM_STATIC_STDCPP, as the bootstrap hands it) becomes @libstdcxx-dir@", async () => {
    const found = await machineLibraries([{ CARGO_PKG_NAME: "rustc_llvm" }, { LLVM_STATIC_STDCPP: "/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a" }], own);
    expect(found).toEqual({ paths: [["/usr/lib/gcc/x86_64-linux-gnu/12", "@libstdcxx-dir@"]] });
  });
  // 1.95 with Debian's config: build.optimized-compiler-builtins names LLVM 22's builtins archive,
  // which the bootstrap hands compiler_builtins' build script; it lies inside LLVM's libdir.
  test("the optimized builtins' folder (LLVM_COMPILER_RT_LIB) becomes @compiler-rt-dir@", async () => {
    const found = await machineLibraries([{ LLVM_COMPILER_RT_LIB: "/usr/lib/llvm-22/lib/clang/22/lib/linux/libclang_rt.builtins-x86_64.a" }], own);
    expect(found).toEqual({ paths: [["/usr/lib/llvm-22/lib/clang/22/lib/linux", "@compiler-rt-dir@"]] });
  });
  test("an LLVM the bootstrap built itself is a step output already: nothing of the machine's", async () => {
    expect(await machineLibraries([{ LLVM_CONFIG: `${BUILD}/x86_64-unknown-linux-gnu/llvm/bin/llvm-config` }], own)).toEqual({ paths: [] });
  });
  test("no env names LLVM: nothing", async () => {
    expect(await machineLibraries([{}, { RUSTC: "@rustc@" }], own)).toEqual({ paths: [] });
  });
  test("an llvm-config that does not answer stops gen with one line", async () => {
    expect(await thrown(() => machineLibraries([{ LLVM_CONFIG: "/nonexistent/llvm-config-14" }], own))).toEqual({
      code: "badInput",
      message: "the build's llvm-config /nonexistent/llvm-config-14 does not answer --version",
    });
  });
});

test.each([
  ["14.0.6", "llvmPackages_14"],
  ["17.0.6", "llvmPackages_17"],
  ["19.1.7-rust-1.85.0-stable", "llvmPackages_19"],
])("LLVM %s is taken from nixpkgs' %s", (version, attr) => expect(llvmPackages(version)).toBe(attr));

test("offline, a tree's LLVM that the machine does not have is said in one line, with what to install", async () => {
  expect(await thrown(() => hostLlvm("99.1.0"))).toEqual({
    code: "badInput",
    message: "this tree links LLVM 99.1.0 (the machine's when it was captured), and offline no llvm-config of LLVM 99 is on this machine",
  });
});
