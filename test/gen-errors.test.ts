// gen on bad input: one clear line, a distinct exit code, and no tree (not even half of one).
import { describe, expect, test } from "bun:test";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, type ExitCodeName } from "../lib/errors.ts";
import { writeSample } from "../lib/capture/sample.ts";
import { cli, tempDir } from "./helpers.ts";

/** The sample, with its bootstrap.py changed by `edit`. */
async function sampleWith(dir: string, edit: (py: string) => string): Promise<string> {
  const src = join(dir, "src");
  await writeSample(src);
  const py = join(src, "src/bootstrap/bootstrap.py");
  await Bun.write(py, edit(await Bun.file(py).text()));
  return src;
}

async function expectFailure(args: string[], dir: string, code: ExitCodeName, message: RegExp, env = process.env) {
  const r = await cli([...args, "--out", join(dir, "out")], { cwd: dir, env });
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: ExitCode[code], stderr: expect.stringMatching(message) });
  expect(r.stderr).not.toContain("    at "); // no stack trace without --verbose
  // No tree and no staging folder left behind.
  expect((await readdir(dir)).filter((f) => f === "out" || f.includes("nixify-new"))).toEqual([]);
  return r;
}

describe("gen refuses bad input", () => {
  test("a folder that is not a Rust checkout", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "empty"));
    await expectFailure(["gen", "--src", join(dir, "empty")], dir, "notRustCheckout", /is not a Rust checkout: x\.py is missing/);
  });

  test("--depth rustc without a local stage0 in the config", async () => {
    const dir = await tempDir();
    await writeSample(join(dir, "src"));
    await expectFailure(["gen", "--src", join(dir, "src"), "--depth", "rustc"], dir, "badInput", /--depth rustc .* the config names no build\.rustc/);
  });

  test("--depth cargo with a bootstrap whose dry run lists no cargo build", async () => {
    const dir = await tempDir();
    // The sample's bootstrap.py, made to print its plan (as 1.63's does) without running it.
    const src = await sampleWith(dir, (py) => py.replace("    ret = subprocess.Popen(args, **kwargs)", "    ret = subprocess.Popen(['true'])"));
    const r = await expectFailure(["gen", "--src", src, "--depth", "cargo"], dir, "xpyFailed", /dry run listed no cargo build/);
    expect(r.stderr).toContain("use --depth rustc there");
  });

  test("a bootstrap.py without run", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, (py) => py.replaceAll("run(", "execute("));
    await expectFailure(["gen", "--src", src], dir, "unknownBootstrap", /src\/bootstrap\/bootstrap\.py: no module-level `def run\(args, \.\.\.\)` found/);
  });

  test("x.py failing", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, (py) => py.replace("def bootstrap():", 'def bootstrap():\n    raise SystemExit("cannot configure: broken on purpose")'));
    await expectFailure(["gen", "--src", src], dir, "xpyFailed", /x\.py build failed with exit code 1: cannot configure: broken on purpose/);
  });

  test("python3 missing", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "nobin"));
    await expectFailure(["gen"], dir, "pythonMissing", /python3 is not installed/, { ...process.env, PATH: join(dir, "nobin") });
  });

  test("an out dir that cannot be written", async () => {
    const dir = await tempDir();
    const r = await cli(["gen", "--out", "/sys/nixify-rust-test/out"], { cwd: dir });
    expect(r.code).toBe(ExitCode.outDirUnwritable);
    expect(r.stderr).toContain("cannot write the tree at /sys/nixify-rust-test/out");
  });

  test("an out dir that is not ours", async () => {
    const dir = await tempDir();
    await Bun.write(join(dir, "out/keep.txt"), "mine");
    const r = await cli(["gen", "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.outDirNotOurs);
    expect(await readdir(join(dir, "out"))).toEqual(["keep.txt"]);
  });

  test("a malformed record names the record file and line (invalidRecord)", async () => {
    const dir = await tempDir();
    // A bootstrap.py that writes a record of its own, without args, after a valid one.
    const src = await sampleWith(dir, (py) =>
      py.replace(
        "def main():",
        'def main():\n    run(["rustc", "--version"])\n    open(os.environ["NIXIFY_RECORD_FILE"], "a").write(\'{"type": "rust_compiler_invocation", "schema": 1, "seq": 2, "command": "x"}\\n\')\n    return\n\ndef unused():',
      ),
    );
    await expectFailure(["gen", "--src", src], dir, "invalidRecord", /records\.jsonl:2: .*args/);
  });

  test("a download that the checkout's stage0 list cannot hash", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, (py) =>
      py.replace("def main():", 'def main():\n    run(["curl", "-o", "/tmp/x", "https://static.example.org/dist/2025-01-01/unknown.tar.xz"])\n\ndef unused():'),
    );
    await expectFailure(["gen", "--src", src], dir, "badInput", /cannot hash download https:\/\/static\.example\.org\/dist\/2025-01-01\/unknown\.tar\.xz/);
  });

  test("a config file that does not exist", async () => {
    const dir = await tempDir();
    await expectFailure(["gen", "--config", join(dir, "nope.toml")], dir, "badInput", /config file .*nope\.toml does not exist/);
  });
});
