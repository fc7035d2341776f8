// gen --depth cargo on real Rust 1.85 sources (prepared as Debian does): the bootstrap binary is
// really built (with the machine's toolchain, else Debian's rustc-web, standing in for the pinned
// 1.84 stage0, which cannot be downloaded here) and asked for its plan; its cargo calls become steps after the stage0
// downloads (fixed-output fetches with the checkout's own sha256) and the cargo build of bootstrap.
// The tree keeps Debian's original src/bootstrap/Cargo.lock, which does not match the vendored
// crates: gen re-resolves it in its copy, says so, and gives the steps the same file.
import { describe, expect, test } from "bun:test";
import { ExitCode } from "../lib/errors.ts";
import { mkdir, readdir, realpath, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { Manifest } from "../lib/schema.ts";
import { readStage0Checksums } from "../lib/capture/stage0.ts";
import { cli, leakedPaths, readTree, rustSrc, supportPath, tempDir } from "./helpers.ts";

const orig = rustSrc("1.85");

/** A read-only view of `root` made of links, with `rel` replaced by a real file holding `text`. */
async function linkFarmWith(root: string, dest: string, rel: string, text: string): Promise<void> {
  const parts = rel.split("/");
  for (let depth = 0; depth < parts.length; depth++) {
    const dir = parts.slice(0, depth).join("/");
    await mkdir(join(dest, dir), { recursive: true });
    for (const name of await readdir(join(root, dir))) {
      if (name === parts[depth]) continue;
      await symlink(join(root, dir, name), join(dest, dir, name));
    }
  }
  await Bun.write(join(dest, rel), text);
}

describe.skipIf(!orig)("gen --depth cargo on prepared real Rust 1.85 sources", () => {
  test("the dry run's cargo builds become a chain of steps on top of the pinned stage0 and the bootstrap binary", async () => {
    const prepared = await supportPath("prepare-debian-tree.sh", "1.85");
    const dir = await tempDir();
    const src = join(dir, "checkout");
    const staleLock = await Bun.file(join(prepared, "src/bootstrap/Cargo.lock.orig")).text();
    await linkFarmWith(prepared, src, "src/bootstrap/Cargo.lock", staleLock);
    // Debian's choices for a tree without llvm-project's compiler-rt and with its patches applied.
    await Bun.write(
      join(dir, "config.toml"),
      "change-id = 134650\n[build]\nsubmodules = false\noptimized-compiler-builtins = false\n[rust]\ndeny-warnings = false\n",
    );
    const sysroot = await supportPath("toolchain-for.sh", "1.85");
    const g = await cli(
      [
        "gen",
        "--src",
        src,
        "--depth",
        "cargo",
        "--config",
        "config.toml",
        "--run-toolchain",
        sysroot,
        "--out",
        "tree",
        "--json",
        "--",
        "build",
        "--skip-stage0-validation",
      ],
      { cwd: dir },
    );
    expect({ code: g.code, err: g.code ? g.stderr.slice(-3000) : "" }).toEqual({ code: 0, err: "" });
    expect(g.stderr).toMatch(/src\/bootstrap\/Cargo\.lock does not match vendor\/ \(failed to select a version for the requirement `?clap/);
    expect(g.stderr).toContain("gen re-resolved it offline in its copy");
    expect(await Bun.file(join(src, "src/bootstrap/Cargo.lock")).text()).toBe(staleLock);
    const manifest = JSON.parse(g.stdout) as Manifest;
    expect(manifest.depth).toBe("cargo");
    expect(manifest.steps.map((s) => `${s.id} ${s.kind} ${s.label} <- ${s.deps.join(" ")}`)).toEqual([
      "step001 download download rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- ",
      "step002 download download rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- ",
      "step003 download download cargo-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- ",
      "step004 unpack unpack rust-std-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- step001",
      "step005 unpack unpack rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- step002",
      "step006 unpack unpack cargo-1.84.0-x86_64-unknown-linux-gnu.tar.xz <- step003",
      "step007 cargo cargo build bootstrap <- step004 step005 step006",
      "step008 cargo cargo build sysroot (stage0-std) <- step004 step005 step006 step007",
      "step009 cargo cargo build rustc (stage0-rustc) <- step004 step005 step006 step007 step008",
      "step010 cargo cargo build sysroot (stage1-std) <- step004 step005 step006 step007 step009",
    ]);
    // The downloads are the checkout's pinned stage0, hashed by its own src/stage0.
    const checksums = await readStage0Checksums(src);
    for (const s of manifest.steps.filter((s) => s.kind === "download")) {
      expect([...checksums.values()]).toContain(s.fetch!.sha256);
    }
    // The planned calls run the pinned stage0's cargo through bootstrap's rustc shim, and keep only their target dir.
    for (const s of manifest.steps.slice(7)) {
      expect(s.command).toBe("@build@/x86_64-unknown-linux-gnu/stage0/bin/cargo");
      expect(s.env.RUSTC).toBe("@build@/bootstrap/debug/rustc");
      // Stage 0 builds with the stage0 compiler, stage 1 with the compiler stage 0 built.
      const stage = s.env.CARGO_TARGET_DIR!.includes("/stage1-") ? "stage1" : "stage0";
      expect(s.env.RUSTC_REAL).toBe(`@build@/x86_64-unknown-linux-gnu/${stage}/bin/rustc`);
      expect(s.outputs).toEqual([s.env.CARGO_TARGET_DIR!]);
    }
    const tree = await readTree(join(dir, "tree"));
    // The re-resolved lock reaches the steps' source; it names the vendored clap.
    expect(tree.get("steps.nix")).toContain('"src/bootstrap/Cargo.lock"');
    expect(tree.get("steps.nix")).toContain("4.5.23");
    // Only the checkout it read, as the root flake's src input.
    expect(leakedPaths(tree, [`path:${await realpath(src)}`])).toEqual([]);
    const graph = await cli(["graph", "tree"], { cwd: dir });
    expect(graph.stdout).toContain("step008 --> step009");
    // The planned cargo calls cannot build as steps: verify says so in one line before building anything.
    const v = await cli(["verify", "tree", "--offline", "--state", join(dir, "nix")], { cwd: dir });
    expect(v.code).toBe(ExitCode.badInput);
    expect(v.stderr).toContain("3 of the chosen steps (step008, ...) are cargo calls of the bootstrap's plan (--depth cargo), which do not build through Nix");
    expect(v.stderr).not.toContain("evaluating");
  }, 900_000);
});
