// The single definition of what gen reads (records from the patched bootstrap.py) and what it
// writes (the steps.json manifest). Types are inferred from these schemas; nothing else declares them.
import * as v from "valibot";

export const RECORD_SCHEMA_VERSION = 1;

/**
 * The environment both Python recorders read, one table: lib/capture/recorder.py (bootstrap.py's
 * commands: its record file, mode and refusal file) and lib/capture/rustc-recorder.py (every
 * compiler call: its record file, the script its build-script shims run, the path remapping and
 * the build dirs). Both stamp records with the schema above. test/unit/recorders.test.ts holds
 * the scripts to this table.
 */
export const RECORDER_ENV = {
  schema: "NIXIFY_RECORD_SCHEMA",
  recordFile: "NIXIFY_RECORD_FILE",
  mode: "NIXIFY_MODE",
  refusalFile: "NIXIFY_REFUSAL_FILE",
  rustcRecordFile: "NIXIFY_RUSTC_RECORD_FILE",
  rustcShim: "NIXIFY_RUSTC_SHIM",
  rustcRemap: "NIXIFY_RUSTC_REMAP",
  rustcBuildDirs: "NIXIFY_RUSTC_BUILD_DIRS",
} as const;
export const MANIFEST_SCHEMA_VERSION = 1;

const NonEmpty = v.pipe(v.string(), v.minLength(1));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(1));
const Env = v.record(v.string(), v.string());

/** One call of bootstrap.py's `run`: a process it would have started. */
export const InvocationRecordSchema = v.strictObject({
  type: v.literal("rust_compiler_invocation"),
  schema: v.literal(RECORD_SCHEMA_VERSION),
  seq: Seq,
  command: NonEmpty,
  args: v.array(v.string()),
  env: Env,
  cwd: NonEmpty,
  site: v.string(),
  isBootstrap: v.boolean(),
});

/** One call of bootstrap.py's `unpack`: a stage0 tarball extracted into the build dir. */
export const UnpackRecordSchema = v.strictObject({
  type: v.literal("unpack"),
  schema: v.literal(RECORD_SCHEMA_VERSION),
  seq: Seq,
  tarball: NonEmpty,
  dest: NonEmpty,
  match: v.nullable(v.string()),
  site: v.string(),
});

/**
 * One compiler call (or build-script run) observed during a real build (gen --depth rustc): what ran,
 * and the files it read (rustc's dep-info) and wrote. Calls run in parallel, so there is no seq.
 */
export const ObservedRecordSchema = v.strictObject({
  type: v.literal("observed"),
  schema: v.literal(RECORD_SCHEMA_VERSION),
  /** handover: the bootstrap's copying of outputs into a sysroot (found by gen, not recorded). */
  tool: v.picklist(["rustc", "build-script", "handover"]),
  command: NonEmpty,
  args: v.array(v.string()),
  env: Env,
  cwd: NonEmpty,
  inputs: v.array(NonEmpty),
  outputs: v.array(NonEmpty),
  /**
   * The files of the sysroots the call could see when it started (its --sysroot, and the one of a
   * compiler from the build dir): what the bootstrap had handed over by then.
   */
  sees: v.optional(v.array(NonEmpty)),
  /** Variables the compiler read while compiling (dep-info's `# env-dep:` lines, from env!): they stay in the step. */
  envReads: v.optional(v.array(NonEmpty)),
});

export const RecordSchema = v.variant("type", [InvocationRecordSchema, UnpackRecordSchema, ObservedRecordSchema]);
export type InvocationRecord = v.InferOutput<typeof InvocationRecordSchema>;
export type UnpackRecord = v.InferOutput<typeof UnpackRecordSchema>;
export type ObservedRecord = v.InferOutput<typeof ObservedRecordSchema>;
export type Record = v.InferOutput<typeof RecordSchema>;

export const STEP_KINDS = ["download", "unpack", "cargo", "rustc", "build-script", "handover", "bootstrap", "other"] as const;

/** How deep gen looks: bootstrap.py's own commands, the bootstrap binary's cargo calls, or every rustc call. */
export const DEPTHS = ["shell", "cargo", "rustc"] as const;
export const DepthSchema = v.picklist(DEPTHS);
export type Depth = v.InferOutput<typeof DepthSchema>;
export const StepKindSchema = v.picklist(STEP_KINDS);
export type StepKind = v.InferOutput<typeof StepKindSchema>;

export const StepIdSchema = v.pipe(v.string(), v.regex(/^step\d{3,}$/, "a step id is stepNNN"));

const Sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "a sha256 is 64 hex digits"));

export const StepSchema = v.strictObject({
  id: StepIdSchema,
  index: Seq,
  kind: StepKindSchema,
  emoji: NonEmpty,
  label: NonEmpty,
  prime: v.pipe(v.number(), v.integer(), v.minValue(2)),
  /** prime × the primes of the direct dependencies, as a decimal string (it outgrows 2^53). */
  composite: v.pipe(v.string(), v.regex(/^\d+$/)),
  deps: v.array(StepIdSchema),
  command: NonEmpty,
  args: v.array(v.string()),
  env: Env,
  cwd: NonEmpty,
  site: v.string(),
  /** Observed steps (--depth rustc): the paths it writes; the step's output holds only these. */
  outputs: v.optional(v.array(NonEmpty)),
  /** Observed and unpack steps: the folders (or files) of the checkout it reads; its source holds only these. */
  sources: v.optional(v.array(NonEmpty)),
  /** For downloads: what Nix fetches instead of running curl. */
  fetch: v.optional(v.strictObject({ url: NonEmpty, sha256: Sha256, name: NonEmpty })),
});
export type Step = v.InferOutput<typeof StepSchema>;

export const ManifestSchema = v.strictObject({
  schema: v.literal(MANIFEST_SCHEMA_VERSION),
  generator: v.literal("nixify-rust"),
  version: NonEmpty,
  system: NonEmpty,
  mode: v.picklist(["first", "all"]),
  depth: v.optional(DepthSchema),
  xpyArgs: v.array(v.string()),
  source: v.strictObject({ sample: v.boolean(), channel: NonEmpty, channelSupplied: v.boolean() }),
  placeholders: v.record(v.string(), v.string()),
  /** Depth rustc: the compiler the tree was captured with (@rustc@), pinned by the NAR hash of its sysroot. */
  toolchain: v.optional(v.strictObject({ version: NonEmpty, hash: v.pipe(v.string(), v.regex(/^sha256-[A-Za-z0-9+/]{43}=$/, "an SRI sha256")) })),
  /**
   * Depth rustc with no build.rustc: the stage0 compiler of the checkout's list (src/stage0), which
   * the tree's own steps make (its downloads, fixed-output, and their unpacking).
   */
  stage0: v.optional(v.strictObject({ version: NonEmpty, date: NonEmpty, steps: v.array(StepIdSchema) })),
  /** Where the build linked the machine's LLVM: its version; the steps take nixpkgs' llvmPackages_<major>. */
  llvm: v.optional(v.strictObject({ version: v.pipe(v.string(), v.regex(/^\d+\.\d+/, "an LLVM version such as 14.0.6")) })),
  steps: v.array(StepSchema),
});
export type Manifest = v.InferOutput<typeof ManifestSchema>;

/** The nixpkgs attribute of the LLVM a tree's steps take (manifest.llvm): llvmPackages_<major>. */
export function llvmPackages(version: string): string {
  return `llvmPackages_${Number.parseInt(version, 10)}`;
}

/** What verify evaluates from a tree: each step's derivation and output path. */
export const EvaluatedStepsSchema = v.record(v.string(), v.object({ drv: NonEmpty, out: NonEmpty }));
export type EvaluatedSteps = v.InferOutput<typeof EvaluatedStepsSchema>;

/** The schema's first complaint, in one line. */
export function issueText(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return "invalid";
  const path = first.path?.map((p) => String(p.key)).join(".");
  return path ? `${path}: ${first.message}` : first.message;
}
