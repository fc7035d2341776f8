// gen --depth rustc on real Rust 1.85 sources (prepared as Debian does) with no build.rustc: the
// bootstrap runs the stage0 of the checkout's src/stage0 (the official 1.84.0 tarballs, from
// Debian's orig-stage0 tarball, seeded into x.py's build cache as a download would leave them), and
// the tree makes that compiler itself: fixed-output downloads with src/stage0's sha256 and one step
// that unpacks them into stage0. Nix builds every step offline once the tarballs are in its store,
// with no --toolchain; the sysroot the steps made compiles and runs a program with the stage0 the
// tree unpacked, and the same tree moved elsewhere builds the same rlibs in a second store.
import { describe, expect, test } from "bun:test";
import { cp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { readStage0Checksums } from "../lib/capture/stage0.ts";
import { spawn } from "../lib/process.ts";
import type { Manifest } from "../lib/schema.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { writeStandIn } from "../lib/verify/standin.ts";
import { buildSysroot, cli, leakedPaths, nixEval, offlineNixEnv, readTree, rustSrc, supportPath, tempDir } from "./helpers.ts";

const orig = rustSrc("1.85");
const HOST = "x86_64-unknown-linux-gnu";

describe.skipIf(!orig || process.arch !== "x64")("gen --depth rustc on prepared real Rust 1.85 sources with the checkout's own stage0", () => {
  test("the downloads and their unpacking make the compiler; Nix builds every step without --toolchain; hello world runs", async () => {
    const [src, tarballs] = await Promise.all([supportPath("prepare-debian-tree.sh", "1.85"), supportPath("fetch-rust-stage0.sh", "1.85")]);
    const dir = await tempDir();
    // x.py's build cache as its downloads would leave it: bootstrap.py then unpacks without curl.
    await cp(tarballs, join(dir, "build/cache"), { recursive: true });
    // Debian's choices for a tree without llvm-project's compiler-rt, and no stage0 named.
    await Bun.write(
      join(dir, "config.toml"),
      "change-id = 134650\n[build]\nsubmodules = false\nvendor = true\ndocs = false\noptimized-compiler-builtins = false\n[rust]\ndeny-warnings = false\n[llvm]\ndownload-ci-llvm = false\n",
    );
    const g = await cli(
      [
        "gen",
        "--src",
        src,
        "--depth",
        "rustc",
        "--config",
        "config.toml",
        "--build-dir",
        "build",
        "--out",
        "tree",
        "--json",
        "--",
        "build",
        "--stage",
        "0",
        "library/std",
      ],
      { cwd: dir },
    );
    expect({ code: g.code, err: g.code ? g.stderr.slice(-3000) : "" }).toEqual({ code: 0, err: "" });
    const manifest = JSON.parse(g.stdout) as Manifest;
    const stage0 = `@build@/${HOST}/stage0`;
    expect(manifest.toolchain).toBeUndefined();
    expect(manifest.stage0).toEqual({ version: "1.84.0", date: "2025-01-09", steps: ["step001", "step002", "step003", "step004"] });
    const line = (s: Manifest["steps"][number]) => `${s.id} ${s.kind} ${s.label} <- ${s.deps.join(" ")}`;
    expect(manifest.steps.slice(0, 4).map(line)).toEqual([
      `step001 download download rust-std-1.84.0-${HOST}.tar.xz <- `,
      `step002 download download rustc-1.84.0-${HOST}.tar.xz <- `,
      `step003 download download cargo-1.84.0-${HOST}.tar.xz <- `,
      "step004 unpack unpack stage0 (3 tarballs) <- step001 step002 step003",
    ]);
    // Each download is fetched by the sha256 src/stage0 lists for it.
    const sums = await readStage0Checksums(src);
    for (const s of manifest.steps.slice(0, 3)) expect(s.fetch!.sha256).toBe(sums.get(`dist/2025-01-09/${s.fetch!.name}`)!);
    // Every compiler call runs the stage0 the tree unpacks, and depends on that step; a build script
    // asks it for its version.
    const rustc = manifest.steps.filter((s) => s.kind === "rustc");
    expect(rustc.length).toBeGreaterThan(25);
    for (const s of rustc)
      expect({ id: s.id, command: s.command, unpack: s.deps.includes("step004") }).toEqual({ id: s.id, command: `${stage0}/bin/rustc`, unpack: true });
    for (const s of manifest.steps.filter((s) => s.kind === "build-script")) expect(s.env.RUSTC).toBe(`${stage0}/bin/rustc`);
    // 1.85 hard-links the stage0's files into stage0-sysroot: hand-overs from the unpacked stage0.
    const handovers = manifest.steps.filter((s) => s.kind === "handover");
    expect(handovers.length).toBeGreaterThan(0);
    expect(g.stderr).not.toContain("no compiler call's output");
    expect(leakedPaths(await readTree(join(dir, "tree")), [`path:${src}`])).toEqual([]);

    // Every step is a job a build farm builds: nothing is pinned.
    const state = join(dir, "nix");
    const env = await offlineNixEnv(state);
    await writeStandIn(join(dir, "standin"), manifest.system);
    const checks = await nixEval(env, `path:${join(dir, "tree")}#checks.${manifest.system}`, {
      inputs: { nixpkgs: join(dir, "standin") },
      apply: "builtins.attrNames",
    });
    expect({ code: checks.code, err: checks.code ? checks.stderr.slice(-1000) : "" }).toEqual({ code: 0, err: "" });
    expect((JSON.parse(checks.stdout) as string[]).filter((n) => n.startsWith("step")).length).toBe(manifest.steps.length);

    // Offline, the tarballs are put in the store as a user would; no --toolchain.
    for (const name of await readdir(join(tarballs, "2025-01-09"))) {
      const added = await spawn(["nix-store", "--add-fixed", "sha256", join(tarballs, "2025-01-09", name)], { env });
      expect({ code: added.code, err: added.stderr }).toEqual({ code: 0, err: "" });
    }
    const v = await cli(["verify", "tree", "--offline", "--state", state, "--jobs", "2", "--json"], { cwd: dir });
    const report = JSON.parse(v.stdout) as VerifyReport;
    expect(report.steps.filter((s) => !["passed", "built"].includes(s.status)).map((s) => `${s.id} ${s.label} ${s.reason ?? ""}`)).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.stderr).toContain(`compilers: 1.84.0 (the checkout's stage0 of 2025-01-09, made by step004) for ${rustc.length} steps`);

    // The stage0 the tree unpacked, with the sysroot its steps made, compiles and runs a program.
    const outOf = (r: VerifyReport, id: string) => r.steps.find((s) => s.id === id)!.outPath!;
    const stage0Rustc = join(outOf(report, "step004"), "build", HOST, "stage0/bin/rustc");
    const b = await buildSysroot(state, join(dir, "tree"));
    expect({ code: b.code, err: b.err }).toEqual({ code: 0, err: "" });
    const sysroot = b.sysroot!;
    await Bun.write(join(dir, "hello.rs"), 'fn main() { println!("hello from the tree\'s own stage0: {}", (1..=4).sum::<u32>()); }\n');
    const c = await spawn([stage0Rustc, "--sysroot", sysroot, "hello.rs", "-o", "hello"], { cwd: dir });
    expect({ code: c.code, err: c.stderr }).toEqual({ code: 0, err: "" });
    expect((await spawn([join(dir, "hello")])).stdout).toBe("hello from the tree's own stage0: 10\n");

    // The same tree in another folder, into a second store: the same std.
    const moved = join(dir, "elsewhere/tree");
    await cp(join(dir, "tree"), moved, { recursive: true });
    const state2 = join(dir, "nix2");
    const env2 = await offlineNixEnv(state2);
    for (const name of await readdir(join(tarballs, "2025-01-09"))) {
      expect((await spawn(["nix-store", "--add-fixed", "sha256", join(tarballs, "2025-01-09", name)], { env: env2 })).code).toBe(0);
    }
    const v2 = await cli(["verify", moved, "--offline", "--state", state2, "--jobs", "2", "--json"]);
    expect(v2.code).toBe(0);
    const report2 = JSON.parse(v2.stdout) as VerifyReport;
    const std = rustc.find((s) => s.label === "rustc std")!;
    const rlib = std.outputs!.find((o) => o.endsWith(".rlib"))!.replace("@build@", "build");
    const [a, b2] = await Promise.all([Bun.file(join(outOf(report, std.id), rlib)).bytes(), Bun.file(join(outOf(report2, std.id), rlib)).bytes()]);
    expect(Buffer.from(a).equals(Buffer.from(b2))).toBe(true);
  }, 1_800_000);
});
