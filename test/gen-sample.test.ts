// gen on the embedded sample tree: the steps, their identifiers, determinism, secrets, and the
// Nix it writes, read back by real Nix.
import { describe, expect, test } from "bun:test";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { ExitCode } from "../lib/errors.ts";
import { spawn } from "../lib/process.ts";
import { writeSample } from "../lib/capture/sample.ts";
import { ManifestSchema } from "../lib/schema.ts";
import { writeStandIn } from "../lib/verify/standin.ts";
import { cli, leakedPaths, offlineNixEnv, readTree, tempDir } from "./helpers.ts";

async function manifestOf(out: string) {
  return v.parse(ManifestSchema, await Bun.file(join(out, "steps.json")).json());
}

describe("gen on the sample tree", () => {
  test("with no checkout it uses the embedded sample, says so, and writes four wired steps", async () => {
    const dir = await tempDir();
    const r = await cli(["gen"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("using the embedded sample tree");
    expect(r.stderr).toMatch(/4 steps written/);
    const m = await manifestOf(join(dir, "bootstrap"));
    expect(m.source.sample).toBe(true);
    expect(m.steps.map((s) => [s.id, s.kind, s.label, s.deps])).toEqual([
      ["step001", "rustc", "rustc greeting", []],
      ["step002", "rustc", "rustc hello", ["step001"]],
      ["step003", "rustc", "rustc tool", []],
      ["step004", "bootstrap", "bootstrap hello", ["step002"]],
    ]);
    // A step's composite is its prime times its inputs' primes: factoring recovers the inputs.
    expect(m.steps.map((s) => [s.prime, s.composite])).toEqual([
      [2, "2"],
      [3, "6"],
      [5, "5"],
      [7, "21"],
    ]);
    expect(m.steps.map((s) => s.emoji)).toEqual(["🦀", "🦀", "🦀", "🥾"]);
    const files = await readdir(join(dir, "bootstrap"));
    for (const f of ["flake.nix", "steps.nix", "steps.json", "builders.nix", "run-step.sh", "step001", "step004", "src"]) expect(files).toContain(f);
    expect(await Bun.file(join(dir, "bootstrap/step003/flake.nix")).exists()).toBe(true);
  });

  test("the tree pins the nixpkgs --nixpkgs names, nixos-unstable by default; a non-URL is refused", async () => {
    const dir = await tempDir();
    expect((await cli(["gen", "--out", "a"], { cwd: dir })).code).toBe(0);
    expect(await Bun.file(join(dir, "a/flake.nix")).text()).toContain('url = "github:NixOS/nixpkgs/nixos-unstable";');
    expect((await cli(["gen", "--out", "b", "--nixpkgs", "github:NixOS/nixpkgs/nixos-26.05"], { cwd: dir })).code).toBe(0);
    expect(await Bun.file(join(dir, "b/flake.nix")).text()).toContain('url = "github:NixOS/nixpkgs/nixos-26.05";');
    const bad = await cli(["gen", "--out", "c", "--nixpkgs", "not a url"], { cwd: dir });
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toContain("is not a flake URL Nix takes");
  });

  test("paths are symbolic: the tree names no temp dir, home or build dir", async () => {
    const dir = await tempDir();
    expect((await cli(["gen", "--out", "t"], { cwd: dir })).code).toBe(0);
    const files = await readTree(join(dir, "t"));
    expect(leakedPaths(files)).toEqual([]);
    const step2 = files.get("step002/default.nix")!;
    expect(step2).toContain('"greeting=@build@/libgreeting.rlib"');
    expect(step2).toContain('"@src@/src/hello/main.rs"');
  });

  test("the same input gives the same bytes from two runs with different temp dirs", async () => {
    const dir = await tempDir();
    expect((await cli(["gen", "--out", "t"], { cwd: dir })).code).toBe(0);
    const first = await readTree(join(dir, "t"));
    expect((await cli(["gen", "--out", "t", "--build-dir", join(dir, "b")], { cwd: dir, env: { ...process.env, TMPDIR: await tempDir() } })).code).toBe(0);
    const second = await readTree(join(dir, "t"));
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [rel, text] of first) expect(second.get(rel)).toBe(text);
  });

  test("--json prints the manifest on stdout, and only that", async () => {
    const dir = await tempDir();
    const r = await cli(["gen", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    const printed = v.parse(ManifestSchema, JSON.parse(r.stdout));
    expect(printed).toEqual(await manifestOf(join(dir, "bootstrap")));
  });

  test("--mode first records exactly the first call", async () => {
    const dir = await tempDir();
    const r = await cli(["gen", "--mode", "first"], { cwd: dir });
    expect(r.code).toBe(0);
    const m = await manifestOf(join(dir, "bootstrap"));
    expect(m.mode).toBe("first");
    expect(m.steps.map((s) => s.label)).toEqual(["rustc greeting"]);
  });

  test("secrets in the environment never reach a record or a generated file", async () => {
    const dir = await tempDir();
    // A bootstrap.py that also sets secret-looking variables itself, on top of the user's.
    const src = join(dir, "src");
    await writeSample(src);
    const py = join(src, "src/bootstrap/bootstrap.py");
    const text = await Bun.file(py).text();
    await Bun.write(
      py,
      text.replace('env["SAMPLE_CHANNEL"] = channel', 'env["SAMPLE_CHANNEL"] = channel\n    env["DEPLOY_API_KEY"] = "planted-by-bootstrap-4242"'),
    );
    const planted = {
      GITHUB_TOKEN: "ghp_planted0001",
      AWS_SECRET_ACCESS_KEY: "planted0002",
      MY_PASSWORD: "planted0003",
      SSH_AUTH_SOCK: "/tmp/planted0004.sock",
      NPM_TOKEN: "planted0005",
      CARGO_REGISTRY_TOKEN: "planted0006",
    };
    const r = await cli(["gen", "--src", src, "--out", "t", "--json"], {
      cwd: dir,
      env: { ...process.env, ...planted, RUSTFLAGS: "-Cdebuginfo=0 --cfg=planted_but_allowed" },
    });
    expect(r.code).toBe(0);
    const everything = [...(await readTree(join(dir, "t"))).values(), r.stdout, r.stderr].join("\n");
    for (const value of [...Object.values(planted), "planted-by-bootstrap-4242"]) expect(everything).not.toContain(value);
    // The filter is not simply dropping everything: an allowed variable does get through.
    expect(everything).toContain("--cfg=planted_but_allowed");
  });

  test("an out dir that gen did not make is refused and left alone; --force replaces it", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "mine"));
    await Bun.write(join(dir, "mine/notes.txt"), "precious");
    const r = await cli(["gen", "--out", "mine"], { cwd: dir });
    expect(r.code).toBe(ExitCode.outDirNotOurs);
    expect(r.stderr).toContain("was not generated by nixify-rust");
    expect(await readdir(join(dir, "mine"))).toEqual(["notes.txt"]);
    expect((await cli(["gen", "--out", "mine", "--force"], { cwd: dir })).code).toBe(0);
    expect(await Bun.file(join(dir, "mine/notes.txt")).exists()).toBe(false);
    // A tree of ours is replaced without --force.
    expect((await cli(["gen", "--out", "mine"], { cwd: dir })).code).toBe(0);
  });

  test("a missing src/ci/channel is supplied from the config's channel, in the copy and in the steps", async () => {
    const dir = await tempDir();
    const src = join(dir, "src");
    await writeSample(src);
    await Bun.$`rm ${join(src, "src/ci/channel")}`;
    await Bun.write(join(dir, "config.toml"), '[rust]\nchannel = "beta"\n');
    const r = await cli(["gen", "--src", src, "--config", join(dir, "config.toml")], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('supplies one with "beta"');
    const m = await manifestOf(join(dir, "bootstrap"));
    expect(m.source).toEqual({ sample: false, channel: "beta", channelSupplied: true });
    const stepsNix = await Bun.file(join(dir, "bootstrap/steps.nix")).text();
    expect(stepsNix).toContain('"src/ci/channel" = "beta\\n";');
    expect(await Bun.file(join(src, "src/ci/channel")).exists()).toBe(false);
  });

  test("every generated .nix parses, and the flake evaluates offline with lookups by id, kind, emoji and prime", async () => {
    const dir = await tempDir();
    expect((await cli(["gen"], { cwd: dir })).code).toBe(0);
    const out = join(dir, "bootstrap");
    const env = await offlineNixEnv(join(dir, "nix"));
    for (const rel of [...(await readTree(out)).keys()].filter((f) => f.endsWith(".nix"))) {
      const r = await spawn(["nix-instantiate", "--parse", join(out, rel)], { env });
      expect({ rel, code: r.code, err: r.stderr }).toEqual({ rel, code: 0, err: "" });
    }
    await writeStandIn(join(dir, "standin"), "x86_64-linux");
    const flake = ["--no-write-lock-file", "--override-input", "nixpkgs", `path:${join(dir, "standin")}`];
    const show = await spawn(["nix", "flake", "show", "--json", ...flake, `path:${out}`], { env });
    expect(show.code).toBe(0);
    const system = (await manifestOf(out)).system;
    expect(Object.keys(JSON.parse(show.stdout).packages[system]).sort()).toEqual(["default", "step001", "step002", "step003", "step004"]);
    const lookups = await spawn(
      [
        "nix",
        "eval",
        "--json",
        ...flake,
        `path:${out}#lib`,
        "--apply",
        'lib: { id = lib.byId.step002.label; kinds = map (s: s.id) (lib.byKind "rustc"); boot = map (s: s.id) (lib.byEmoji "🥾"); prime = (lib.byPrime 7).id; deps = map (s: s.id) (lib.depsOf "step004"); }',
      ],
      { env },
    );
    expect(lookups.stderr).not.toContain("error");
    expect(JSON.parse(lookups.stdout)).toEqual({
      id: "rustc hello",
      kinds: ["step001", "step002", "step003"],
      boot: ["step004"],
      prime: "step004",
      deps: ["step002"],
    });
  });

  test("gen --help explains every option", async () => {
    const r = await cli(["gen", "--help"]);
    expect(r.code).toBe(0);
    const help = r.stdout + r.stderr;
    for (const opt of ["--src", "--out", "--mode", "--config", "--build-dir", "--system", "--force", "--json", "--verbose"]) expect(help).toContain(opt);
  });
});
