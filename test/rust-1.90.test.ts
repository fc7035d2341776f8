// gen on Debian's rustc 1.90 sources, a bootstrap newer than 1.85: bootstrap.toml preferred over
// config.toml, change-id expected, and the stage-0 redesign (stage 0 builds no std; 1.90 refuses
// `build --stage 0`). Shell depth on the raw and the prepared tree; cargo depth on the prepared tree
// (the plan of a full build, with Debian's LLVM 14 named as llvm-config as Debian's own config names
// its LLVM); rustc depth on a tool the stage-0 compiler builds alone, verified through Nix offline.
// 1.90's packaging is not served by the archive: the tree is prepared without it
// (test/support/prepare-debian-tree.sh). The toolchain is the machine's where it is at least the
// tree's stage0 (1.89), else Debian's rustc-web (test/support/toolchain-for.sh). No stage-1
// compiler is built here: a current compiler's is, 1.95's (test/compiler-cone.test.ts, with LLVM 22).
import { describe, expect, test } from "bun:test";
import { mkdir, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode } from "../lib/errors.ts";
import { spawn } from "../lib/process.ts";
import type { Manifest } from "../lib/schema.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { cli, leakedPaths, readTree, rustSrc, supportPath, tempDir } from "./helpers.ts";

const orig = rustSrc("1.90");
const target = "x86_64-unknown-linux-gnu";
const toolchain = await supportPath("toolchain-for.sh", "1.90");
const tools = `rustc = "${toolchain}/bin/rustc"\ncargo = "${toolchain}/bin/cargo"\n`;
// Debian's choices for a tree without llvm-project: its patches leave warnings; LLVM is the system's.
const config = `change-id = "ignore"\n[build]\nsubmodules = false\n${tools}[rust]\ndeny-warnings = false\n`;
let preparing: Promise<string> | undefined;
/** The tree prepared by test/support/prepare-debian-tree.sh 1.90 (minutes the first time, then cached). */
const prepared = () => (preparing ??= supportPath("prepare-debian-tree.sh", "1.90"));

/** The newest change-id of the 1.90 bootstrap (the last entry of its change tracker). */
async function latestChangeId(): Promise<string> {
  const tracker = await Bun.file(join(orig, "src/bootstrap/src/utils/change_tracker.rs")).text();
  return [...tracker.matchAll(/change_id: (\d+)/g)].at(-1)![1]!;
}

/** A checkout made of links to the raw tree's top-level entries, plus `files` of its own. */
async function checkoutWith(files: { [name: string]: string }): Promise<string> {
  const dir = join(await tempDir(), "checkout");
  await mkdir(dir);
  for (const name of await readdir(orig)) if (!(name in files)) await symlink(join(orig, name), join(dir, name));
  for (const [name, text] of Object.entries(files)) await Bun.write(join(dir, name), text);
  return dir;
}

/** gen in a fresh folder; its exit code, stderr and (on success) the manifest. */
async function gen(args: string[], files: { [name: string]: string } = {}) {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) await Bun.write(join(dir, name), text);
  const r = await cli(["gen", "--out", "tree", "--json", ...args], { cwd: dir });
  const manifest = r.code === 0 ? (JSON.parse(r.stdout) as Manifest) : undefined;
  return { ...r, dir, manifest };
}

const labels = (m: Manifest) => m.steps.map((s) => `${s.kind} ${s.label}`);

describe("Rust 1.90 sources", () => {
  test("shell depth, raw tree, no config: gen supplies bootstrap.toml with change-id; the stage0 of 1.89 is fetched", async () => {
    const g = await gen(["--src", orig]);
    expect({ code: g.code, err: g.code ? g.stderr.slice(-2000) : "" }).toEqual({ code: 0, err: "" });
    const id = await latestChangeId();
    expect(g.stderr).toContain(
      `the checkout has no .git and no bootstrap.toml; gen supplies a bootstrap.toml with build.submodules = false and change-id = ${id}`,
    );
    const stage0 = (await Bun.file(join(orig, "src/stage0")).text()).match(/^compiler_version=(.+)$/m)![1]!;
    expect(stage0).toBe("1.89.0");
    expect(labels(g.manifest!)).toEqual([
      ...["rust-std", "rustc", "cargo"].map((c) => `download download ${c}-${stage0}-${target}.tar.xz`),
      ...["rust-std", "rustc", "cargo"].map((c) => `unpack unpack ${c}-${stage0}-${target}.tar.xz`),
      "cargo cargo build bootstrap",
      "bootstrap bootstrap build",
    ]);
    // The steps get the same supplied file, under the name 1.90 reads first.
    const stepsNix = (await readTree(join(g.dir, "tree"))).get("steps.nix")!;
    expect(stepsNix).toContain(`"bootstrap.toml" = "# Supplied by nixify-rust: the checkout has no .git and no bootstrap.toml.\\nchange-id = ${id}\\n`);
    expect(stepsNix).not.toContain('"config.toml"');
  });

  test("shell depth, raw tree: the checkout's bootstrap.toml is read before its config.toml, and --config takes the place of both", async () => {
    // config.toml names a compiler that does not exist: if it were read, the steps would name it.
    const src = await checkoutWith({ "bootstrap.toml": `change-id = "ignore"\n[build]\n${tools}`, "config.toml": '[build]\nrustc = "/nowhere/rustc"\n' });
    const own = await gen(["--src", src]);
    expect(own.code).toBe(0);
    expect(labels(own.manifest!)).toEqual(["cargo cargo build bootstrap", "bootstrap bootstrap build"]);
    expect(own.manifest!.steps[0]!.env.RUSTC).toBe("@rustc@");
    expect(own.stderr).not.toContain("supplies");
    // A --config lands as bootstrap.toml in gen's copy (a config.toml beside the checkout's bootstrap.toml would be ignored).
    const given = await gen(["--src", src, "--config", "given.toml"], { "given.toml": `# given\n${config}` });
    expect(given.code).toBe(0);
    expect(labels(given.manifest!)).toEqual(["cargo cargo build bootstrap", "bootstrap bootstrap build"]);
    expect((await readTree(join(given.dir, "tree"))).get("steps.nix")).toContain('"bootstrap.toml" = "# given\\n');
  });

  describe("prepared tree", () => {
    test("shell depth with the toolchain named: the cargo build of bootstrap, then the binary, with x.py's arguments", async () => {
      const g = await gen(["--src", await prepared(), "--config", "bootstrap.toml", "--", "build", "--skip-stage0-validation"], { "bootstrap.toml": config });
      expect(g.code).toBe(0);
      expect(labels(g.manifest!)).toEqual(["cargo cargo build bootstrap", "bootstrap bootstrap build"]);
      expect(g.manifest!.steps[1]!.args).toEqual(["build", "--skip-stage0-validation"]);
    });

    test("cargo depth: the plan of a full build starts at the stage-0 compiler, with no stage-0 std", async () => {
      const llvm = '[target.x86_64-unknown-linux-gnu]\nllvm-config = "/usr/bin/llvm-config-14"\n';
      const g = await gen(["--src", await prepared(), "--depth", "cargo", "--config", "bootstrap.toml", "--", "build", "--skip-stage0-validation"], {
        "bootstrap.toml": `${config}${llvm}`,
      });
      expect({ code: g.code, err: g.code ? g.stderr.slice(-3000) : "" }).toEqual({ code: 0, err: "" });
      const planned = g.manifest!.steps.filter((s) => s.site === "bootstrap dry run");
      console.error(`1.90 full build plan: ${planned.length} cargo calls`);
      expect(planned.map((s) => s.label)).toEqual([
        "cargo build rustc (stage0-rustc)",
        "cargo build wasm-component-ld (bootstrap-tools)",
        "cargo build llvm-bitcode-linker (bootstrap-tools)",
        "cargo build sysroot (stage1-std)",
        "cargo build rustc (stage1-rustc)",
        "cargo build wasm-component-ld (stage1-tools)",
        "cargo build llvm-bitcode-linker (stage1-tools)",
        "cargo build cargo (stage1-tools)",
        "cargo build rust-analyzer (stage1-tools)",
        "cargo build proc-macro-srv-cli (stage1-tools)",
        "cargo build rustdoc (stage1-tools)",
        "cargo build clippy (stage1-tools)",
        "cargo build clippy (stage1-tools)",
        "cargo build rustfmt (stage1-tools)",
        "cargo build rustfmt (stage1-tools)",
      ]);
      // The toolchain named in the config builds the stage-0 compiler; the one it built, the rest.
      expect(planned[0]!.env.RUSTC_REAL).toBe("@rustc@");
      expect(planned[3]!.env.RUSTC_REAL).toBe(`@build@/${target}/stage1/bin/rustc`);
      expect(g.manifest!.steps.find((s) => s.label === "cargo build bootstrap")!.command).toBe("@cargo@");
      expect(leakedPaths(new Map([...(await readTree(join(g.dir, "tree")))].filter(([rel]) => !rel.endsWith("flake.nix"))))).toEqual([]);
    }, 600_000);

    test("rustc depth: stage 0 builds nothing in 1.90 (exit 16, one line and a hint)", async () => {
      const g = await gen(
        ["--src", await prepared(), "--depth", "rustc", "--config", "bootstrap.toml", "--", "build", "--skip-stage0-validation", "--stage", "0", "library/std"],
        { "bootstrap.toml": config },
      );
      expect(g.code).toBe(ExitCode.nothingObserved);
      expect(g.stderr).toContain('this bootstrap refuses stage 0 ("cannot build anything on stage 0"), so there is no compiler call to turn into a step');
      expect(g.stderr).toContain("name --stage 1");
      expect(g.stderr).not.toMatch(/^\s+at /m);
    }, 600_000);

    test("rustc depth: a tool the stage-0 compiler builds (coverage-dump) becomes steps, and Nix builds them all offline", async () => {
      const g = await gen(
        [
          "--src",
          await prepared(),
          "--depth",
          "rustc",
          "--config",
          "bootstrap.toml",
          "--build-dir",
          "build",
          "--",
          "build",
          "--skip-stage0-validation",
          "--stage",
          "1",
          "src/tools/coverage-dump",
        ],
        { "bootstrap.toml": config },
      );
      expect({ code: g.code, err: g.code ? g.stderr.slice(-3000) : "" }).toEqual({ code: 0, err: "" });
      const m = g.manifest!;
      const byLabel = new Map(m.steps.map((s) => [s.label, s]));
      console.error(
        `1.90 coverage-dump: ${m.steps.length} steps (${m.steps.filter((s) => s.kind === "rustc").length} rustc, ${m.steps.filter((s) => s.kind === "build-script").length} build-script)`,
      );
      for (const crate of ["coverage_dump", "regex", "md5", "anyhow"]) expect(byLabel.get(`rustc ${crate}`)?.kind).toBe("rustc");
      for (const pkg of ["anyhow", "typenum", "generic-array"]) expect(byLabel.get(`build-script ${pkg}`)?.kind).toBe("build-script");
      // Every call is the stage-0 compiler's: no stage-1 compiler, no hand-over into a sysroot.
      expect(m.steps.filter((s) => s.kind === "handover")).toEqual([]);
      expect(m.toolchain!.version).toBe((await spawn([`${toolchain}/bin/rustc`, "--version"])).stdout.trim());
      const tool = byLabel.get("rustc coverage_dump")!;
      expect(tool.outputs![0]).toMatch(new RegExp(`^@build@/${target}/bootstrap-tools/${target}/release/deps/coverage_dump-`));
      expect(leakedPaths(new Map([...(await readTree(join(g.dir, "tree")))].filter(([rel]) => !rel.endsWith("flake.nix"))))).toEqual([]);

      const v = await cli(["verify", "tree", "--offline", "--state", join(g.dir, "nix"), "--toolchain", toolchain, "--jobs", "2", "--json"], { cwd: g.dir });
      const report = JSON.parse(v.stdout) as VerifyReport;
      expect(report.steps.filter((s) => s.status !== "passed").map((s) => `${s.id} ${s.label} ${s.reason ?? ""}`)).toEqual([]);
      expect(v.code).toBe(0);
      // The tool Nix built runs: without an argument it asks for the LLVM IR file it dumps.
      const built = join(report.steps.find((s) => s.id === tool.id)!.outPath!, tool.outputs![0]!.replace("@build@", "build"));
      expect((await spawn([built], { env: { RUST_BACKTRACE: "0" } })).stderr).toContain("LLVM IR file not specified");
    }, 900_000);
  });
});
