// gen --depth rustc: a real x.py build whose config names our recorder as build.rustc, so every
// compiler call (and every build-script run) of the build is observed; then the observed calls in
// a deterministic order, the bootstrap crate's own compilation left out.
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { NixifyError } from "./errors.ts";
import { configValue, setBuildValue } from "./config-toml.ts";
import type { ObservedRecord } from "./schema.ts";
import { writersOf } from "./steps.ts";
import recorderSource from "./rustc-recorder.py" with { type: "text" };

export type RustcRecorder = { config: string; env: { [name: string]: string }; recordFile: string };

/** Writes the recorder into `dir` and returns the config and environment that make x.py use it. */
export async function prepareRustcRecorder(dir: string, config: string | undefined, python: string): Promise<RustcRecorder> {
  const realRustc = configValue(config, "rustc");
  if (!config || !realRustc) {
    throw new NixifyError(
      "badInput",
      "--depth rustc runs a real build and needs a local stage0 compiler: the config names no build.rustc",
      'pass --config with [build] rustc = "/path/to/bin/rustc" and cargo = "/path/to/bin/cargo" (and local-rebuild = true when they are of the same version as the sources)',
    );
  }
  if (!(await Bun.file(realRustc).exists())) throw new NixifyError("badInput", `build.rustc ${realRustc} does not exist`);
  const script = join(dir, "rustc-recorder.py");
  const wrapper = join(dir, "bin", "rustc");
  await mkdir(join(dir, "bin"), { recursive: true });
  await Bun.write(script, recorderSource);
  await Bun.write(wrapper, `#!/bin/sh\nexec "${python}" "${script}" "$@"\n`);
  await chmod(wrapper, 0o755);
  const recordFile = join(dir, "observed.jsonl");
  return {
    config: setBuildValue(config, "rustc", wrapper),
    env: { NIXIFY_RUSTC_RECORD_FILE: recordFile, NIXIFY_REAL_RUSTC: realRustc, NIXIFY_RUSTC_SHIM: script },
    recordFile,
  };
}

/** The crate a call compiles, or the build script it runs. */
export function observedName(r: ObservedRecord): string {
  if (r.tool === "build-script") return r.command.split("/").at(-1)!;
  const i = r.args.indexOf("--crate-name");
  return i >= 0 ? r.args[i + 1]! : "rustc";
}

/**
 * The observed calls of the build (already symbolic) in a dependency order that does not depend on
 * which parallel call finished first: a call comes after the writers of what it reads, and among
 * ready calls the one with the smallest (name, first output) goes first.
 */
export function orderObserved(records: ObservedRecord[]): ObservedRecord[] {
  // The bootstrap crate (built by bootstrap.py before the build proper) is not part of the graph.
  const kept = records.filter((r) => !r.outputs.some((o) => o.startsWith("@build@/bootstrap/")));
  const writers = new Map<string, number[]>();
  kept.forEach((r, i) => r.outputs.forEach((o) => writers.set(o, [i])));
  const deps = kept.map((r, i) => {
    const found = writersOf(r, writers);
    found.delete(i);
    return found;
  });
  const key = (r: ObservedRecord) => `${observedName(r)}\0${r.outputs[0] ?? ""}`;
  const done = new Set<number>();
  const ordered: ObservedRecord[] = [];
  while (ordered.length < kept.length) {
    const ready = kept
      .map((r, i) => ({ r, i }))
      .filter(({ i }) => !done.has(i) && [...deps[i]!].every((j) => done.has(j)))
      .sort((a, b) => (key(a.r) < key(b.r) ? -1 : key(a.r) > key(b.r) ? 1 : 0));
    if (ready.length === 0) throw new NixifyError("invalidRecord", "the observed calls read each other's outputs in a cycle");
    done.add(ready[0]!.i);
    ordered.push(ready[0]!.r);
  }
  return ordered;
}
