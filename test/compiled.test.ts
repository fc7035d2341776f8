// The standalone executable, as a user gets it: built once by scripts/build.ts for this machine,
// copied alone into an empty folder and run there. It must carry everything it needs (the sample
// tree, the recorder, the templates) and must not read the folder's .env or bunfig.toml.
import { beforeAll, describe, expect, test } from "bun:test";
import { chmod, copyFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import pkg from "../package.json";
import { spawn, type SpawnResult } from "../lib/process.ts";
import { COMPILE_FLAGS } from "../scripts/build.ts";
import { tempDir } from "./helpers.ts";

const ROOT = join(import.meta.dir, "..");

let work = "";
let bin = "";

beforeAll(async () => {
  const dist = await tempDir("nixify-dist-");
  const built = await spawn([process.execPath, "run", join(ROOT, "scripts/build.ts"), "--target", "host", "--outdir", dist], { cwd: ROOT, env: process.env });
  if (built.code !== 0) throw new Error(`scripts/build.ts --target host failed (exit ${built.code}):\n${built.stderr}${built.stdout}`);
  work = await tempDir("nixify-compiled-");
  bin = join(work, "nixify-rust");
  await copyFile(join(dist, "nixify-rust"), bin);
  await chmod(bin, 0o755);
  await rm(dist, { recursive: true, force: true });
});

/** The user's environment without anything that would hide what the executable reads itself. */
function cleanEnv(extra: { [k: string]: string } = {}): { [k: string]: string | undefined } {
  const env = { ...process.env, ...extra };
  if (!("RUSTFLAGS" in extra)) delete env.RUSTFLAGS;
  return env;
}

function run(args: string[], cwd = work, env = cleanEnv()): Promise<SpawnResult> {
  return spawn([bin, ...args], { cwd, env });
}

describe("the compiled executable, alone in an empty folder", () => {
  test("the folder holds only the executable", async () => {
    expect(await readdir(work)).toEqual(["nixify-rust"]);
  });

  test("--version prints package.json's version", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test("--help lists the subcommands", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain("nixify-rust");
    expect(out).toContain("gen");
    expect(out).toContain("verify");
  });

  test("gen --help names its options", async () => {
    const r = await run(["gen", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--src", "--out", "--mode"]) expect(r.stdout + r.stderr).toContain(flag);
  });

  test("verify --help names its options", async () => {
    const r = await run(["verify", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["TREE", "--offline", "--keep-going"]) expect(r.stdout + r.stderr).toContain(flag);
  });

  test("gen with no Rust checkout writes the embedded sample's tree", async () => {
    const r = await run(["gen"]);
    expect(r.stderr).toContain("embedded sample");
    expect(r.code).toBe(0);
    expect(await Bun.file(join(work, "bootstrap/steps.json")).exists()).toBe(true);
    expect(await Bun.file(join(work, "bootstrap/step004/default.nix")).exists()).toBe(true);
  });
});

describe("the compiled executable ignores the folder's .env and bunfig.toml", () => {
  // RUSTFLAGS is passed to x.py and recorded in every step, so it shows in steps.json whether the
  // executable saw it: the control run sets it for real, the .env run only in .env.
  const FROM_ENV = "--cfg nixify_probe_from_env";
  const FROM_DOTENV = "--cfg nixify_probe_from_dotenv";

  const probesIn = (text: string) => [...new Set(text.match(/nixify_probe_from_\w+/g) ?? [])];

  async function trapFolder(): Promise<string> {
    const dir = await tempDir("nixify-trap-");
    await Bun.write(join(dir, ".env"), `NIXIFY_PROBE=from-dotenv\nRUSTFLAGS=${FROM_DOTENV}\n`);
    await Bun.write(join(dir, "bunfig.toml"), `preload = ["./boom.ts"]\n`);
    await Bun.write(
      join(dir, "boom.ts"),
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(join(dir, "boom-marker"))}, "bunfig.toml was loaded\\n");\n`,
    );
    return dir;
  }

  test("control: RUSTFLAGS from the real environment reaches steps.json", async () => {
    const dir = await trapFolder();
    const r = await run(["gen", "--out", "control"], dir, cleanEnv({ RUSTFLAGS: FROM_ENV }));
    expect(r.code).toBe(0);
    expect(probesIn(await Bun.file(join(dir, "control/steps.json")).text())).toEqual(["nixify_probe_from_env"]);
  });

  test("gen works, boom.ts is not preloaded and .env's RUSTFLAGS is not seen", async () => {
    const dir = await trapFolder();
    const r = await run(["gen", "--out", "trapped"], dir);
    expect(r.stderr).toContain("embedded sample");
    expect(r.code).toBe(0);
    // A boom-marker here would mean bunfig.toml's preload ran.
    expect((await readdir(dir)).sort()).toEqual([".env", "boom.ts", "bunfig.toml", "trapped"]);
    expect(probesIn(await Bun.file(join(dir, "trapped/steps.json")).text())).toEqual([]);
  });
});

describe("the README's way to compile it is the one that keeps the promise", () => {
  /** The compile command the README gives, as argv with the output at `outfile`. */
  async function readmeCompile(outfile: string): Promise<string[]> {
    const readme = await Bun.file(join(ROOT, "README.md")).text();
    const lines = [...readme.matchAll(/`(bun build --compile[^`]*)`/g)].map((m) => m[1]!);
    expect(lines.filter((l) => l !== "bun build --compile main.ts")).toHaveLength(1);
    const words = lines.find((l) => l !== "bun build --compile main.ts")!.split(" ");
    expect(words).toEqual(["bun", "build", ...COMPILE_FLAGS, "main.ts", "--outfile", "nixify-rust"]);
    return [process.execPath, ...words.slice(1, -1), outfile];
  }

  /** Runs `argv` (a bun build) in the project, then the executable it made in a folder whose bunfig.toml preloads a script; whether that ran. */
  async function preloaded(argv: string[], exe: string): Promise<boolean> {
    const built = await spawn(argv, { cwd: ROOT, env: process.env });
    expect({ code: built.code, err: built.code === 0 ? "" : built.stderr }).toEqual({ code: 0, err: "" });
    const dir = await tempDir("nixify-trap-");
    await Bun.write(join(dir, "bunfig.toml"), `preload = ["./boom.ts"]\n`);
    await Bun.write(join(dir, "boom.ts"), `require("node:fs").writeFileSync(${JSON.stringify(join(dir, "boom-marker"))}, "");\n`);
    const r = await spawn([exe, "--version"], { cwd: dir, env: cleanEnv() });
    expect(r.code).toBe(0);
    return Bun.file(join(dir, "boom-marker")).exists();
  }

  test("built with the README's line, the executable runs no preload of the folder's bunfig.toml; built plainly, it would", async () => {
    const dir = await tempDir("nixify-dist-");
    const exe = join(dir, "nixify-rust");
    expect(await preloaded(await readmeCompile(exe), exe)).toBe(false);
    // The control: the trap is real, so the flags are what keeps it shut.
    const plain = join(dir, "plain");
    expect(await preloaded([process.execPath, "build", "--compile", "main.ts", "--outfile", plain], plain)).toBe(true);
  });
});
