// A capture's records as the steps see them: every absolute path of the machine that made them
// (the source, the build dir, gen's temp folders, the config's toolchain, the machine's LLVM) becomes a placeholder
// that Nix fills in, and what the steps must not carry (secrets, what a call saw) is left out.
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import type { Capture } from "../capture/types.ts";
import { configValue, type Config } from "../capture/config-toml.ts";
import { scrubObservedEnv, scrubRecordEnv } from "../capture/env.ts";
import type { ObservedRecord, Record } from "../schema.ts";
import { rustcSysroot } from "../toolchain.ts";
import { makeSymbolizer, type Placeholder } from "../placeholders.ts";

/** Toolchain paths named in the config become placeholders that Nix fills from its inputs. */
async function toolchainPaths(config: Config | undefined): Promise<Array<[string, Placeholder]>> {
  const paths: Array<[string, Placeholder]> = [];
  for (const [key, placeholder] of [["rustc", "@rustc@"], ["cargo", "@cargo@"]] as const) {
    const path = configValue(config, `build.${key}`);
    if (path) paths.push([path, placeholder]);
  }
  // That rustc's sysroot, which the bootstrap names too (1.90's `--sysroot` for tools the stage-0
  // compiler builds, RUSTC_SNAPSHOT_LIBDIR): a folder of its own, not a system prefix such as /usr,
  // whose other files (cc, llvm-config) keep their paths.
  const rustc = configValue(config, "build.rustc");
  const found = rustc ? await rustcSysroot(rustc) : undefined;
  if (found && "sysroot" in found && !SYSTEM_PREFIXES.has(found.sysroot)) paths.push([found.sysroot, "@sysroot@"]);
  return paths;
}

/** Each machine path with its placeholder, and where the path really is (through links) with the same one. */
export async function withRealPaths(pairs: Array<[string, Placeholder]>): Promise<Array<[string, Placeholder]>> {
  const out: Array<[string, Placeholder]> = [];
  for (const [path, placeholder] of pairs) {
    out.push([path, placeholder]);
    const real = await realpath(path).catch(() => path);
    if (real !== path) out.push([real, placeholder]);
  }
  return out;
}

const SYSTEM_PREFIXES = new Set(["/", "/usr", "/usr/local"]);

/**
 * Absolute paths of a capture -> placeholders. A dry run plans in build/tmp-dry-run; a toolchain
 * x.py ran with in place of the pinned stage0 stands for the stage0 folder the steps unpack.
 */
export async function symbolizerOf(cap: Capture, stage0Dir?: string, runToolchain?: string): Promise<(text: string) => string> {
  const p = cap.paths;
  const pairs: Array<[string, Placeholder]> = [
    [p.overlay, "@src@"], [p.root, "@src@"], [p.rootReal, "@src@"],
    [join(p.build, "tmp-dry-run"), "@build@"], [join(p.buildReal, "tmp-dry-run"), "@build@"],
    [p.build, "@build@"], [p.buildReal, "@build@"], [p.work, "@work@"],
    [p.home, "@home@"], [p.tmp, "@tmp@"],
    // The toolchain, LLVM and libstdc++ of the machine, by the paths the config and the calls
    // name them and by where they really are.
    ...(await withRealPaths([...(await toolchainPaths(cap.config)), ...(cap.machine?.paths ?? [])])),
  ];
  const sym = makeSymbolizer(pairs);
  if (!runToolchain || !stage0Dir) return sym;
  const prefixes = [runToolchain, await realpath(runToolchain)].sort((a, b) => b.length - a.length);
  return (text) => sym(prefixes.reduce((t, prefix) => t.split(prefix).join(stage0Dir), text));
}

export function symbolicObserved(record: ObservedRecord, sym: (s: string) => string): ObservedRecord {
  const env: { [k: string]: string } = {};
  for (const [k, value] of Object.entries(scrubObservedEnv(record.env, record.tool, record.envReads))) env[k] = sym(value);
  // Build scripts ask $RUSTC for its version; bootstrap's shim answers as the stage0 rustc would.
  if (env.RUSTC !== undefined) env.RUSTC = "@rustc@";
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
