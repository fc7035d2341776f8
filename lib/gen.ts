// gen: a Rust checkout (or the embedded sample) becomes a numbered, buildable flake tree.
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { capture, type CaptureMode } from "./capture.ts";
import { isRustCheckout } from "./checkout.ts";
import { NixifyError } from "./errors.ts";
import { scrubRecordEnv } from "./env.ts";
import { log } from "./log.ts";
import { renderTree, VERSION } from "./render-tree.ts";
import { writeSample, SAMPLE_FILES } from "./sample.ts";
import { MANIFEST_SCHEMA_VERSION, type Manifest, type Record } from "./schema.ts";
import { buildSteps } from "./steps.ts";
import { makeSymbolizer, PLACEHOLDERS, type Placeholder } from "./symbolic.ts";
import { readStage0Checksums } from "./stage0.ts";
import { buildTripleOfConfig, hostSystem, systemOfTriple } from "./system.ts";
import { writeTreeAtomically, assertReplaceable } from "./write-tree.ts";

export type GenOptions = {
  /** A Rust checkout; undefined means the current folder if it is one, else the sample. */
  src?: string;
  out: string;
  mode: CaptureMode;
  config?: string;
  buildDir?: string;
  system?: string;
  xpyArgs: string[];
  force: boolean;
};

export type GenResult = {
  manifest: Manifest;
  out: string;
  seconds: { total: number; copy: number; xpy: number; render: number };
};

/** The checkout gen reads: --src, else the current folder if it is one, else the sample. */
async function chooseSource(src: string | undefined, tempDir: string): Promise<{ root: string; sample: boolean }> {
  if (src !== undefined) return { root: resolve(src), sample: false };
  if (await isRustCheckout(process.cwd())) return { root: process.cwd(), sample: false };
  const root = join(tempDir, "sample");
  await writeSample(root);
  log.info("no Rust checkout given and the current folder is not one: using the embedded sample tree");
  return { root, sample: true };
}

/** Toolchain paths named in the config become placeholders that Nix fills from its inputs. */
function toolchainPaths(config: string | undefined): Array<[string, Placeholder]> {
  const paths: Array<[string, Placeholder]> = [];
  for (const [key, placeholder] of [["rustc", "@rustc@"], ["cargo", "@cargo@"]] as const) {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*"([^"]+)"`, "m").exec(config ?? "");
    if (m) paths.push([m[1]!, placeholder]);
  }
  return paths;
}

function symbolicRecord(record: Record, sym: (s: string) => string): Record {
  if (record.type === "unpack") {
    return { ...record, tarball: sym(record.tarball), dest: sym(record.dest) };
  }
  const env: { [k: string]: string } = {};
  for (const [k, value] of Object.entries(scrubRecordEnv(record.env))) env[k] = sym(value);
  return { ...record, command: sym(record.command), args: record.args.map(sym), env, cwd: sym(record.cwd) };
}

export async function gen(opts: GenOptions): Promise<GenResult> {
  const start = performance.now();
  const out = resolve(opts.out);
  // Refuse early, before minutes of x.py, if the tree could not be written anyway.
  await assertReplaceable(out, opts.force);
  const config = opts.config === undefined ? undefined : await readConfig(opts.config);
  const tempDir = await realpath(await mkdtemp(join(tmpdir(), "nixify-rust-")));
  try {
    const { root, sample } = await chooseSource(opts.src, tempDir);
    log.start(`recording x.py ${opts.xpyArgs.join(" ")} (mode ${opts.mode}) in a copy of ${sample ? "the sample" : root}`);
    const cap = await capture({ root, tempDir, mode: opts.mode, xpyArgs: opts.xpyArgs, config, buildDir: opts.buildDir });
    const renderStart = performance.now();
    const p = cap.paths;
    const sym = makeSymbolizer([
      [p.overlay, "@src@"], [p.root, "@src@"], [p.rootReal, "@src@"],
      [p.build, "@build@"], [p.buildReal, "@build@"], [p.work, "@work@"],
      [p.home, "@home@"], [p.tmp, "@tmp@"],
      ...toolchainPaths(cap.config),
    ]);
    const records = cap.records.map((r) => symbolicRecord(r, sym));
    const supplied = new Map([...cap.supplied].map(([rel, text]) => [rel, sym(text)]));
    const triple = buildTripleOfConfig(cap.config ?? "");
    const manifest: Manifest = {
      schema: MANIFEST_SCHEMA_VERSION,
      generator: "nixify-rust",
      version: VERSION,
      system: opts.system ?? (triple ? systemOfTriple(triple) : hostSystem()),
      mode: opts.mode,
      xpyArgs: opts.xpyArgs,
      source: { sample, channel: cap.channel, channelSupplied: cap.channelSupplied },
      placeholders: { ...PLACEHOLDERS },
      steps: buildSteps(records, await readStage0Checksums(root)),
    };
    const files = renderTree({
      manifest,
      srcUrl: sample ? "path:./src" : `path:${root}`,
      treePath: out,
      supplied,
    });
    if (sample) for (const [rel, text] of SAMPLE_FILES) files.set(`src/${rel}`, text);
    await writeTreeAtomically(out, files, opts.force);
    const now = performance.now();
    return {
      manifest,
      out,
      seconds: { total: (now - start) / 1000, copy: cap.seconds.copy, xpy: cap.seconds.xpy, render: (now - renderStart) / 1000 },
    };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

async function readConfig(path: string): Promise<string> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new NixifyError("badInput", `config file ${path} does not exist`, "pass an existing config.toml to --config");
  return file.text();
}
