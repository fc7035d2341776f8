// Runs x.py in a cheap copy of the checkout with bootstrap.py's `run` patched to record, and
// returns the validated records. The source root is only read.
import { existsSync } from "node:fs";
import { mkdir, realpath, symlink } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { BOOTSTRAP_PY, CHANNEL_FILE, assertRustCheckout, patchBootstrap } from "./checkout.ts";
import { assertConfigText, configFileName, configValue, latestChangeId, setBuildValue } from "./config-toml.ts";
import { cargoCallsOfDryRun } from "./dry-run.ts";
import { NixifyError } from "../errors.ts";
import { holdsCredential, withoutSecretValues, xpyEnv } from "./env.ts";
import { log } from "../log.ts";
import { makeOverlay } from "./overlay.ts";
import { plainText, spawnWatching, tail } from "../process.ts";
import { prepareRustcRecorder } from "./rustc-recording.ts";
import { builtWorkspaces, reresolveLock, staleLocks } from "./vendor-locks.ts";
import { RECORD_SCHEMA_VERSION, RecordSchema, issueText, type Depth, type Record } from "../schema.ts";

export type CaptureMode = "first" | "all";

export type CaptureOptions = {
  root: string;
  /** An empty temp folder that gen owns and removes. */
  tempDir: string;
  mode: CaptureMode;
  /**
   * shell: bootstrap.py's `run` records, nothing runs; cargo: the bootstrap binary is built and
   * asked for its plan (--dry-run -v); rustc: a real build observed through bootstrap's rustc shim.
   */
  depth: Depth;
  xpyArgs: string[];
  /** A toolchain folder (bin/rustc, bin/cargo) x.py runs with in place of the config's or the pinned stage0. */
  runToolchain?: string;
  /** Text of the config to use instead of the checkout's own bootstrap.toml or config.toml. */
  config?: string;
  buildDir?: string;
};

export type Capture = {
  records: Record[];
  /** The config x.py ran with, if any. */
  config: string | undefined;
  /** Files gen supplied in the copy, relative path -> content (they must reach the steps too). */
  supplied: Map<string, string>;
  channel: string;
  channelSupplied: boolean;
  /** The absolute paths of this run, for the symbolizer. */
  paths: { overlay: string; root: string; rootReal: string; work: string; build: string; buildReal: string; home: string; tmp: string };
  seconds: { copy: number; xpy: number };
};

export const NOTHING_RECORDED: { [D in Depth]: [string, string] } = {
  shell: ["x.py finished without calling run: there is no command to turn into a step", "check the x.py arguments (after --)"],
  cargo: [
    "the bootstrap binary's dry run listed no cargo build: there is no cargo call to turn into a step",
    "--depth cargo needs a bootstrap whose `--dry-run -v` prints its commands (1.85 does, 1.63 does not); use --depth rustc there",
  ],
  rustc: [
    "x.py finished without compiling anything: there is no rustc call to turn into a step",
    "name what to build after --, e.g. -- build --stage 1 library/std (since the stage-0 redesign, after 1.85, stage 0 builds no std: it is the stage-0 compiler's own), and start from a fresh --build-dir",
  ],
};

/**
 * The environment contract with lib/capture/recorder.py: where it writes its records, its mode, and where
 * it writes why it refuses a call of bootstrap.py's `run` it cannot record faithfully.
 */
export const RECORDER_ENV = { recordFile: "NIXIFY_RECORD_FILE", mode: "NIXIFY_MODE", refusalFile: "NIXIFY_REFUSAL_FILE", schema: "NIXIFY_RECORD_SCHEMA" } as const;

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

export async function capture(opts: CaptureOptions): Promise<Capture> {
  const { root, tempDir } = opts;
  await assertRustCheckout(root);
  const python = Bun.which("python3");
  if (!python) throw new NixifyError("pythonMissing", "python3 is not installed or not on PATH", "install python3 (Debian: apt-get install python3)");

  const copyStart = performance.now();
  const bootstrapFile = join(root, BOOTSTRAP_PY);
  const bootstrapText = await Bun.file(bootstrapFile).text();
  const deep = opts.depth !== "shell";
  // A deep capture runs bootstrap.py as it is; the shell capture patches its `run`.
  const files = new Map<string, string>([
    [BOOTSTRAP_PY, deep ? bootstrapText : patchBootstrap(bootstrapText, bootstrapFile)],
    ["x.py", await Bun.file(join(root, "x.py")).text()],
  ]);
  const supplied = new Map<string, string>();
  // The config in the source root as bootstrap.py finds it (x.py runs in an empty folder of gen's):
  // bootstrap.toml, then config.toml where it knows both. gen's own goes under the first name.
  const configName = configFileName(files.get(BOOTSTRAP_PY)!);
  const readRoot = (name: string) => Bun.file(join(root, name)).text().catch(() => undefined);
  const rootConfig = configName === "bootstrap.toml" ? ((await readRoot("bootstrap.toml")) ?? (await readRoot("config.toml"))) : await readRoot("config.toml");
  let config = opts.config ?? rootConfig;
  if (config !== undefined) assertConfigText(config);
  if (config === undefined && !existsSync(join(root, ".git")) && files.get(BOOTSTRAP_PY)!.includes("submodules")) {
    // Release tarballs have no .git and distros trim the submodules; without this, bootstrap.py
    // stops to ask for them. A bootstrap with a change tracker warns about a config without change-id.
    const changeId = latestChangeId(await Bun.file(join(root, "src/bootstrap/src/utils/change_tracker.rs")).text().catch(() => undefined));
    config = trimmedTreeConfig(configName, changeId);
    const also = changeId === undefined ? "" : ` and change-id = ${changeId}`;
    log.warn(`the checkout has no .git and no ${configName}; gen supplies a ${configName} with build.submodules = false${also}`);
  }
  if (config !== undefined && config !== rootConfig) supplied.set(configName, config);
  const channelFile = Bun.file(join(root, CHANNEL_FILE));
  const channelSupplied = !(await channelFile.exists());
  const channel = channelSupplied ? (configValue(config, "rust.channel") ?? "dev") : (await channelFile.text()).trim();
  if (channelSupplied) {
    supplied.set(CHANNEL_FILE, `${channel}\n`);
    log.warn(`${CHANNEL_FILE} is missing in the checkout; gen supplies one with "${channel}" (in its copy and in the steps)`);
  }
  for (const [rel, content] of supplied) files.set(rel, content);
  const submoduleProbe = "src/tools/cargo/Cargo.toml";
  if (!existsSync(join(root, ".git")) && !existsSync(join(root, submoduleProbe)) && files.get(BOOTSTRAP_PY)!.includes(submoduleProbe)) {
    // Older bootstrap.py (1.63) stops on a tree without .git whose submodules were trimmed away
    // (as distros do), judging by this one file. Only the recording copy gets an empty one.
    files.set(submoduleProbe, "");
    log.warn(`the checkout is trimmed (no .git, no ${submoduleProbe}); the recording copy gets an empty one so bootstrap.py goes on`);
  }

  const overlay = join(tempDir, "src");
  const work = join(tempDir, "run");
  const home = join(tempDir, "home");
  const tmp = join(tempDir, "tmp");
  let runConfig = config;
  if (opts.runToolchain) {
    for (const tool of ["rustc", "cargo"]) runConfig = setBuildValue(runConfig ?? "", tool, join(opts.runToolchain, "bin", tool));
  }
  const rustcRecorder = opts.depth === "rustc" ? await prepareRustcRecorder(join(tempDir, "rustc-recorder"), root, runConfig, python) : undefined;
  for (const [rel, text] of rustcRecorder?.files ?? []) files.set(rel, text);
  if (runConfig !== config) files.set(configName, runConfig!);
  // A real build (deep capture) resolves crates offline: lock files must match vendor/.
  const cargo = configValue(runConfig, "build.cargo");
  const lockTools = cargo ? { cargo, rustc: configValue(runConfig, "build.rustc"), home: join(tempDir, "cargo-home") } : undefined;
  const stale = deep && lockTools ? await staleLocks(root, builtWorkspaces(root, opts.depth), lockTools) : [];
  for (const s of stale) files.set(s.lock, await Bun.file(join(root, s.lock)).text());
  await makeOverlay(root, overlay, files);
  for (const s of stale) {
    const r = await reresolveLock(overlay, s, lockTools!);
    if ("error" in r) {
      log.warn(`${s.lock} does not resolve against vendor/ (${s.reason}), and cargo cannot re-resolve it offline either (${r.error}): the tree may need its distro's patches`);
      continue;
    }
    supplied.set(s.lock, r.text);
    log.warn(`${s.lock} does not match vendor/ (${s.reason}): gen re-resolved it offline in its copy, and the steps get the same file; the source root is untouched`);
  }
  const build = join(work, "build");
  await Promise.all([mkdir(work, { recursive: true }), mkdir(home), mkdir(tmp)]);
  let buildReal = build;
  if (opts.buildDir) {
    // x.py resolves its default build dir against the cwd; a link keeps that default and the
    // bootstrap's own path logic, while the files land where the user asked.
    await mkdir(opts.buildDir, { recursive: true });
    buildReal = await realpath(opts.buildDir);
    await symlink(buildReal, build);
  }
  const copySeconds = (performance.now() - copyStart) / 1000;

  const rootReal = await realpath(root);
  if (rustcRecorder) {
    // Every path a recorded rustc call may see of the source or the build dir, mapped to one name each.
    const remap = [...new Set([overlay, root, rootReal])].map((p) => [p, "/rustc/nixify-src"]);
    remap.push(...[...new Set([build, buildReal])].map((p) => [p, "/rustc/nixify-build"]));
    rustcRecorder.env.NIXIFY_RUSTC_REMAP = JSON.stringify(remap);
    rustcRecorder.env.NIXIFY_RUSTC_BUILD_DIRS = JSON.stringify([...new Set([build, buildReal])]);
  }
  const recordFile = join(tempDir, "records.jsonl");
  const refusalFile = join(tempDir, "refusal.txt");
  const env = xpyEnv(process.env, {
    HOME: home,
    TMPDIR: tmp,
    [RECORDER_ENV.recordFile]: recordFile,
    [RECORDER_ENV.mode]: opts.mode,
    [RECORDER_ENV.refusalFile]: refusalFile,
    // Both recorders stamp their records with the schema lib/schema.ts validates.
    [RECORDER_ENV.schema]: String(RECORD_SCHEMA_VERSION),
    ...rustcRecorder?.env,
  });
  // The bootstrap binary prints its plan with --dry-run -v (1.85: `running: cd ... && env ... "cargo" ...`).
  const xpyArgs = opts.depth === "cargo" ? [...opts.xpyArgs, "--dry-run", "-v"] : opts.xpyArgs;
  log.debug(`running python3 x.py ${xpyArgs.join(" ")} in ${work}`);
  const xpyStart = performance.now();
  // Building the bootstrap binary or the library takes minutes: cargo's "Compiling ..." lines are the
  // progress. Only a tail of the output is kept (it may be hundreds of MB); the dry run's plan lines are kept whole.
  const plan: string[] = [];
  const result = await spawnWatching(
    [python, join(overlay, "x.py"), ...xpyArgs],
    { cwd: work, env },
    (line) => {
      log.debug(plainText(line));
      const m = /^\s*(Compiling|Building) (.+)/.exec(plainText(line));
      if (deep && m) log.info(`  ${m[1]} ${m[2]}`);
    },
    (line) => {
      log.debug(plainText(line));
      if (opts.depth === "cargo" && line.startsWith("running: ")) plan.push(line);
    },
  );
  const xpySeconds = (performance.now() - xpyStart) / 1000;
  const refusal = await Bun.file(refusalFile).text().catch(() => undefined);
  if (refusal !== undefined) {
    throw new NixifyError("unknownBootstrap", plainText(refusal).replace(/\s+/g, " ").trim(), "nixify-rust records bootstrap.py's `run` as Rust's own bootstrap.py calls it (Rust 1.63 and newer)");
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
  const records = withoutCredentials(
    opts.depth === "cargo" ? cargoCallsOfDryRun(plan.join("\n")) : await readRecords(rustcRecorder?.recordFile ?? recordFile),
  );
  if (records.length === 0) throw new NixifyError(opts.depth === "rustc" ? "nothingObserved" : "xpyFailed", ...NOTHING_RECORDED[opts.depth]);
  return {
    records,
    config,
    supplied,
    channel,
    channelSupplied,
    paths: { overlay, root, rootReal, work, build, buildReal, home, tmp },
    seconds: { copy: copySeconds, xpy: xpySeconds },
  };
}

/** The last few lines x.py printed, in one line ("Build completed unsuccessfully" alone says little). */
function lastWords(stdout: string, stderr: string): string {
  const lines = tail(`${stdout}\n${stderr}`, 40).split("\n").map((l) => l.trim()).filter(Boolean);
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
      throw new NixifyError("badInput", `argument ${i + 1} of a recorded ${r.command} call holds a credential (a password in a URL, a token)`, "gen does not write credentials into a tree: make bootstrap.py take them from elsewhere");
    }
    return { ...r, env: withoutSecretValues(r.env, dropped) };
  });
  if (dropped.size > 0) {
    log.warn(`left out of the steps, as their values look like credentials (a password in a URL, a token, a key): ${[...dropped].sort().join(", ")}`);
  }
  return out;
}

/** A string as it may be shown: undecodable bytes (Python's surrogate escapes) and controls as \xHH. */
function shown(text: string): string {
  let out = "";
  for (const c of text.slice(0, 60)) {
    const code = c.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) out += `\\x${(code - 0xdc00).toString(16)}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return text.length > 60 ? `${out}...` : out;
}

/**
 * The first string of a record (or key) that a Nix string cannot hold, and why: bytes that are not
 * UTF-8 (Python writes them as lone surrogates) or a NUL.
 */
function untextual(json: unknown, path: string): string | undefined {
  const why = (s: string) => (!s.isWellFormed() ? "is not UTF-8 text" : s.includes("\0") ? "holds a NUL character" : undefined);
  if (typeof json === "string") {
    const reason = why(json);
    return reason && `${path} ${reason} ("${shown(json)}")`;
  }
  if (Array.isArray(json)) {
    for (const [i, item] of json.entries()) {
      const bad = untextual(item, `${path}[${i}]`);
      if (bad) return bad;
    }
  } else if (typeof json === "object" && json !== null) {
    for (const [key, value] of Object.entries(json)) {
      const keyReason = why(key);
      if (keyReason) return `a name in ${path || "the record"} ${keyReason} ("${shown(key)}")`;
      const bad = untextual(value, path ? `${path}.${key}` : key);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** Parses and validates the JSON lines the recorder wrote; the first bad one stops gen. */
export async function readRecords(file: string): Promise<Record[]> {
  const text = await Bun.file(file).text().catch(() => "");
  const records: Record[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new NixifyError("invalidRecord", `${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const bad = untextual(json, "");
    if (bad) {
      throw new NixifyError("invalidRecord", `${file}:${i + 1}: ${bad}`, "arguments and variables become Nix strings, which hold UTF-8 text without NUL: make bootstrap.py pass text");
    }
    const parsed = v.safeParse(RecordSchema, json);
    if (!parsed.success) throw new NixifyError("invalidRecord", `${file}:${i + 1}: ${issueText(parsed.issues)}`);
    records.push(parsed.output);
  }
  return records;
}
