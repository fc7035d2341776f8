// The unit tests' real inputs (test/fixtures/unit/README.md says where each came from), read and
// validated the way gen reads them.
import { join } from "node:path";
import * as v from "valibot";
import { parseConfig } from "../../lib/capture/config-toml.ts";
import type { Capture } from "../../lib/capture/types.ts";
import { readRecords } from "../../lib/capture/records.ts";
import { NixifyError, type ExitCodeName, ExitCode } from "../../lib/errors.ts";
import { PLACEHOLDERS } from "../../lib/placeholders.ts";
import { EvaluatedStepsSchema, MANIFEST_SCHEMA_VERSION, StepSchema, type Manifest, type ObservedRecord, type Record, type Step } from "../../lib/schema.ts";

export const FIXTURES = join(import.meta.dir, "..", "fixtures", "unit");

export function fixtureText(name: string): Promise<string> {
  return Bun.file(join(FIXTURES, name)).text();
}

/** A recorder's JSON lines, validated by gen's own reader. */
export function fixtureRecords(name: string): Promise<Record[]> {
  return readRecords(join(FIXTURES, name));
}

/** Steps as gen wrote them, validated by the manifest's schema. */
export async function fixtureSteps(name: string): Promise<Step[]> {
  return v.parse(v.array(StepSchema), await Bun.file(join(FIXTURES, name)).json());
}

/** A manifest of these steps alone (a tree of chosen steps, for the tests and the benches), as gen writes one for a checkout of no channel. */
export function manifestOf(steps: Step[], version = "test"): Manifest {
  return {
    schema: MANIFEST_SCHEMA_VERSION,
    generator: "nixify-rust",
    version,
    system: "x86_64-linux",
    mode: "all",
    xpyArgs: ["build"],
    source: { sample: false, channel: "dev", channelSupplied: false },
    placeholders: { ...PLACEHOLDERS },
    steps,
  };
}

const RealiseRunSchema = v.strictObject({ flags: v.array(v.string()), code: v.number(), missing: v.array(v.string()), paths: EvaluatedStepsSchema });

/**
 * A recorded `nix-store --realise` of the sample's steps: the lines of its stderr, and from
 * realise-sample.json its flags, exit code, the steps not in the store afterwards and their paths.
 */
export async function fixtureRealise(name: string): Promise<{ lines: string[] } & v.InferOutput<typeof RealiseRunSchema>> {
  const runs = v.parse(v.record(v.string(), RealiseRunSchema), await Bun.file(join(FIXTURES, "realise-sample.json")).json());
  return { lines: (await fixtureText(name)).split("\n"), ...runs[name]! };
}

/** A capture's absolute paths (and config), as gen's symbolizer takes them. */
export async function fixtureCapture(name: string): Promise<Capture & { stage0: string[] }> {
  const json = (await Bun.file(join(FIXTURES, name)).json()) as { paths: Capture["paths"]; config?: string; stage0?: string[] };
  return {
    records: [],
    config: json.config === undefined ? undefined : parseConfig(json.config),
    supplied: new Map(),
    channel: "dev",
    channelSupplied: false,
    machinePaths: [],
    sysroots: { final: new Map(), origins: new Map(), unexplained: [] },
    checkout: { paths: new Set(), packages: new Set() },
    stage0Checksums: new Map(json.stage0?.map((line) => line.split("=") as [string, string])),
    paths: json.paths,
    seconds: { copy: 0, xpy: 0 },
    stage0: json.stage0 ?? [],
  };
}

/** An observed step of a depth-rustc tree as the record it was made from (steps keep no inputs). */
export function observedOf(step: Step): ObservedRecord {
  const tool = step.kind === "build-script" || step.kind === "handover" ? step.kind : "rustc";
  const outputs = step.outputs ?? [];
  return {
    type: "observed",
    schema: 1,
    tool,
    command: step.command,
    args: step.args,
    env: step.env,
    cwd: step.cwd,
    inputs: tool === "handover" ? sourcesOf(step) : [],
    outputs,
  };
}

/** A rustc call the rustc recorder observed writing `outputs`, having seen `sees` in sysroots; `more` overrides the rest. */
export function observedCall(outputs: string[], sees: string[] = [], more: Partial<ObservedRecord> = {}): ObservedRecord {
  return { type: "observed", schema: 1, tool: "rustc", command: "rustc", args: [], env: {}, cwd: "/", inputs: [], outputs, sees, ...more };
}

/** A hand-over copies (from, to) pairs: its inputs are the froms. */
function sourcesOf(step: Step): string[] {
  return step.args.filter((_, i) => i % 2 === 0);
}

/** What `fn` throws, as the exit code's name and the message (or "returned" if it does not throw). */
export async function thrown(fn: () => unknown): Promise<{ code: ExitCodeName | "not a NixifyError" | "returned"; message: string }> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof NixifyError)) return { code: "not a NixifyError", message: String(e) };
    const name = (Object.keys(ExitCode) as ExitCodeName[]).find((k) => ExitCode[k] === e.code)!;
    return { code: name, message: e.message };
  }
  return { code: "returned", message: "" };
}
