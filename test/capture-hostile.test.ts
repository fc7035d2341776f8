// gen and verify against a hostile bootstrap.py, a hostile environment and signals: the real CLI,
// real python3 running a modified copy of the sample's bootstrap.py.
import { beforeAll, describe, expect, test } from "bun:test";
import { chmod, copyFile, mkdir, readdir, readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode } from "../lib/errors.ts";
import { writeSample } from "../lib/capture/sample.ts";
import { spawn } from "../lib/process.ts";
import { cli, listing, readTree, tempDir } from "./helpers.ts";

const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "main.ts");

/** The sample, with its bootstrap.py changed by `edit`. */
async function sampleWith(dir: string, edit: (py: string) => string): Promise<string> {
  const src = join(dir, "src");
  await writeSample(src);
  const py = join(src, "src/bootstrap/bootstrap.py");
  const before = await Bun.file(py).text();
  const after = edit(before);
  if (after === before) throw new Error("the edit changed nothing in bootstrap.py");
  await Bun.write(py, after);
  return src;
}

/** Python lines run first thing in the sample's main(). */
function atMain(code: string): (py: string) => string {
  return (py) =>
    py.replace(
      "def main():\n",
      `def main():\n${code
        .split("\n")
        .map((l) => `    ${l}\n`)
        .join("")}`,
    );
}

type Steps = { steps: Array<{ id: string; command: string; args: string[]; env: { [k: string]: string }; cwd: string }> };

async function stepsOf(out: string): Promise<Steps["steps"]> {
  return ((await Bun.file(join(out, "steps.json")).json()) as Steps).steps;
}

/** No stack trace, no raw control characters: what a user reads. */
function expectOneLineFailure(stderr: string): void {
  expect(stderr).not.toContain("    at ");
  expect(stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
}

/** Pids of processes whose argv is exactly `argv`. */
async function processesRunning(argv: string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "latin1").catch(() => "");
    const state = await readFile(`/proc/${name}/stat`, "latin1").catch(() => "");
    // A zombie has exited; only its parent's wait is missing.
    if (cmdline === `${argv.join("\0")}\0` && !/^\d+ \(.*\) Z/.test(state)) pids.push(Number(name));
  }
  return pids;
}

/** Pids of processes whose environment holds `entry` (NAME=value). */
async function processesWithEnv(entry: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const environ = await readFile(`/proc/${name}/environ`, "latin1").catch(() => "");
    if (environ.split("\0").includes(entry)) pids.push(Number(name));
  }
  return pids;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

async function gone(probe: () => Promise<number[]>): Promise<number[]> {
  // A process stopped by a signal may take a moment to be reaped.
  for (let i = 0; i < 30; i++) {
    const left = await probe();
    if (left.length === 0) return [];
    await Bun.sleep(100);
  }
  return probe();
}

/** The CLI as a user starts it, with a handle to signal it. */
function startCli(args: string[], cwd: string, env: { [k: string]: string | undefined }) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const stderr = new Response(proc.stderr).text();
  return { proc, stderr, done: proc.exited.then(async (code) => ({ code, stderr: await stderr })) };
}

describe("x.py's children and output", () => {
  test("a child x.py leaves behind holding its output neither hangs gen nor outlives it", async () => {
    const dir = await tempDir();
    const sleeper = ["sleep", "1000.25"];
    const src = await sampleWith(dir, atMain(`subprocess.Popen(${JSON.stringify(sleeper)})`));
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: ExitCode.ok });
    expect(await gone(() => processesRunning(sleeper))).toEqual([]);
  }, 30_000);

  test("200 MB of x.py output costs gen little memory", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, atMain('line = "x" * 1023 + "\\n"\nfor _ in range(200):\n    sys.stdout.write(line * 1024)'));
    // ru_maxrss of the CLI (and of everything it waited for), in KiB, as a parent sees it.
    const measure =
      "import resource, subprocess, sys\nr = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\nprint(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    const r = await spawn(["python3", "-c", measure, process.execPath, MAIN, "gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    const [code, kib] = r.stdout.trim().split(" ").map(Number);
    expect(code).toBe(ExitCode.ok);
    // Holding the output would take 200 MB at least (662 MB before the tail was bounded).
    expect(kib! / 1024).toBeLessThan(200);
  }, 60_000);

  test("terminal escape sequences and control characters of x.py are not echoed", async () => {
    const dir = await tempDir();
    const noise = "\\x1b[31mred\\x1b[0m \\x1b]0;title\\x07 \\x1b]8;;http://x/\\x1b\\\\link\\x1b]8;;\\x1b\\\\ bell\\x07 \\x1bc\\x9b2J back\\rspace\\x00nul";
    const src = await sampleWith(dir, atMain(`sys.stderr.write("${noise}\\n")\nsys.exit(3)`));
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.xpyFailed);
    expectOneLineFailure(r.stderr);
    expect(r.stderr).not.toContain("\x9b");
    expect(r.stderr).toMatch(/failed with exit code 3: red +link bell +back \/ spacenul/);
  });
});

describe("bytes that are not text", () => {
  test("an environment value that is not UTF-8: one line naming the variable", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, atMain('env = os.environ.copy()\nenv["WEIRD"] = os.fsdecode(b"caf\\xe9")\nrun(["true"], env=env)'));
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.invalidRecord);
    expectOneLineFailure(r.stderr);
    expect(r.stderr).toMatch(/records\.jsonl:1: env\.WEIRD is not UTF-8 text \("caf\\xe9"\)/);
    expect(await Bun.file(join(dir, "out")).exists()).toBe(false);
  });

  test("an argument that is not UTF-8 (bytes or str): one line naming the argument", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, atMain('run(["echo", "fine", b"\\xff\\xfe"])'));
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.invalidRecord);
    expectOneLineFailure(r.stderr);
    expect(r.stderr).toMatch(/records\.jsonl:1: args\[1\] is not UTF-8 text \("\\xff\\xfe"\)/);
  });

  test("a NUL in --config: one line", async () => {
    const dir = await tempDir();
    await Bun.write(join(dir, "config.toml"), '[rust]\nchannel = "be\0ta"\n');
    const r = await cli(["gen", "--config", join(dir, "config.toml"), "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.badInput);
    expectOneLineFailure(r.stderr);
    expect(r.stderr).toMatch(/the config holds a NUL character \(line 2\)/);
  });
});

describe("bootstrap.py's run, bound by its own signature", () => {
  test("run(args, env, cwd) given positionally keeps env and cwd", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, (py) =>
      py
        .replace("def run(args, verbose=False, exception=False, is_bootstrap=False, **kwargs):", "def run(args, env=None, cwd=None):")
        .replace('run([os.path.join(build_dir, "hello")], env=env, is_bootstrap=True)', 'run([os.path.join(build_dir, "hello")], env, build_dir)'),
    );
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.ok);
    const last = (await stepsOf(join(dir, "out"))).at(-1)!;
    expect(last.env.SAMPLE_CHANNEL).toBe("stable");
    expect(last.cwd).toBe("@build@");
  });

  test("newer bootstraps' integer verbose (run(args, verbose=0, ...); x.py -q gives -1) is recorded like any call", async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, (py) =>
      atMain('run(["quiet-tool"], verbose=-1)\nrun(["loud-tool"], 2)')(
        py.replace(
          "def run(args, verbose=False, exception=False, is_bootstrap=False, **kwargs):",
          "def run(args, verbose=0, exception=False, is_bootstrap=False, **kwargs):",
        ),
      ),
    );
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.ok);
    expect((await stepsOf(join(dir, "out"))).slice(0, 2).map((s) => s.command)).toEqual(["quiet-tool", "loud-tool"]);
  });

  test('run("a string") is one program, not one command per character', async () => {
    const dir = await tempDir();
    const src = await sampleWith(dir, atMain('run("some-tool")'));
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.ok);
    expect((await stepsOf(join(dir, "out")))[0]).toMatchObject({ command: "some-tool", args: [] });
  });

  test("a call run's signature cannot bind, and a shell string, are refused in one line", async () => {
    for (const [call, said] of [
      [
        "run()",
        /bootstrap\.py:\d+ main: a call of run does not fit its signature run\(args, verbose=False, exception=False, is_bootstrap=False, \*\*kwargs\): missing a required argument: 'args'/,
      ],
      ['run("echo hi", shell=True)', /bootstrap\.py:\d+ main: run\(\.\.\., shell=True\) hands a shell command line to run/],
    ] as const) {
      const dir = await tempDir();
      const src = await sampleWith(dir, atMain(call));
      const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
      expect({ call, code: r.code }).toEqual({ call, code: ExitCode.unknownBootstrap });
      expectOneLineFailure(r.stderr);
      expect(r.stderr).toMatch(said);
    }
  });
});

describe("secrets bootstrap.py sets itself", () => {
  test("are dropped by value, under any name, and named in a warning", async () => {
    const dir = await tempDir();
    const secrets = {
      MIRROR_URL: "https://builder:hunter2@mirror.example.org/dist/",
      INNOCENT: `ghp_${"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"}`,
      CLOUD_ID: "AKIAIOSFODNN7EXAMPLE",
      BLOB: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      OPAQUE: "Zm9vYmFyLXNlY3JldC12YWx1ZS0xMjM0NTY3ODkwLWFiY2RlZg",
    };
    const sets = Object.entries(secrets)
      .map(([k, v]) => `env["${k}"] = "${v}"`)
      .join("\n");
    const src = await sampleWith(
      dir,
      atMain(`env = os.environ.copy()\n${sets}\nenv["PLAIN"] = "hello world"\nenv["SOURCE_HASH"] = "${secrets.BLOB}"\nrun(["true"], env=env)`),
    );
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(ExitCode.ok);
    const warning = r.stderr.split("\n").filter((l) => l.includes("look like credentials"));
    expect(warning).toHaveLength(1);
    // Names only, and only these (not the paths of the run, which share the characters of a token).
    expect(warning[0]!.replace(/^.*: /, "").split(", ")).toEqual(Object.keys(secrets).sort());
    const first = (await stepsOf(join(dir, "out")))[0]!;
    expect(first.env.PLAIN).toBe("hello world");
    // A checksum under a name that says so is a build input, not a credential.
    expect(first.env.SOURCE_HASH).toBe(secrets.BLOB);
    for (const name of Object.keys(secrets)) expect(first.env[name]).toBeUndefined();
    const tree = [...(await readTree(join(dir, "out"))).values()].join("\n");
    for (const value of [secrets.MIRROR_URL, secrets.INNOCENT, secrets.CLOUD_ID, secrets.OPAQUE, "hunter2"]) expect(tree).not.toContain(value);
    for (const value of Object.values(secrets)) expect(r.stderr).not.toContain(value);
  });
});

describe("signals", () => {
  /** A sample whose bootstrap.py writes its pid to `marker` and then sleeps. */
  async function sleepingSample(dir: string): Promise<{ src: string; marker: string }> {
    const marker = join(dir, "xpy-started");
    const src = await sampleWith(dir, atMain(`open(${JSON.stringify(marker)}, "w").write(str(os.getpid()))\nimport time\ntime.sleep(60)`));
    return { src, marker };
  }

  for (const [signal, code] of [
    ["SIGINT", ExitCode.interrupted],
    ["SIGTERM", ExitCode.terminated],
  ] as const) {
    test(`${signal} during gen stops x.py, removes the temp folders, exits ${code} with one line`, async () => {
      const dir = await tempDir();
      const { src, marker } = await sleepingSample(dir);
      const tmp = join(dir, "tmp");
      await Bun.write(join(tmp, ".keep"), "");
      const run = startCli(["gen", "--src", src, "--out", join(dir, "out")], dir, { ...process.env, TMPDIR: tmp });
      const pid = await waitFor("x.py to start", async () => ((await Bun.file(marker).exists()) ? Number(await Bun.file(marker).text()) : undefined));
      expect((await readdir(tmp)).filter((f) => f.startsWith("nixify-rust-"))).toHaveLength(1);
      run.proc.kill(signal);
      const r = await run.done;
      expect({ code: r.code }).toEqual({ code });
      expect(r.stderr.trim().split("\n")).toHaveLength(2); // "recording ..." and the one line
      expect(r.stderr).toContain(`stopped by ${signal}`);
      expectOneLineFailure(r.stderr);
      expect(await readdir(tmp)).toEqual([".keep"]);
      expect(await readdir(dir)).not.toContain("out");
      expect(
        await gone(async () =>
          (await readlink(`/proc/${pid}/exe`).catch(() => undefined)) && !(await readFile(`/proc/${pid}/stat`, "latin1")).match(/^\d+ \(.*\) Z/) ? [pid] : [],
        ),
      ).toEqual([]);
    }, 60_000);
  }

  test("SIGTERM during verify stops nix-store and the build, exits terminated with one line", async () => {
    const dir = await tempDir();
    const sleeper = ["sleep", "77.5"];
    const src = await sampleWith(dir, atMain(`run(${JSON.stringify(sleeper)})\nreturn`));
    expect((await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir })).code).toBe(ExitCode.ok);
    const state = join(dir, "nix");
    const run = startCli(["verify", join(dir, "out"), "--offline", "--state", state], dir, process.env);
    await waitFor("the step's build to start", async () => ((await processesRunning(sleeper)).length > 0 ? true : undefined), 120);
    const nixStore = await processesWithEnv(`NIX_CONF_DIR=${join(state, "conf")}`);
    expect(nixStore.length).toBeGreaterThan(0);
    run.proc.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(ExitCode.terminated);
    expect(r.stderr).toContain("stopped by SIGTERM");
    expectOneLineFailure(r.stderr);
    expect(await gone(() => processesRunning(sleeper))).toEqual([]);
    expect(await gone(() => processesWithEnv(`NIX_CONF_DIR=${join(state, "conf")}`))).toEqual([]);
  }, 180_000);

  describe("while gen writes a tree over an old one: --out holds one whole tree, the old or (once swapped) the new, and nothing is left", () => {
    // 10,000 more steps: a tree of some 30,000 files, which takes seconds to write.
    let dir: string;
    let src: string;
    let old: string[];
    beforeAll(async () => {
      dir = await tempDir();
      src = await sampleWith(dir, atMain("for i in range(10000):\n    run(['true', str(i)])"));
    });

    /** The old tree at o (made again if a test lost it or replaced it), and nothing beside it. */
    async function oldTree(): Promise<void> {
      // The old tree says so in its steps.json (x.py's arguments), the new one does not.
      const args = await Bun.file(join(dir, "o/steps.json"))
        .json()
        .then(
          (m) => m.xpyArgs,
          () => undefined,
        );
      if (JSON.stringify(args) === JSON.stringify(["build", "old"])) return;
      for (const f of await readdir(dir)) if (f.startsWith(".o.")) await rm(join(dir, f), { recursive: true, force: true });
      expect((await cli(["gen", "--src", src, "--out", "o", "--", "build", "old"], { cwd: dir })).code).toBe(ExitCode.ok);
      old = await listing(join(dir, "o"));
    }

    /** gen over the tree at o, sent `signals` (seconds after the staging folder appears, each after the one before); its result, and o before. */
    async function genSignalled(signals: Array<[number, "SIGINT" | "SIGTERM"]>) {
      const before = await listing(join(dir, "o"));
      const tmp = join(dir, "tmp");
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp);
      const run = startCli(["gen", "--src", src, "--out", "o"], dir, { ...process.env, TMPDIR: tmp });
      await waitFor("the new tree's staging folder", async () => ((await readdir(dir)).some((f) => f.startsWith(".o.nixify-new-")) ? true : undefined), 120);
      for (const [seconds, signal] of signals) {
        await Bun.sleep(seconds * 1000);
        run.proc.kill(signal);
      }
      const r = await run.done;
      // Nothing beside --out (a staging folder, the old tree moved aside) or in the temp folder.
      expect((await readdir(dir)).sort()).toEqual(["o", "src", "tmp"]);
      expect(await readdir(tmp)).toEqual([]);
      return { ...r, before, after: await listing(join(dir, "o")), xpyArgs: (await Bun.file(join(dir, "o/steps.json")).json()).xpyArgs as string[] };
    }

    test("two Ctrl-Cs half a second apart (issue 26): exit interrupted, the old tree as it was", async () => {
      await oldTree();
      const r = await genSignalled([
        [0.5, "SIGINT"],
        [0.5, "SIGINT"],
      ]);
      expect(r.code).toBe(ExitCode.interrupted);
      expectOneLineFailure(r.stderr);
      expect(r.stderr.includes("steps written")).toBe(false);
      expect(r.after).toEqual(old);
      expect(r.xpyArgs).toEqual(["build", "old"]);
    }, 300_000);

    test("one SIGTERM: exit terminated, the old tree as it was, the new one not installed", async () => {
      await oldTree();
      const r = await genSignalled([[0.5, "SIGTERM"]]);
      expect(r.code).toBe(ExitCode.terminated);
      expect(r.stderr).toContain("stopped by SIGTERM");
      expect(r.stderr.includes("steps written")).toBe(false);
      expect(r.after).toEqual(old);
    }, 300_000);

    test("signals at any moment: the tree there before, untouched, or a whole new one", async () => {
      await oldTree();
      const names = (l: string[]) => l.map((line) => line.split("\t")[0]);
      const moments: Array<Array<[number, "SIGINT" | "SIGTERM"]>> = [
        [
          [0, "SIGINT"],
          [0, "SIGINT"],
        ],
        [
          [1.5, "SIGTERM"],
          [0.05, "SIGINT"],
        ],
        [[3, "SIGINT"]],
        [
          [6, "SIGTERM"],
          [0.2, "SIGTERM"],
        ],
      ];
      for (const signals of moments) {
        const r = await genSignalled(signals);
        expect<number[]>([ExitCode.ok, ExitCode.interrupted, ExitCode.terminated]).toContain(r.code);
        if (r.after.join("\n") !== r.before.join("\n")) {
          expect(r.xpyArgs).toEqual(["build"]);
          expect(names(r.after)).toEqual(names(old));
        }
      }
    }, 600_000);
  });
});

describe(".env files of the current folder are not loaded", () => {
  const probesIn = (text: string) => [...new Set(text.match(/nixify_probe_\w+/g) ?? [])].sort();

  /** A folder with every .env file Bun might read, each setting RUSTFLAGS (recorded in every step). */
  async function dotenvFolder(): Promise<string> {
    const dir = await tempDir("nixify-dotenv-");
    for (const name of [".env", ".env.local", ".env.production", ".env.development", ".env.production.local", ".env.development.local"]) {
      await Bun.write(join(dir, name), `RUSTFLAGS=--cfg nixify_probe_${name.replaceAll(".", "_").slice(1)}\n`);
    }
    return dir;
  }

  /** The caller's environment without RUSTFLAGS, and without NODE_ENV=test (which hides .env.local). */
  function userEnv(extra: { [k: string]: string } = {}): { [k: string]: string | undefined } {
    const env: { [k: string]: string | undefined } = { ...process.env, ...extra };
    if (!("RUSTFLAGS" in extra)) delete env.RUSTFLAGS;
    if (!("NODE_ENV" in extra)) delete env.NODE_ENV;
    return env;
  }

  async function genIn(dir: string, argv0: string[], env: { [k: string]: string | undefined }): Promise<string[]> {
    const r = await spawn([...argv0, "gen", "--out", "out"], { cwd: dir, env });
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: ExitCode.ok });
    const text = await Bun.file(join(dir, "out/steps.json")).text();
    await spawn(["rm", "-rf", join(dir, "out")]);
    return probesIn(text);
  }

  test("bun main.ts run from another folder: real variables pass, .env ones do not", async () => {
    const dir = await dotenvFolder();
    const bun = [process.execPath, MAIN];
    expect(await genIn(dir, bun, userEnv())).toEqual([]);
    expect(await genIn(dir, bun, userEnv({ NODE_ENV: "production" }))).toEqual([]);
    expect(await genIn(dir, bun, userEnv({ NODE_ENV: "development" }))).toEqual([]);
    // Control: a real RUSTFLAGS still reaches the steps, with .env files around.
    expect(await genIn(dir, bun, userEnv({ RUSTFLAGS: "--cfg nixify_probe_real" }))).toEqual(["nixify_probe_real"]);
  }, 60_000);

  describe("the compiled executable", () => {
    let bin = "";
    beforeAll(async () => {
      const dist = await tempDir("nixify-dist-");
      const built = await spawn([process.execPath, "run", join(ROOT, "scripts/build.ts"), "--target", "host", "--outdir", dist], {
        cwd: ROOT,
        env: process.env,
      });
      if (built.code !== 0) throw new Error(`scripts/build.ts --target host failed (exit ${built.code}):\n${built.stderr}${built.stdout}`);
      bin = join(await tempDir("nixify-bin-"), "nixify-rust");
      await copyFile(join(dist, "nixify-rust"), bin);
      await chmod(bin, 0o755);
    }, 120_000);

    test("reads no .env file of the folder it runs in", async () => {
      const dir = await dotenvFolder();
      expect(await genIn(dir, [bin], userEnv())).toEqual([]);
      expect(await genIn(dir, [bin], userEnv({ NODE_ENV: "production" }))).toEqual([]);
      expect(await genIn(dir, [bin], userEnv({ RUSTFLAGS: "--cfg nixify_probe_real" }))).toEqual(["nixify_probe_real"]);
    }, 60_000);
  });
});
