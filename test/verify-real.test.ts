// verify on real Rust 1.85 sources, prepared the way Debian prepares them (in a cache, never in
// the tree gen reads), with the machine's toolchain (else Debian's rustc-web, as
// test/support/toolchain-for.sh picks) as build.rustc/build.cargo: the cargo build of the
// bootstrap crate really builds as a Nix derivation, offline, from vendored crates; the run of
// the bootstrap binary fails and the report says why.
import { describe, expect, test } from "bun:test";
import { ExitCode } from "../lib/errors.ts";
import { join } from "node:path";
import type { VerifyReport } from "../lib/verify/report.ts";
import { cli, rustSrc, supportPath, tempDir } from "./helpers.ts";

const orig = rustSrc("1.85");

describe.skipIf(!orig)("verify on prepared real Rust 1.85 sources", () => {
  test("step001 (cargo build of bootstrap) passes through Nix; step002 (the bootstrap binary) fails with its reason", async () => {
    const src = await supportPath("prepare-debian-tree.sh", "1.85");
    const dir = await tempDir();
    const sysroot = await supportPath("toolchain-for.sh", "1.85");
    // deny-warnings off as in Debian's own config: Debian's patches leave unused code behind.
    await Bun.write(join(dir, "config.toml"), `[build]\nrustc = "${sysroot}/bin/rustc"\ncargo = "${sysroot}/bin/cargo"\n\n[rust]\ndeny-warnings = false\n`);
    const g = await cli(["gen", "--src", src, "--config", join(dir, "config.toml"), "--out", "tree"], { cwd: dir });
    expect(g.code).toBe(0);
    // The same toolchain stands in for nixpkgs' rustc and cargo (else the first rustc on PATH would).
    const r = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix"), "--toolchain", sysroot, "--keep-going", "--json"], { cwd: dir });
    const report = JSON.parse(r.stdout) as VerifyReport;
    expect(report.steps.map((s) => `${s.id} ${s.kind} ${s.status}`)).toEqual(["step001 cargo passed", "step002 bootstrap failed"]);
    expect(await Bun.file(join(report.steps[0]!.outPath!, "build/bootstrap/debug/bootstrap")).exists()).toBe(true);
    expect(report.steps[1]!.reason).toContain("Unexpected rustc version");
    expect(r.code).toBe(ExitCode.buildFailed);
  }, 900_000);
});
