// Runs x.py in a cheap copy of the checkout, recorded as the depth asks (lib/depths/), and returns
// the validated records. The source root is only read.
import { existsSync } from "node:fs";
import { mkdir, realpath, symlink } from "node:fs/promises";
import { join } from "node:path";
import { BOOTSTRAP_PY, CHANNEL_FILE, assertRustCheckout } from "./checkout.ts";
import { configFileName, configValue, latestChangeId, parseConfig, setBuildValue, type Config } from "./config-toml.ts";
import { NixifyError } from "../errors.ts";
import { holdsCredential, withoutSecretValues, xpyEnv } from "./env.ts";
import { log } from "../log.ts";
import { machineLibraries } from "./llvm.ts";
import { checkoutPathsOf } from "./sources.ts";
import { readStage0 } from "./stage0.ts";
import { symbolizerOf } from "./symbolizer.ts";
import { sysrootsOf } from "./sysroots.ts";
import { configToolchain } from "./toolchain.ts";
import { makeOverlay } from "./overlay.ts";
import { holds, withRealPaths } from "../paths.ts";
import { plainText, spawnWatching, tail } from "../process.ts";
import { builtWorkspaces, reresolveLock, staleLocks } from "./vendor-locks.ts";
import { RECORD_SCHEMA_VERSION, RECORDER_ENV, type Record } from "../schema.ts";
import type { Capture, CaptureOptions, MachineFacts, Recording } from "./types.ts";

/** 1.90's bootstrap binary refuses `build`/`check` at stage 0 (later ones build nothing there). */
const STAGE0_REFUSAL = /cannot (build|check) anything on stage 0/;

/**
 * The config gen supplies to a trimmed tree without one: build.submodules = false (a key every
 * supported bootstrap knows), and the change-id the bootstrap expects where it has a change tracker.
 */
function trimmedTreeConfig(name: string, changeId: number | undefined): string {
  const id = changeId === undefined ? "" : `change-id = ${changeId}\n`;
  return `# Supplied by nixify-rust: the checkout has no .git and no ${name}.\n${id}[build]\nsubmodules = false\n`;
}

/** What the recording copy holds of the checkout, and the files gen supplies there (and in the steps). */
type CopyFiles = {
  files: Map<string, string>;
  supplied: Map<string, string>;
  bootstrap: { text: string; file: string };
  config: Config | undefined;
  configName: string;
  channel: string;
  channelSupplied: boolean;
};

async function copyFiles(root: string, givenConfig: Config | undefined): Promise<CopyFiles> {
  const bootstrapFile = join(root, BOOTSTRAP_PY);
  const bootstrapText = await Bun.file(bootstrapFile).text();
  const files = new Map<string, string>([
    [BOOTSTRAP_PY, bootstrapText],
    ["x.py", await Bun.file(join(root, "x.py")).text()],
  ]);
  const supplied = new Map<string, string>();
  // The config in the source root as bootstrap.py finds it (x.py runs in an empty folder of gen's):
  // bootstrap.toml, then config.toml where it knows both. gen's own goes under the first name.
  const configName = configFileName(bootstrapText);
  const readRoot = (name: string) =>
    Bun.file(join(root, name))
      .text()
      .catch(() => undefined);
  const rootConfig = configName === "bootstrap.toml" ? ((await readRoot("bootstrap.toml")) ?? (await readRoot("config.toml"))) : await readRoot("config.toml");
  let config = givenConfig ?? (rootConfig === undefined ? undefined : parseConfig(rootConfig));
  if (config === undefined && !existsSync(join(root, ".git")) && bootstrapText.includes("submodules")) {
    // Release tarballs have no .git and distros trim the submodules; without this, bootstrap.py
    // stops to ask for them. A bootstrap with a change tracker warns about a config without change-id.
    const changeId = latestChangeId(
      await Bun.file(join(root, "src/bootstrap/src/utils/change_tracker.rs"))
        .text()
        .catch(() => undefined),
    );
    config = parseConfig(trimmedTreeConfig(configName, changeId));
    const also = changeId === undefined ? "" : ` and change-id = ${changeId}`;
    log.warn(`the checkout has no .git and no ${configName}; gen supplies a ${configName} with build.submodules = false${also}`);
  }
  if (config !== undefined && config.text !== rootConfig) supplied.set(configName, config.text);
  const channelFile = Bun.file(join(root, CHANNEL_FILE));
  const channelSupplied = !(await channelFile.exists());
  const channel = channelSupplied ? (configValue(config, "rust.channel") ?? "dev") : (await channelFile.text()).trim();
  if (channelSupplied) {
    supplied.set(CHANNEL_FILE, `${channel}\n`);
    log.warn(`${CHANNEL_FILE} is missing in the checkout; gen supplies one with "${channel}" (in its copy and in the steps)`);
  }
  for (const [rel, content] of supplied) files.set(rel, content);
  const submoduleProbe = "src/tools/cargo/Cargo.toml";
  if (!existsSync(join(root, ".git")) && !existsSync(join(root, submoduleProbe)) && bootstrapText.includes(submoduleProbe)) {
    // Older bootstrap.py (1.63) stops on a tree without .git whose submodules were trimmed away
    // (as distros do), judging by this one file. Only the recording copy gets an empty one.
    files.set(submoduleProbe, "");
    log.warn(`the checkout is trimmed (no .git, no ${submoduleProbe}); the recording copy gets an empty one so bootstrap.py goes on`);
  }
  return { files, supplied, bootstrap: { text: bootstrapText, file: bootstrapFile }, config, configName, channel, channelSupplied };
}

export async function capture(opts: CaptureOptions): Promise<Capture> {
  const { root, tempDir } = opts;
  await assertRustCheckout(root);
  const python = Bun.which("python3");
  if (!python) throw new NixifyError("pythonMissing", "python3 is not installed or not on PATH", "install python3 (Debian: apt-get install python3)");

  const copyStart = performance.now();
  const { files, supplied, bootstrap, config, configName, channel, channelSupplied } = await copyFiles(root, opts.config);
  const overlay = join(tempDir, "src");
  const work = join(tempDir, "run");
  const home = join(tempDir, "home");
  const tmp = join(tempDir, "tmp");
  const build = join(work, "build");
  // x.py resolves its default build dir against the cwd; a link (made below) keeps that default
  // and the bootstrap's own path logic, while the files land where the user asked.
  if (opts.buildDir) await mkdir(opts.buildDir, { recursive: true });
  const buildReal = opts.buildDir ? await realpath(opts.buildDir) : build;
  const rootReal = await realpath(root);
  let runConfig = config;
  if (opts.runToolchain) {
    let text = config?.text ?? "";
    for (const tool of ["rustc", "cargo"]) text = setBuildValue(text, tool, join(opts.runToolchain, "bin", tool));
    runConfig = parseConfig(text);
  }
  const recordFile = join(tempDir, "records.jsonl");
  const refusalFile = join(tempDir, "refusal.txt");
  const recording = await opts.depth.record({
    root,
    tempDir,
    bootstrap,
    runConfig,
    python,
    xpyArgs: opts.xpyArgs,
    recordFile,
    paths: { rootReal, overlay, build, buildReal },
  });
  for (const [rel, text] of recording.files) files.set(rel, text);
  if (runConfig !== config) files.set(configName, runConfig!.text);
  // A real build resolves crates offline: lock files must match vendor/.
  const cargo = configValue(runConfig, "build.cargo");
  const lockTools = cargo ? { cargo, rustc: configValue(runConfig, "build.rustc"), home: join(tempDir, "cargo-home") } : undefined;
  const stale = lockTools ? await staleLocks(root, builtWorkspaces(root, opts.depth.builds), lockTools) : [];
  for (const s of stale) files.set(s.lock, await Bun.file(join(root, s.lock)).text());
  await makeOverlay(root, overlay, files);
  for (const s of stale) {
    const r = await reresolveLock(overlay, s, lockTools!);
    if ("error" in r) {
      log.warn(
        `${s.lock} does not resolve against vendor/ (${s.reason}), and cargo cannot re-resolve it offline either (${r.error}): the tree may need its distro's patches`,
      );
      continue;
    }
    supplied.set(s.lock, r.text);
    log.warn(
      `${s.lock} does not match vendor/ (${s.reason}): gen re-resolved it offline in its copy, and the steps get the same file; the source root is untouched`,
    );
  }
  await Promise.all([mkdir(work, { recursive: true }), mkdir(home), mkdir(tmp)]);
  if (opts.buildDir) await symlink(buildReal, build);
  const copySeconds = (performance.now() - copyStart) / 1000;

  const env = xpyEnv(process.env, {
    HOME: home,
    TMPDIR: tmp,
    [RECORDER_ENV.recordFile]: recordFile,
    [RECORDER_ENV.mode]: opts.mode,
    [RECORDER_ENV.refusalFile]: refusalFile,
    // Both recorders stamp their records with the schema lib/schema.ts validates.
    [RECORDER_ENV.schema]: String(RECORD_SCHEMA_VERSION),
    ...recording.env,
  });
  const xpyStart = performance.now();
  await runXpy([python, join(overlay, "x.py"), ...recording.xpyArgs], { cwd: work, env }, opts.depth.builds.length > 0, recording, refusalFile);
  const xpySeconds = (performance.now() - xpyStart) / 1000;
  const records = withoutCredentials(await recording.records());
  if (records.length === 0) {
    const { code, message, hint } = opts.depth.nothingRecorded;
    throw new NixifyError(code, message, hint);
  }
  const paths = { overlay, root, rootReal, work, build, buildReal, home, tmp };
  const facts = await machineFacts(opts, records, config, paths);
  let outer: Capture | undefined;
  const outerDepth = typeof opts.depth.outer === "function" ? opts.depth.outer(config) : opts.depth.outer;
  if (outerDepth) {
    // The run this depth's steps build on (depth cargo: the outer shell), in a folder of its own.
    const outerDir = join(tempDir, "outer");
    await mkdir(outerDir);
    outer = await capture({ ...opts, depth: outerDepth, mode: "all", buildDir: undefined, runToolchain: undefined, tempDir: outerDir });
  }
  const seconds = { copy: copySeconds, xpy: xpySeconds };
  return { records, config, supplied, channel, channelSupplied, ...facts, outer, paths, seconds };
}

/**
 * What the steps need of the machine, read once the run is done: the machine's paths the records
 * name (toolchain, LLVM, C++ runtime) and where they really are, the pinned compiler, the stage0
 * checksums, the build's sysroots, and what of the checkout the observed calls name.
 */
async function machineFacts(opts: CaptureOptions, records: Record[], config: Config | undefined, paths: Capture["paths"]): Promise<MachineFacts> {
  const { root, tempDir, runToolchain } = opts;
  const own = (path: string) => [paths.overlay, root, paths.rootReal, tempDir, paths.buildReal].some((dir) => holds(dir, path));
  const machine = await machineLibraries(
    records.flatMap((r) => ("env" in r ? [r.env] : [])),
    own,
  );
  const toolchain = await configToolchain(config, opts.depth.pinsToolchain);
  const stage0 = await readStage0(root);
  const machinePaths = await withRealPaths([...toolchain.paths, ...machine.paths]);
  const observed = records.filter((r) => r.type === "observed");
  const sysroots = await sysrootsOf(
    observed,
    paths.build,
    machinePaths.filter(([, p]) => p === "@sysroot@").map(([path]) => path),
  );
  // The checkout as the steps name it, in all their records and hand-overs can hold (and more).
  const named = new Set(observed.flatMap((r) => [r.cwd, ...r.inputs, ...r.outputs, ...(r.sees ?? []), ...r.args, ...Object.values(r.env)]));
  for (const files of sysroots.final.values()) for (const file of files) named.add(file);
  return {
    machinePaths,
    llvmVersion: machine.llvmVersion,
    toolchain: toolchain.pinned,
    runToolchain: runToolchain ? [runToolchain, await realpath(runToolchain)].sort((a, b) => b.length - a.length) : undefined,
    stage0Checksums: stage0.checksums,
    stage0Compiler: stage0.compiler,
    sysroots,
    checkout: checkoutPathsOf(root, [...named].map(symbolizerOf({ paths, machinePaths }))),
  };
}

/**
 * Runs x.py, its output watched: cargo's "Compiling ..." lines are the progress of a run that
 * builds (minutes); only a tail is kept (it may be hundreds of MB). A refusal of the recorder, a
 * bootstrap that builds nothing at stage 0, or a failure each stop gen with its own line.
 */
async function runXpy(
  argv: string[],
  opts: { cwd: string; env: { [name: string]: string } },
  builds: boolean,
  recording: Recording,
  refusalFile: string,
): Promise<void> {
  const xpyArgs = argv.slice(2);
  log.debug(`running python3 x.py ${xpyArgs.join(" ")} in ${opts.cwd}`);
  const result = await spawnWatching(
    argv,
    opts,
    (line) => {
      log.debug(plainText(line));
      const m = /^\s*(Compiling|Building) (.+)/.exec(plainText(line));
      if (builds && m) log.info(`  ${m[1]} ${m[2]}`);
    },
    (line) => {
      log.debug(plainText(line));
      recording.onStdout?.(line);
    },
  );
  const refusal = await Bun.file(refusalFile)
    .text()
    .catch(() => undefined);
  if (refusal !== undefined) {
    throw new NixifyError(
      "unknownBootstrap",
      plainText(refusal).replace(/\s+/g, " ").trim(),
      "nixify-rust records bootstrap.py's `run` as Rust's own bootstrap.py calls it (Rust 1.63 and newer)",
    );
  }
  if (result.code !== 0 && STAGE0_REFUSAL.test(plainText(`${result.stdout}\n${result.stderr}`))) {
    throw new NixifyError(
      "nothingObserved",
      `x.py ${xpyArgs.join(" ")} builds nothing: this bootstrap refuses stage 0 ("cannot build anything on stage 0"), so there is no compiler call to turn into a step`,
      "since the stage-0 redesign (after 1.85) the stage-0 compiler's std is the stage-0 std: name --stage 1 (e.g. -- build --stage 1 library/std); tools the stage-0 compiler builds (e.g. -- build --stage 1 src/tools/coverage-dump) need no stage-1 compiler",
    );
  }
  if (result.code !== 0) {
    throw new NixifyError(
      "xpyFailed",
      `x.py ${xpyArgs.join(" ")} failed with exit code ${result.code}: ${lastWords(result.stdout, result.stderr)}`,
      "run with --verbose to see everything x.py printed",
    );
  }
}

/** The last few lines x.py printed, in one line ("Build completed unsuccessfully" alone says little). */
function lastWords(stdout: string, stderr: string): string {
  const lines = tail(`${stdout}\n${stderr}`, 40)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-3).join(" / ") || "(no output)";
}

/**
 * Records without variables whose values look like credentials (bootstrap.py may set them itself,
 * under any name), said in one warning by name only; an argument holding one stops gen.
 */
function withoutCredentials(records: Record[]): Record[] {
  const dropped = new Set<string>();
  const out = records.map((r) => {
    if (r.type === "unpack") return r;
    const i = r.args.findIndex(holdsCredential);
    if (i >= 0) {
      throw new NixifyError(
        "badInput",
        `argument ${i + 1} of a recorded ${r.command} call holds a credential (a password in a URL, a token)`,
        "gen does not write credentials into a tree: make bootstrap.py take them from elsewhere",
      );
    }
    return { ...r, env: withoutSecretValues(r.env, dropped) };
  });
  if (dropped.size > 0) {
    log.warn(`left out of the steps, as their values look like credentials (a password in a URL, a token, a key): ${[...dropped].sort().join(", ")}`);
  }
  return out;
}
