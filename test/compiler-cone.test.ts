// Cones of the whole compiler through Nix, in CI time. Each fixture is the tree of a real capture,
// gen --depth rustc of `x.py build --stage 1 library/std` (1.95: `library`, whose std comes with
// libtest as 1.63's library/std does) on a tree prepared as Debian does, packed
// with its per-step flakes left out and its source input named neutrally (made and re-rendered by
// test/support/refresh-compiler-fixture.ts); verify --src points it at the prepared tree and builds
// the steps some compiler crates need.
// - 1.63 (Debian's rustc 1.63 as stage0, Debian's LLVM 14; 336 steps, 363 with the 27 metadata
//   steps of pipelining): the stage-0 std (a dylib), its hand-over into stage0-sysroot, proc-macro
//   crates (rustc_macros, run by rustc as it compiles their users), psm's build script (assembles
//   with cc) and rustc_llvm's (C++ against LLVM), metadata steps of pipelined crates.
// - 1.95, after the stage-0 redesign (the machine's rustc 1.95 as stage0, LLVM 22 from Debian 12's
//   security archive, Debian's config keys): the compiler crates link the stage-0 toolchain's own
//   std (no std step, no hand-over), libc's build script runs `$RUSTC --version` (the bootstrap's
//   RUSTC_WRAPPER is no step's), rustc_llvm's C++ against LLVM 22, a proc macro run by its user.
import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { spawn } from "../lib/process.ts";
import type { Manifest, Step } from "../lib/schema.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { cli, rustSrc, supportPath, tempDir } from "./helpers.ts";

const HOST = "x86_64-unknown-linux-gnu";
// Fetched while the suite is defined (a failed fetch fails it), never skipped.
rustSrc("1.63");
rustSrc("1.95");

/** A fixture unpacked into a fresh folder: its tree, its manifest, and a step by its label. */
async function unpack(version: "1.63" | "1.95") {
  const dir = await tempDir();
  expect((await spawn(["tar", "-xJf", join(import.meta.dir, `fixtures/compiler-${version}.tar.xz`), "-C", dir])).code).toBe(0);
  const tree = join(dir, `compiler-${version}`);
  const manifest = JSON.parse(await Bun.file(join(tree, "steps.json")).text()) as Manifest;
  const label = (l: string) => {
    const step = manifest.steps.find((s) => s.label === l);
    if (!step) throw new Error(`no step labelled ${l} in the ${version} fixture`);
    return step;
  };
  return { dir, tree, manifest, label };
}

/** verify of `steps` of `tree` offline against the prepared checkout `src`: every one must pass; the report. */
async function verifyCone(dir: string, tree: string, steps: Step[], toolchain: string, src: string): Promise<VerifyReport> {
  const v = await cli(
    [
      "verify",
      tree,
      "--offline",
      "--state",
      join(dir, "nix"),
      "--toolchain",
      toolchain,
      "--src",
      src,
      "--jobs",
      "2",
      "--json",
      "--only",
      steps.map((s) => s.id).join(","),
    ],
    { cwd: dir },
  );
  const report = JSON.parse(v.stdout || "{}") as VerifyReport;
  expect({
    code: v.code,
    notPassed: (report.steps ?? []).filter((s) => s.status !== "passed").map((s) => `${s.id} ${s.label} ${s.reason ?? ""}`),
    err: v.code ? v.stderr.slice(-3000) : "",
  }).toEqual({ code: 0, notPassed: [], err: "" });
  return report;
}

/** The steps `ids` need, themselves included, in manifest order. */
function cone(manifest: Manifest, ids: string[]): Step[] {
  const byId = new Map(manifest.steps.map((s) => [s.id, s]));
  const wanted = new Set<string>();
  const visit = (id: string) => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const d of byId.get(id)!.deps) visit(d);
  };
  ids.forEach(visit);
  return manifest.steps.filter((s) => wanted.has(s.id));
}

describe("a cone of Rust 1.63's compiler, captured whole", () => {
  test("std, a hand-over, proc macros, and build scripts compiling assembly and C++ build through Nix; the Nix-built std dylib runs", async () => {
    const [src, stage0] = await Promise.all([supportPath("prepare-debian-tree.sh", "1.63"), supportPath("debian-stage0.sh", "1.63")]);
    const { dir, tree, manifest, label } = await unpack("1.63");
    const steps = cone(manifest, [label("rustc rustc_data_structures").id, label("rustc rustc_llvm").id]);
    const labels = steps.map((s) => s.label);
    for (const l of [
      "build-script psm",
      "build-script rustc_llvm",
      "rustc rustc_macros",
      "rustc std",
      "handover x86_64-unknown-linux-gnu/stage0-sysroot (27 files)",
    ]) {
      expect(labels).toContain(l);
    }
    // The machine's LLVM and libstdc++ are placeholders: nixpkgs' llvmPackages_14 (offline, the
    // machine's llvm-config-14 stands in), and the static libstdc++ of the step's own c++.
    expect(manifest.llvm?.version).toStartWith("14.");
    expect(label("build-script rustc_llvm").env).toMatchObject({ LLVM_CONFIG: "@llvm-config@", LLVM_STATIC_STDCPP: "@libstdcxx-dir@/libstdc++.a" });
    expect(label("rustc rustc_llvm").args).toContain("native=@llvm-libdir@");
    expect(JSON.stringify(manifest)).not.toMatch(/"\/usr\/|=\/usr\//);
    expect(label("rustc rustc_macros").args).toContain("proc-macro");
    expect(label("rustc std").args).toContain("dylib");
    // Pipelining: rustc_data_structures names rustc_serialize's .rmeta, so it waits for the
    // metadata step alone; nothing in the cone links rustc_serialize, so its full call is no part of it.
    const serialize = label("rustc rustc_serialize (metadata)");
    expect(serialize.args).toContain("-Zno-codegen");
    expect(label("rustc rustc_data_structures").deps).toContain(serialize.id);
    expect(labels).toContain(serialize.label);
    expect(labels).not.toContain("rustc rustc_serialize");

    const report = await verifyCone(dir, tree, steps, stage0, src);
    const out = (l: string) => report.steps.find((s) => s.label === l)!.outPath!;
    const outDir = (l: string) => join(out(l), label(l).outputs![0]!.replace("@build@", "build"));
    // The build scripts really compiled: psm's assembly and rustc_llvm's C++ wrapper are archives in OUT_DIR.
    expect(await readdir(outDir("build-script psm"))).toContain("libpsm_s.a");
    expect(await readdir(outDir("build-script rustc_llvm"))).toContain("libllvm-wrapper.a");
    // The metadata step's output is the .rmeta alone (rustc also wrote an rlib without code).
    expect(await readdir(dirname(outDir(serialize.label)))).toEqual([basename(serialize.outputs![0]!)]);

    // The hand-over's stage0-sysroot holds the Nix-built std, dylib included: a program linked
    // dynamically against it runs.
    const sysroot = join(out("handover x86_64-unknown-linux-gnu/stage0-sysroot (27 files)"), "build", HOST, "stage0-sysroot");
    const libdir = join(sysroot, "lib/rustlib", HOST, "lib");
    expect((await readdir(libdir)).some((f) => /^libstd-.*\.so$/.test(f))).toBe(true);
    await Bun.write(join(dir, "hello.rs"), 'fn main() { println!("hello from a Nix-built std dylib"); }\n');
    const c = await spawn([join(stage0, "bin/rustc"), "--sysroot", sysroot, "-C", "prefer-dynamic", "hello.rs", "-o", "hello"], { cwd: dir });
    expect({ code: c.code, err: c.stderr }).toEqual({ code: 0, err: "" });
    const run = await spawn([join(dir, "hello")], { env: { LD_LIBRARY_PATH: libdir } });
    expect(run.stdout).toBe("hello from a Nix-built std dylib\n");
    expect((await spawn(["ldd", join(dir, "hello")], { env: { LD_LIBRARY_PATH: libdir } })).stdout).toContain(libdir);
  }, 1_800_000);
});

describe("a cone of Rust 1.95's compiler, captured whole", () => {
  test("the compiler crates build against the stage-0 toolchain's std: libc's build script, proc macros and rustc_llvm's C++ against LLVM 22 through Nix", async () => {
    const [src, stage0] = await Promise.all([supportPath("prepare-debian-tree.sh", "1.95"), supportPath("toolchain-for.sh", "1.95")]);
    const { dir, tree, manifest, label } = await unpack("1.95");
    // The tree pins the compiler it was captured with, by version and bytes: the machine's rustc 1.95.
    expect(manifest.toolchain?.version).toStartWith("rustc 1.95.0");
    const steps = cone(manifest, [label("rustc rustc_llvm").id, label("rustc rustc_index").id]);
    const labels = steps.map((s) => s.label);
    // libc's metadata alone (pipelining): nothing in the cone links it.
    for (const l of ["build-script libc", "rustc libc (metadata)", "build-script rustc_llvm", "rustc rustc_index_macros"]) expect(labels).toContain(l);
    // The stage-0 redesign: no std is built for the compiler crates; the bootstrap links the stage-0
    // toolchain's own libraries into stage0-sysroot, hand-overs from the pinned toolchain: a call
    // reads of them the crates it loads (its dep-info), core alone for some, std for others.
    expect(labels.filter((l) => /^rustc (std|core|alloc)( |$)/.test(l))).toEqual([]);
    const handovers = steps.filter((s) => s.kind === "handover");
    expect(handovers.length).toBeGreaterThan(1);
    for (const h of handovers) {
      expect(h.label).toMatch(/^handover x86_64-unknown-linux-gnu\/stage0-sysroot \(\d+ files\)$/);
      expect(h.args.filter((_, i) => i % 2 === 0).every((from) => from.startsWith("@sysroot@/lib/"))).toBe(true);
    }
    const withStd = handovers.find((h) => h.args.some((a) => /\/libstd-[0-9a-f]+\.rlib$/.test(a)))!;
    // The bootstrap's shim is no step's: build scripts run $RUSTC alone (libc's asks it its version).
    expect(JSON.stringify(steps.map((s) => s.env))).not.toContain("RUSTC_WRAPPER");
    // LLVM 22 is a placeholder (offline: the machine's llvm-config-22), as is the compiler-rt
    // builtins archive Debian's config hands the stage-1 std.
    expect(manifest.llvm?.version).toStartWith("22.");
    expect(label("build-script rustc_llvm").env).toMatchObject({ LLVM_CONFIG: "@llvm-config@" });
    expect(JSON.stringify(manifest)).toContain("@compiler-rt-dir@/libclang_rt.builtins-x86_64.a");
    // No path of the machine (/usr/src/rustc-1.95.0 is where Debian's patched bootstrap remaps the
    // checkout in what the compiler writes: a name, not a path read).
    expect(JSON.stringify(manifest).replaceAll("/usr/src/rustc-1.95.0", "")).not.toMatch(/"\/usr\/|=\/usr\/|\/root\/|\/home\//);
    expect(label("rustc rustc_index_macros").args).toContain("proc-macro");

    const report = await verifyCone(dir, tree, steps, stage0, src);
    const out = (l: string) => report.steps.find((s) => s.label === l)!.outPath!;
    const outDir = (l: string) => join(out(l), label(l).outputs![0]!.replace("@build@", "build"));
    expect(await readdir(outDir("build-script rustc_llvm"))).toContain("libllvm-wrapper.a");
    const stage0Libs = join(out(withStd.label), "build", HOST, "stage0-sysroot/lib/rustlib", HOST, "lib");
    expect((await readdir(stage0Libs)).some((f) => /^libstd-.*\.rlib$/.test(f))).toBe(true);
    // Every compiler step ran the pinned stage-0 compiler.
    expect(new Set(report.steps.filter((s) => s.kind === "rustc").map((s) => s.compiler))).toEqual(new Set([`${manifest.toolchain!.version} (pinned)`]));
  }, 3_600_000);
});
