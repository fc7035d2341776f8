// Pipelining, as cargo does it: a crate whose dependents are libraries is needed by them only for
// its metadata (cargo names the `.rmeta` in their `--extern`), which the compiler writes long before
// its code is generated. A Nix build's output exists only once the build ends, so a pipelined call
// becomes two steps: the same call with `-Zno-codegen` (the same `.rmeta` bytes, in a fraction of
// the time), which its library dependents wait for, and the full call, which keeps its rlib for
// the calls that link. A call that links needs the rlibs of every crate below it, so it waits for
// the full step of each crate whose metadata step is among its ancestors.
import type { Step } from "../schema.ts";
import { numbering } from "./steps.ts";

export const NO_CODEGEN = "-Zno-codegen";
const LIBRARY_TYPES = new Set(["lib", "rlib"]);

/** The crate types a compiler call names (`--crate-type a,b`, repeated or not); rustc's default is bin. */
export function crateTypes(args: string[]): string[] {
  const types: string[] = [];
  args.forEach((arg, i) => {
    if (arg === "--crate-type" && i + 1 < args.length) types.push(...args[i + 1]!.split(","));
    else if (arg.startsWith("--crate-type=")) types.push(...arg.slice("--crate-type=".length).split(","));
  });
  return types.length > 0 ? types : ["bin"];
}

/** Whether a compiler call links (a binary, a dylib, a proc macro): it reads its dependencies' rlibs. */
export function links(step: Step): boolean {
  return step.kind === "rustc" && crateTypes(step.args).some((t) => !LIBRARY_TYPES.has(t));
}

/** The `.rmeta` a library call writes beside its rlib, where it can be written by a step of its own. */
export function metadataOutput(step: Step): string | undefined {
  if (step.kind !== "rustc" || links(step) || step.args.includes(NO_CODEGEN)) return undefined;
  const emit =
    step.args
      .find((a) => a.startsWith("--emit="))
      ?.slice("--emit=".length)
      .split(",") ?? [];
  if (!emit.includes("metadata") || !emit.includes("link")) return undefined;
  const rmeta = step.outputs?.filter((o) => o.endsWith(".rmeta")) ?? [];
  return rmeta.length === 1 ? rmeta[0] : undefined;
}

/** Whether any argument or environment value of `step` names `path`. */
function names(step: Step, path: string): boolean {
  return [...step.args, ...Object.values(step.env)].some((t) => t.includes(path));
}

/**
 * The steps with each `chosen` library call (that can be: see metadataOutput) split into a
 * metadata step right before it and the full call, renumbered. A library call that depends on it
 * and names none of the full call's files (its rlib) waits for the metadata step only.
 */
export function pipelineSteps(steps: Step[], chosen: (step: Step) => boolean): Step[] {
  const metadataOf = new Map<string, Step>();
  const fullOf = new Map<Step, Step>();
  const ordered: Step[] = [];
  for (const step of steps) {
    const rmeta = chosen(step) ? metadataOutput(step) : undefined;
    if (rmeta) {
      const metadata: Step = {
        ...step,
        label: `${step.label} (metadata)`,
        args: [...step.args, NO_CODEGEN],
        // -Z options need a nightly compiler or this; the bootstrap sets it for its own calls.
        env: { ...step.env, RUSTC_BOOTSTRAP: "1" },
        outputs: [rmeta],
      };
      const full = { ...step, outputs: step.outputs!.filter((o) => o !== rmeta) };
      metadataOf.set(step.id, metadata);
      fullOf.set(metadata, full);
      ordered.push(metadata, full);
      continue;
    }
    ordered.push(step);
  }
  if (metadataOf.size === 0) return steps;

  // Dependencies as steps of the new list: a split call's dependents take the part they name.
  const byOldId = new Map(steps.map((s) => [s.id, s]));
  const newOf = new Map(ordered.map((s) => [s, s]));
  for (const [oldId, metadata] of metadataOf) newOf.set(byOldId.get(oldId)!, fullOf.get(metadata)!);
  const depsOf = new Map<Step, Set<Step>>();
  for (const step of ordered) {
    const deps = new Set<Step>();
    for (const id of step.deps) {
      const metadata = metadataOf.get(id);
      const full = newOf.get(byOldId.get(id)!)!;
      if (!metadata) deps.add(full);
      // A library call reads only metadata, of the crates it names and of those below them
      // (rustc's dep-info lists the latter: there is nothing of them on its command line).
      else if (step.kind !== "rustc" || links(step) || full.outputs!.some((o) => names(step, o))) deps.add(full);
      else deps.add(metadata);
    }
    depsOf.set(step, deps);
  }
  // A linking call waits for the rlib of every crate below it.
  const ancestors = new Map<Step, Set<Step>>();
  for (const step of ordered) {
    const deps = depsOf.get(step)!;
    const below = new Set<Step>();
    for (const d of deps) for (const a of [d, ...ancestors.get(d)!]) below.add(a);
    if (links(step)) {
      for (const a of [...below]) {
        const full = fullOf.get(a);
        if (full && !below.has(full)) {
          deps.add(full);
          below.add(full);
        }
      }
    }
    ancestors.set(step, below);
  }

  const index = new Map(ordered.map((s, i) => [s, i]));
  const numbered = numbering(ordered.length);
  return ordered.map((step, i) => {
    const deps = [...depsOf.get(step)!].map((d) => index.get(d)!).sort((a, b) => a - b);
    return { ...step, ...numbered(i, deps) };
  });
}

/** How many library calls wait for a crate's metadata before it is worth a step of its own. */
export const PIPELINE_FAN_OUT = 8;

/**
 * The calls worth pipelining: the crates that many library calls wait for. While such a crate
 * compiles, little else can (its dependents are most of what is left), and each extra metadata
 * step repeats the crate's front end, so crates few wait for are not split.
 */
export function pipelinedCalls(steps: Step[]): (step: Step) => boolean {
  // .rmeta -> the library calls that name it (`--extern NAME=PATH`): the crates right above it,
  // each once (a crate already split names it in its metadata step too).
  const readers = new Map<string, number>();
  for (const s of steps) {
    if (s.kind !== "rustc" || links(s) || s.args.includes(NO_CODEGEN)) continue;
    for (const arg of s.args) {
      const path = arg.slice(arg.indexOf("=") + 1);
      if (path.endsWith(".rmeta")) readers.set(path, (readers.get(path) ?? 0) + 1);
    }
  }
  return (step) => (readers.get(metadataOutput(step) ?? "") ?? 0) >= PIPELINE_FAN_OUT;
}
