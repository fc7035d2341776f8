// A capture's records as the steps see them: every absolute path of the machine that made them
// (the source, the build dir, gen's temp folders, the config's toolchain, the machine's LLVM) becomes
// a placeholder that Nix fills in (capture/symbolizer.ts), and what the steps must not carry
// (secrets, what a call saw) is left out.
import { scrubObservedEnv, scrubRecordEnv } from "../capture/env.ts";
import type { ObservedRecord, Record } from "../schema.ts";

/** `stage0Rustc`: the stage0 compiler where the tree makes it (symbolic), else the pinned one. */
export function symbolicObserved(record: ObservedRecord, sym: (s: string) => string, stage0Rustc = "@rustc@"): ObservedRecord {
  const env: { [k: string]: string } = {};
  for (const [k, value] of Object.entries(scrubObservedEnv(record.env, record.tool, record.envReads))) env[k] = sym(value);
  // Build scripts ask $RUSTC for its version; bootstrap's shim answers as the stage0 rustc would.
  if (env.RUSTC !== undefined) env.RUSTC = stage0Rustc;
  return {
    ...record,
    command: sym(record.command),
    args: record.args.map(sym),
    env,
    cwd: sym(record.cwd),
    // Only files of the source, the build and the toolchain can link steps; the rest is the machine's.
    inputs: record.inputs.map(sym).filter((p) => p.startsWith("@")),
    outputs: record.outputs.map(sym),
    // What a call saw of the sysroots is turned into hand-over steps before this (see handovers.ts).
    sees: undefined,
    envReads: undefined,
  };
}

export function symbolicRecord(record: Record, sym: (s: string) => string): Record {
  if (record.type === "observed") return symbolicObserved(record, sym);
  if (record.type === "unpack") {
    return { ...record, tarball: sym(record.tarball), dest: sym(record.dest) };
  }
  const env: { [k: string]: string } = {};
  for (const [k, value] of Object.entries(scrubRecordEnv(record.env))) env[k] = sym(value);
  return { ...record, command: sym(record.command), args: record.args.map(sym), env, cwd: sym(record.cwd) };
}
