// Records become steps: a stable id, a kind with its emoji, a short label, a prime, and the
// steps each one depends on, found by file flow (a step that names a path another step writes).
import { basename, dirname } from "node:path";
import { NixifyError } from "../errors.ts";
import type { Record, Step, StepKind } from "../schema.ts";
import { checksumFor } from "../capture/stage0.ts";

export const KIND_EMOJI: { [K in StepKind]: string } = {
  download: "📥",
  unpack: "📦",
  cargo: "🚚",
  rustc: "🦀",
  "build-script": "🏗️",
  handover: "🤝",
  bootstrap: "🥾",
  other: "⚙️",
};

const DOWNLOADERS = new Set(["curl", "wget", "PowerShell.exe"]);
const OUTPUT_FLAGS = new Set(["-o", "--out-dir", "--target-dir", "--output", "--out"]);

/**
 * An unpack step's arguments, in order: the tarball, where its FNAME/MATCH/ goes, and MATCH; a
 * step that unpacks several tarballs into one folder (lib/steps/stage0.ts) has one such triple
 * each. run-step.sh reads them in this order.
 */
export const UNPACK_ARGS = ["tarball", "dest", "match"] as const;

/** An unpack step's (first) arguments by name. */
export function unpackArgs(step: Step): { [K in (typeof UNPACK_ARGS)[number]]: string } {
  return Object.fromEntries(UNPACK_ARGS.map((k, i) => [k, step.args[i] ?? ""])) as { [K in (typeof UNPACK_ARGS)[number]]: string };
}

/** `step007`: padded to the width the step count needs (at least 3), so ids sort in step order. */
export function stepId(index: number, count: number): string {
  return `step${String(index).padStart(Math.max(3, String(count).length), "0")}`;
}

/** The first `n` primes. */
export function primes(n: number): number[] {
  const found: number[] = [];
  for (let candidate = 2; found.length < n; candidate++) {
    if (found.every((p) => p * p > candidate || candidate % p !== 0)) found.push(candidate);
  }
  return found;
}

/**
 * Numbers the steps of a tree of `count`: the step at position `i` whose dependencies are at `deps`
 * (ascending) gets its id, index, prime, and composite (its prime times those of its dependencies).
 */
export function numbering(count: number): (i: number, deps: number[]) => Pick<Step, "id" | "index" | "prime" | "composite" | "deps"> {
  const ps = primes(count);
  return (i, deps) => ({
    id: stepId(i + 1, count),
    index: i + 1,
    prime: ps[i]!,
    composite: deps.reduce((acc, j) => acc * BigInt(ps[j]!), BigInt(ps[i]!)).toString(),
    deps: deps.map((j) => stepId(j + 1, count)),
  });
}

function kindOf(record: Record): StepKind {
  if (record.type === "unpack") return "unpack";
  if (record.type === "observed") return record.tool;
  // A toolchain named in the config is a placeholder by now: @cargo@ is cargo.
  const program = basename(record.command).replace(/^@(\w+)@$/, "$1");
  if (DOWNLOADERS.has(program)) return "download";
  if (record.isBootstrap) return "bootstrap";
  if (program === "cargo") return "cargo";
  if (program === "rustc" || program === "rustdoc") return "rustc";
  return "other";
}

/** The value of the first of `flags` in `args`, given as `FLAG VALUE` or `FLAG=VALUE`. */
export function valueAfter(args: string[], flags: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (flags.includes(arg) && i + 1 < args.length) return args[i + 1];
    for (const flag of flags) if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

/** The package of a cargo build-script folder, build/<package>-<hash>. */
function packageOfBuildDir(dir: string): string {
  return basename(dir).replace(/-[0-9a-f]{16}$/, "");
}

/** A hand-over's label: the sysroots it fills (the folders under the build dir's host folder), and how much. */
export function handoverLabel(outputs: string[]): string {
  const roots = new Set(outputs.map((o) => o.split("/").slice(1, 3).join("/")));
  return `handover ${[...roots].sort().join(" ")} (${outputs.length} files)`;
}

function labelOf(record: Record, kind: StepKind): string {
  if (record.type === "unpack") return `unpack ${basename(record.tarball)}`;
  // Cargo runs a build script from build/<package>-<hash>/, and compiles it there.
  if (kind === "build-script") return `build-script ${packageOfBuildDir(dirname(record.command))}`;
  if (kind === "handover" && record.type === "observed") return handoverLabel(record.outputs);
  const args = record.args;
  if (kind === "download") return `download ${basename(args.find((a) => /^https?:\/\//.test(a)) ?? "file")}`;
  if (kind === "rustc") {
    const crate = valueAfter(args, ["--crate-name"]);
    const outDir = valueAfter(args, ["--out-dir"]);
    if (crate?.startsWith("build_script_") && outDir) return `rustc build.rs of ${packageOfBuildDir(outDir)}`;
    return `rustc ${crate ?? basename(args.find((a) => a.endsWith(".rs")) ?? "")}`.trim();
  }
  if (kind === "cargo") {
    const manifest = valueAfter(args, ["--manifest-path"]);
    const what = manifest ? basename(manifest.replace(/\/Cargo\.toml$/, "")) : (valueAfter(args, ["-p", "--package"]) ?? "");
    // The bootstrap builds one workspace several times (std at stage 0 and 1): its target dir says which.
    const target = record.env.CARGO_TARGET_DIR ? basename(record.env.CARGO_TARGET_DIR) : what;
    return `cargo ${args[0] ?? ""} ${what}${target !== what ? ` (${target})` : ""}`.trim();
  }
  const program = basename(record.command);
  return `${program === kind ? "" : `${kind} `}${program} ${args[0] ?? ""}`.trim();
}

/** Whether a record downloads (curl, wget): the tree fetches it instead. */
export function isDownload(record: Record): boolean {
  return kindOf(record) === "download";
}

export function isHandover(record: Record): boolean {
  return record.type === "observed" && record.tool === "handover";
}

/** Paths a record writes, as far as its command line says. */
function outputsOf(record: Record): string[] {
  if (record.type === "unpack") return [record.dest];
  if (record.type === "observed") return record.outputs;
  const outs: string[] = [];
  for (let i = 0; i + 1 < record.args.length; i++) {
    if (OUTPUT_FLAGS.has(record.args[i]!)) outs.push(record.args[i + 1]!);
  }
  for (const arg of record.args) {
    const m = /^(--out-dir|--target-dir)=(.+)$/.exec(arg);
    if (m) outs.push(m[2]!);
  }
  if (record.env.CARGO_TARGET_DIR) outs.push(record.env.CARGO_TARGET_DIR);
  return outs.filter((p) => p.startsWith("@build@") || p.startsWith("@work@"));
}

/** Path-like pieces a record mentions: its command, args and env values, split at = : , and spaces. */
function mentionsOf(record: Record): string[] {
  const texts =
    record.type === "unpack"
      ? [record.tarball]
      : [record.command, record.cwd, ...record.args, ...Object.values(record.env), ...(record.type === "observed" ? record.inputs : [])];
  return texts.flatMap((t) => t.split(/[=:,\s]/)).filter((t) => t.startsWith("@"));
}

/** The writers (by index) of what a record mentions: of each mentioned path or a folder above it. */
export function writersOf(record: Record, writers: Map<string, number[]>): Set<number> {
  const found = new Set<number>();
  for (const mention of mentionsOf(record)) {
    for (let path = mention; path.length > 0; path = path.slice(0, Math.max(0, path.lastIndexOf("/")))) {
      for (const j of writers.get(path) ?? []) found.add(j);
    }
  }
  return found;
}

/**
 * Records (already symbolic and scrubbed) become the manifest's steps. The records at `chain`
 * (indices, in order) each also depend on the one before: the bootstrap binary runs its cargo
 * calls in that order and hands each stage's sysroot to the next itself, not through a command.
 */
export function buildSteps(records: Record[], checksums: Map<string, string>, chain: number[] = [], extraDeps = new Map<number, number[]>()): Step[] {
  const numbered = numbering(records.length);
  const steps: Step[] = [];
  for (const [i, js] of extraDeps) {
    if (js.some((j) => j >= i)) throw new NixifyError("invalidRecord", `step ${i + 1} would depend on a later step`);
  }
  // Output path -> the steps that wrote it; a mention depends on the writers of it or of a folder above it.
  const writers = new Map<string, number[]>();
  records.forEach((record, i) => {
    const kind = kindOf(record);
    const deps = writersOf(record, writers);
    const link = chain.indexOf(i);
    if (link > 0) deps.add(chain[link - 1]!);
    for (const j of extraDeps.get(i) ?? []) deps.add(j);
    if (record.type === "unpack") {
      // The download wrote to a temp name; the tarball it became carries the URL's file name.
      const name = basename(record.tarball);
      steps.forEach((s, j) => s.fetch?.name === name && deps.add(j));
    }
    const n = numbered(
      i,
      [...deps].sort((a, b) => a - b),
    );
    // Its fields in the order steps.json lists them.
    const step: Step = {
      id: n.id,
      index: n.index,
      kind,
      emoji: KIND_EMOJI[kind],
      label: labelOf(record, kind),
      prime: n.prime,
      composite: n.composite,
      deps: n.deps,
      command: record.type === "unpack" ? "unpack" : record.command,
      args: record.type === "unpack" ? UNPACK_ARGS.map((k) => record[k] ?? "") : record.args,
      env: record.type === "unpack" ? {} : record.env,
      cwd: record.type === "unpack" ? "@work@" : record.cwd,
      site: record.type === "observed" ? `observed ${record.tool}` : record.site,
    };
    // Observed and planned steps keep only what they write in their output (see run-step.sh).
    if (record.type === "observed") step.outputs = record.outputs;
    if (link >= 0) step.outputs = outputsOf(record);
    // An unpack reads its tarball, nothing of the checkout.
    if (record.type === "unpack") step.sources = [];
    if (kind === "download" && record.type !== "unpack") step.fetch = fetchOf(record.args, checksums);
    steps.push(step);
    // A hand-over's files are read only by the calls it was found for (extraDeps), never by file flow.
    if (isHandover(record)) return;
    for (const out of outputsOf(record)) writers.set(out, [...(writers.get(out) ?? []), i]);
  });
  return steps;
}

function fetchOf(args: string[], checksums: Map<string, string>): NonNullable<Step["fetch"]> {
  const url = args.find((a) => /^https?:\/\//.test(a));
  if (!url) throw new NixifyError("badInput", `a download step names no URL: ${args.join(" ")}`);
  const sha256 = checksumFor(url, checksums);
  if (!sha256) {
    throw new NixifyError(
      "badInput",
      `cannot hash download ${url}: it is not listed in src/stage0 or src/stage0.json`,
      "configure a local toolchain (build.rustc, build.cargo) or use a checkout whose stage0 list has it",
    );
  }
  return { url, sha256, name: basename(new URL(url).pathname) };
}
