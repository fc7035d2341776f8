// gen --depth rustc on real Rust 1.63 sources (prepared as Debian does) with Debian's own rustc 1.63
// and cargo 0.66 as stage0: the real build of the standard library is observed call by call, every
// call becomes a step, Nix builds all of them offline, and the sysroot made of their outputs
// compiles and runs a program. The rlibs Nix built are byte-identical to those of the observed build,
// the crates many others wait for built in two steps (pipelining).
import { describe, expect, test } from "bun:test";
import { readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode } from "../lib/errors.ts";
import { spawn } from "../lib/process.ts";
import { TOOLCHAIN_NAME } from "../lib/render/render-tree.ts";
import type { Manifest } from "../lib/schema.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { buildSysroot, cli, leakedPaths, nixEval, offlineNixEnv, readTree, rustSrc, supportPath, tempDir } from "./helpers.ts";

const orig = rustSrc("1.63");

describe.skipIf(!orig)("gen --depth rustc on prepared real Rust 1.63 sources", () => {
  test("std's rustc calls and build scripts become steps; Nix builds them all; the sysroot runs hello world", async () => {
    const [src, stage0] = await Promise.all([supportPath("prepare-debian-tree.sh", "1.63"), supportPath("debian-stage0.sh", "1.63")]);
    const dir = await tempDir();
    await Bun.write(
      join(dir, "config.toml"),
      // The build dir named in the config, as a user's own config does: gen builds there and knows it.
      `changelog-seen = 2\n[build]\nrustc = "${stage0}/bin/rustc"\ncargo = "${stage0}/bin/cargo"\nsubmodules = false\nlocal-rebuild = true\nvendor = true\nbuild-dir = "${join(dir, "build")}"\n`,
    );
    const g = await cli(
      ["gen", "--src", src, "--depth", "rustc", "--config", "config.toml", "--out", "tree", "--json", "--", "build", "--stage", "0", "library/std"],
      { cwd: dir },
    );
    expect({ code: g.code, err: g.code ? g.stderr.slice(-3000) : "" }).toEqual({ code: 0, err: "" });
    const manifest = JSON.parse(g.stdout) as Manifest;
    expect(manifest.depth).toBe("rustc");
    const byLabel = new Map(manifest.steps.map((s) => [s.label, s]));
    for (const crate of ["core", "alloc", "compiler_builtins", "libc", "std", "test"]) expect(byLabel.has(`rustc ${crate}`)).toBe(true);
    for (const pkg of ["libc", "std", "compiler_builtins"]) expect(byLabel.get(`build-script ${pkg}`)?.kind).toBe("build-script");
    // A build script reads its environment itself (rustc_llvm's requires REAL_LIBRARY_PATH_VAR).
    expect(byLabel.get("build-script std")!.env.REAL_LIBRARY_PATH_VAR).toBe("LD_LIBRARY_PATH");
    expect(manifest.steps.filter((s) => s.kind === "rustc").length).toBeGreaterThan(25);
    // File flow: core reads nothing built; std reads core's rlib and the output of its build script.
    expect(byLabel.get("rustc core")!.deps).toEqual([]);
    const std = byLabel.get("rustc std")!;
    expect(std.deps).toContain(byLabel.get("rustc core")!.id);
    expect(std.deps).toContain(byLabel.get("build-script std")!.id);
    // Every step comes after the steps it depends on.
    for (const s of manifest.steps) for (const d of s.deps) expect(d < s.id).toBe(true);
    // The picture: --reduce leaves out core -> std (implied through alloc and others) but keeps std -> proc_macro.
    const full = (await cli(["graph", "tree"], { cwd: dir })).stdout;
    const reduced = (await cli(["graph", "tree", "--reduce"], { cwd: dir })).stdout;
    const edge = (from: string, to: string) => `  ${byLabel.get(from)!.id} --> ${byLabel.get(to)!.id}\n`;
    expect(full).toContain(edge("rustc core", "rustc std"));
    expect(reduced).not.toContain(edge("rustc core", "rustc std"));
    expect(reduced).toContain(edge("rustc std", "rustc proc_macro"));
    expect(reduced.split("-->").length).toBeLessThan(full.split("-->").length / 2);
    // The tree pins the compiler it was captured with; each step's source is just the crates it reads.
    expect(manifest.toolchain?.version).toBe("rustc 1.63.0");
    expect(byLabel.get("rustc core")!.sources).toEqual(["library/core", "library/portable-simd/crates/core_simd", "library/stdarch/crates/core_arch"]);
    expect(byLabel.get("rustc getopts")!.sources).toEqual(["vendor/getopts"]);
    // std is copied into stage0-sysroot when it is done: a hand-over step, read by no std call.
    const handovers = manifest.steps.filter((s) => s.kind === "handover");
    expect(handovers.map((s) => s.label)).toEqual(["handover x86_64-unknown-linux-gnu/stage0-sysroot (27 files)"]);
    const tree = await readTree(join(dir, "tree"));
    // Only the checkout it read, as the root flake's src input.
    expect(leakedPaths(tree, [`path:${await realpath(src)}`])).toEqual([]);

    // Without its compiler, or with another one, verify says so before building anything.
    const none = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix-other")], { cwd: dir });
    expect(none.code).toBe(ExitCode.badInput);
    expect(none.stderr).toContain("this tree builds with the compiler it was captured with (rustc 1.63.0, sha256-");
    const machine = (await spawn(["rustc", "--print", "sysroot"])).stdout.trim();
    const other = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix-other"), "--toolchain", machine], { cwd: dir });
    expect(other.code).toBe(ExitCode.badInput);
    expect(other.stderr).toContain("is not the compiler this tree was captured with (rustc 1.63.0");
    // Refused before it is copied: the other compiler's gigabyte is not in the store.
    expect((await readdir(join(dir, "nix-other", "store"))).filter((p) => p.endsWith(`-${TOOLCHAIN_NAME}`))).toEqual([]);

    const state = join(dir, "nix");
    const v = await cli(["verify", "tree", "--offline", "--state", state, "--toolchain", stage0, "--jobs", "2", "--json"], { cwd: dir });
    const report = JSON.parse(v.stdout) as VerifyReport;
    expect(report.steps.filter((s) => s.status !== "passed").map((s) => `${s.id} ${s.label} ${s.reason ?? ""}`)).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.stderr).toContain(`compilers: rustc 1.63.0 (pinned) for ${manifest.steps.filter((s) => s.kind === "rustc").length} steps`);
    // Pipelining: compiler_builtins, whose metadata many std crates name, is a metadata step that
    // keeps only the .rmeta, and the full call, which keeps the rlib but not the .rmeta.
    const filesOf = async (label: string) => {
      const step = byLabel.get(label)!;
      const dir = step.outputs![0]!.replace("@build@", "build").replace(/\/[^/]+$/, "");
      return (await readdir(join(report.steps.find((s) => s.id === step.id)!.outPath!, dir))).map((f) => f.replace(/-[0-9a-f]{16}/, "")).sort();
    };
    expect(byLabel.get("rustc compiler_builtins (metadata)")!.args).toContain("-Zno-codegen");
    expect(await filesOf("rustc compiler_builtins (metadata)")).toEqual(["libcompiler_builtins.rmeta"]);
    expect(await filesOf("rustc compiler_builtins")).toEqual(["compiler_builtins.d", "libcompiler_builtins.rlib"]);
    // An output holds only what its step wrote: std's has libstd, not core's rlib.
    const stdOut = await readdir(
      join(report.steps.find((s) => s.id === std.id)!.outPath!, std.outputs![0]!.replace("@build@", "build").replace(/\/[^/]+$/, "")),
    );
    expect(stdOut.some((f) => f.startsWith("libstd-"))).toBe(true);
    expect(stdOut.some((f) => f.startsWith("libcore-"))).toBe(false);

    // The sysroot of the tree, built by Nix from the step outputs.
    const b = await buildSysroot(state, join(dir, "tree"));
    expect({ code: b.code, err: b.err }).toEqual({ code: 0, err: "" });
    const sysroot = b.sysroot!;
    await Bun.write(join(dir, "hello.rs"), 'fn main() { let v: Vec<u32> = (1..=4).collect(); println!("hello from a Nix-built std: {:?}", v); }\n');
    const rustc = join(stage0, "bin", "rustc");
    const c = await spawn([rustc, "--sysroot", sysroot, "hello.rs", "-o", "hello"], { cwd: dir });
    expect({ code: c.code, err: c.stderr }).toEqual({ code: 0, err: "" });
    expect((await spawn([join(dir, "hello")])).stdout).toBe("hello from a Nix-built std: [1, 2, 3, 4]\n");
    // The sysroot is what rustc used: without it, there is no std to link.
    const empty = await spawn([rustc, "--sysroot", join(dir, "nowhere"), "hello.rs", "-o", "hello2"], { cwd: dir });
    expect(empty.stderr).toContain("can't find crate for `std`");

    // The rlibs Nix built against those of the observed build.
    const target = "x86_64-unknown-linux-gnu";
    const libs = (await readdir(join(sysroot, "lib/rustlib", target, "lib"))).filter((f) => f.endsWith(".rlib"));
    let identical = 0;
    for (const lib of libs) {
      const observed = join(dir, "build", target, "stage0-std", target, "release", "deps", lib);
      const a = await Bun.file(join(sysroot, "lib/rustlib", target, "lib", lib)).bytes();
      const o = await Bun.file(observed).bytes();
      if (Buffer.from(a).equals(Buffer.from(o))) identical++;
    }
    console.error(`rlibs byte-identical to the observed build: ${identical} of ${libs.length}`);
    expect(libs.length).toBeGreaterThan(20);
    // gen maps the source and build dir to fixed names in both builds, so nothing else differs.
    expect(identical).toBe(libs.length);

    // Incremental: the same checkout with one file of one crate changed (getopts, read only by
    // itself; test depends on it) rebuilds just those two steps and the hand-over of the finished
    // stage0-sysroot that holds their rlibs; every other step is already built.
    const changed = join(dir, "changed-src");
    const cp = await spawn(["cp", "-al", src, changed]);
    if (cp.code !== 0) expect((await spawn(["cp", "-a", src, changed])).code).toBe(0);
    const file = join(changed, "vendor/getopts/src/lib.rs");
    const text = await Bun.file(file).text();
    await spawn(["rm", "-f", file]);
    await Bun.write(file, `${text}\n// a change\n`);
    // Older than two seconds by the time verify hashes the piece, so its hash is kept by the
    // piece's stat fingerprint (lib/verify/piece-hashes.ts): the edit below must be seen by that.
    await Bun.sleep(2_100);
    const again = await cli(["verify", "tree", "--offline", "--state", state, "--toolchain", stage0, "--src", changed, "--json"], { cwd: dir });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as VerifyReport;
    expect(
      second.steps
        .filter((s) => s.status === "passed")
        .map((s) => s.label)
        .sort(),
    ).toEqual(["handover x86_64-unknown-linux-gnu/stage0-sysroot (27 files)", "rustc getopts", "rustc test"]);
    expect(second.steps.filter((s) => s.status === "built").length).toBe(manifest.steps.length - 3);
    expect(again.stderr).toContain(`3 passed, ${manifest.steps.length - 3} already built`);
    // verify reads the changed checkout in place; the tree's flake, as `nix build --override-input
    // src` takes it (a locked copy of the whole checkout), names the very same derivations.
    const flake = await nixEval(await offlineNixEnv(state), `path:${join(dir, "tree")}#packages.${manifest.system}`, {
      inputs: { nixpkgs: join(state, "nixpkgs-host"), src: changed },
      apply: "builtins.mapAttrs (n: p: p.drvPath)",
    });
    expect(flake.code).toBe(0);
    const drvs = JSON.parse(flake.stdout) as { [id: string]: string };
    expect(second.steps.map((s) => s.drvPath)).toEqual(second.steps.map((s) => drvs[s.id]));

    // Edited again in place at the same size, its mtime put back to the nanosecond: not the kept
    // hash, the new bytes (the file's ctime moved), so the same steps rebuild.
    const times = join(dir, "times-of-lib.rs");
    expect((await spawn(["touch", "-r", file, times])).code).toBe(0);
    await Bun.write(file, `${text}\n// b change\n`);
    expect((await spawn(["touch", "-r", times, file])).code).toBe(0);
    const third = await cli(["verify", "tree", "--offline", "--state", state, "--toolchain", stage0, "--src", changed, "--json"], { cwd: dir });
    expect(third.code).toBe(0);
    expect(third.stderr).toContain(`3 passed, ${manifest.steps.length - 3} already built`);
  }, 1_200_000);
});
