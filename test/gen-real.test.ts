// gen on Debian's real rustc 1.63 and 1.85 sources (fetched by scripts/test.sh): real Python
// running the real bootstrap.py, in both modes, with no config and with a local toolchain.
import { describe, expect, test } from "bun:test";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { makeOverlay } from "../lib/capture/overlay.ts";
import { ManifestSchema, type Manifest } from "../lib/schema.ts";
import { readStage0Checksums } from "../lib/capture/stage0.ts";
import { spawn } from "../lib/process.ts";
import { cli, leakedPaths, listing, readTree, rustSrc, tempDir } from "./helpers.ts";

async function gen(root: string, extra: string[]): Promise<{ manifest: Manifest; out: string; stderr: string }> {
  const dir = await tempDir();
  const out = join(dir, "tree");
  const r = await cli(["gen", "--src", root, "--out", out, ...extra], { cwd: dir });
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
  const manifest = v.parse(ManifestSchema, await Bun.file(join(out, "steps.json")).json());
  expect(leakedPaths(await readTree(out), [`path:${root}`, `path:${out}`])).toEqual([]);
  return { manifest, out, stderr: r.stderr };
}

async function localToolchainConfig(): Promise<string> {
  const sysroot = (await spawn(["rustc", "--print", "sysroot"])).stdout.trim();
  const file = join(await tempDir(), "config.toml");
  await Bun.write(file, `[build]\nrustc = "${sysroot}/bin/rustc"\ncargo = "${sysroot}/bin/cargo"\n`);
  return file;
}

const kinds = (m: Manifest) => m.steps.map((s) => s.kind);

for (const version of ["1.63", "1.85"] as const) {
  const root = rustSrc(version);
  describe.skipIf(!root)(`gen on real Rust ${version} sources`, () => {
    const src = root!;
    let before: string[] = [];

    test("the source root is listed before gen runs", async () => {
      before = await listing(src);
      expect(before.length).toBeGreaterThan(10000);
    });

    test("mode all, no config: stage0 downloads as fixed-output fetches, unpacks, the cargo build of bootstrap, then the binary", async () => {
      const { manifest, stderr } = await gen(src, []);
      expect(stderr).toContain("supplies a config.toml with build.submodules = false");
      const sequence: string[] =
        version === "1.63"
          ? ["download", "unpack", "download", "unpack", "download", "unpack", "cargo", "bootstrap"]
          : ["download", "download", "download", "unpack", "unpack", "unpack", "cargo", "bootstrap"];
      expect(kinds(manifest) as string[]).toEqual(sequence);
      const sums = await readStage0Checksums(src);
      for (const s of manifest.steps.filter((s) => s.kind === "download")) {
        expect(s.fetch!.url).toMatch(/^https:\/\/static\.rust-lang\.org\/dist\/.+\.tar\.xz$/);
        expect([...sums.values()]).toContain(s.fetch!.sha256);
        expect(s.fetch!.name).toBe(s.fetch!.url.split("/").at(-1)!);
      }
      // Each unpack depends on its own download; cargo on the unpacked toolchain; the binary on cargo.
      for (const s of manifest.steps.filter((s) => s.kind === "unpack")) {
        const dl = manifest.steps.find((d) => d.id === s.deps[0])!;
        expect(s.label).toBe(`unpack ${dl.fetch!.name}`);
      }
      const cargo = manifest.steps.find((s) => s.kind === "cargo")!;
      expect(cargo.deps).toEqual(manifest.steps.filter((s) => s.kind === "unpack").map((s) => s.id));
      expect(cargo.args).toContain("@src@/src/bootstrap/Cargo.toml");
      expect(manifest.steps.at(-1)!.deps).toEqual([cargo.id]);
      expect(manifest.steps.at(-1)!.command).toBe("@build@/bootstrap/debug/bootstrap");
    });

    test("mode first, no config: exactly the first download", async () => {
      const { manifest } = await gen(src, ["--mode", "first"]);
      expect(kinds(manifest)).toEqual(["download"]);
    });

    test("mode all with a local toolchain: the cargo build of bootstrap, then the binary, toolchain as placeholders", async () => {
      const { manifest, out } = await gen(src, ["--config", await localToolchainConfig()]);
      expect(kinds(manifest)).toEqual(["cargo", "bootstrap"]);
      const [cargo, boot] = manifest.steps;
      expect(cargo!.command).toBe("@cargo@");
      expect(cargo!.env.RUSTC).toBe("@rustc@");
      expect(cargo!.env.CARGO_TARGET_DIR).toBe("@build@/bootstrap");
      expect(boot!.deps).toEqual(["step001"]);
      expect(boot!.args).toEqual(["build"]);
      const stepsNix = await Bun.file(join(out, "steps.nix")).text();
      expect(stepsNix).toContain('rustc = \\"@rustc@\\"');
    });

    test("mode first with a local toolchain: the cargo build of bootstrap alone", async () => {
      const { manifest } = await gen(src, ["--mode", "first", "--config", await localToolchainConfig()]);
      expect(manifest.steps.map((s) => s.label)).toEqual(["cargo build bootstrap"]);
    });

    test("x.py's arguments after -- are passed on and recorded", async () => {
      const { manifest } = await gen(src, ["--config", await localToolchainConfig(), "--", "build", "--stage", "1", "library/std"]);
      expect(manifest.xpyArgs).toEqual(["build", "--stage", "1", "library/std"]);
      expect(manifest.steps.at(-1)!.args).toEqual(["build", "--stage", "1", "library/std"]);
    });

    test("the source root is unchanged: path, size and mtime of every entry", async () => {
      expect(before.length).toBeGreaterThan(0);
      const after = await listing(src);
      expect(after.length).toBe(before.length);
      expect(after).toEqual(before);
    });

    test("the copy gen works in is cheap: links, with real files only for what it patches", async () => {
      const dest = join(await tempDir(), "copy");
      const t0 = performance.now();
      await makeOverlay(
        src,
        dest,
        new Map([
          ["src/bootstrap/bootstrap.py", "patched"],
          ["src/ci/channel", "dev\n"],
        ]),
      );
      const ms = performance.now() - t0;
      let realFiles = 0;
      let entries = 0;
      async function walk(dir: string) {
        for (const name of await readdir(dir)) {
          const st = await lstat(join(dir, name));
          entries++;
          if (st.isDirectory()) await walk(join(dir, name));
          else if (st.isFile()) realFiles++;
        }
      }
      await walk(dest);
      expect(realFiles).toBe(2);
      expect(entries).toBeLessThan(200);
      expect(await Bun.file(join(dest, "src/bootstrap/bootstrap.py")).text()).toBe("patched");
      expect(await Bun.file(join(dest, "src/bootstrap/Cargo.toml")).exists()).toBe(true);
      console.error(`overlay of the ${version} tree: ${ms.toFixed(1)} ms, ${entries} entries`);
    });
  });
}
