// Depth rustc: a real x.py build whose rustc shim hands every compiler call (of every stage, the
// new compiler's too) and every build-script run to gen's recorder; the steps are those calls and
// the bootstrap's hand-overs between them (sysroots filled by copying), each its own step.
import { join } from "node:path";
import type { Capture } from "../capture/types.ts";
import { readRecords } from "../capture/records.ts";
import { symbolizerOf } from "../capture/symbolizer.ts";
import { prepareRustcRecorder } from "../capture/rustc-recording.ts";
import { configValue } from "../capture/config-toml.ts";
import { NixifyError } from "../errors.ts";
import { log } from "../log.ts";
import { RECORDER_ENV, type ObservedRecord } from "../schema.ts";
import { disjointHandovers, findHandovers } from "../steps/handovers.ts";
import { orderObserved } from "../steps/order.ts";
import { pipelinedCalls, pipelineSteps } from "../steps/pipeline.ts";
import { mergeUnpacks, stage0Records } from "../steps/stage0.ts";
import { symbolicObserved, symbolicRecord } from "../steps/symbolic-records.ts";
import type { DepthDefinition, DepthSteps } from "./depth.ts";
import { shell } from "./shell.ts";

/** The path every recorded call sees of the source and of the build dir, wherever they were. */
const REMAPPED = { src: "/rustc/nixify-src", build: "/rustc/nixify-build" } as const;

export const rustc: DepthDefinition = {
  help: "rustc: run a real build (e.g. -- build --stage 1 library/std) with the config's build.rustc (else the checkout's stage0, which the tree downloads itself) and make every rustc call, build-script run and hand-over between stages a step",
  doing: "observing every rustc call of a real x.py",
  builds: ["bootstrap", "library"],
  pinsToolchain: true,
  nothingRecorded: {
    code: "nothingObserved",
    message: "x.py finished without compiling anything: there is no rustc call to turn into a step",
    hint: "name what to build after --, e.g. -- build --stage 1 library/std (since the stage-0 redesign, after 1.85, stage 0 builds no std: it is the stage-0 compiler's own), and start from a fresh --build-dir",
  },
  async record({ root, tempDir, runConfig, python, xpyArgs, paths }) {
    const recorder = await prepareRustcRecorder(join(tempDir, "rustc-recorder"), root, runConfig, python);
    const remap = [...new Set([paths.overlay, root, paths.rootReal])].map((p) => [p, REMAPPED.src]);
    const builds = [...new Set([paths.build, paths.buildReal])];
    remap.push(...builds.map((p) => [p, REMAPPED.build]));
    return {
      files: recorder.files,
      env: { ...recorder.env, [RECORDER_ENV.rustcRemap]: JSON.stringify(remap), [RECORDER_ENV.rustcBuildDirs]: JSON.stringify(builds) },
      xpyArgs,
      records: () => readRecords(recorder.recordFile),
    };
  },
  // Without build.rustc the compiler is the checkout's stage0: the outer shell records its downloads.
  outer: (config) => (configValue(config, "build.rustc") ? undefined : shell),
  steps: (cap) => observedSteps(cap, symbolizerOf(cap)),
  finishSteps(steps) {
    const merged = mergeUnpacks(steps);
    return pipelineSteps(disjointHandovers(merged), pipelinedCalls(merged));
  },
};

/**
 * The observed calls and the bootstrap's hand-overs between them, symbolic and in order, with the
 * hand-overs each call reads (by index) as extra dependencies.
 */
function observedSteps(cap: Capture, sym: (s: string) => string): DepthSteps {
  const observed = cap.records.filter((r) => r.type === "observed");
  const handovers = findHandovers(observed, cap.paths.build, cap.sysroots);
  const { unexplained } = cap.sysroots;
  if (unexplained.length > 0) {
    log.warn(`${unexplained.length} sysroot files are no compiler call's output, so no step makes them (e.g. ${sym(unexplained[0]!)})`);
  }
  // The stage0 the tree makes itself (no build.rustc): the downloads and unpacks of the folder the
  // calls run their compiler from. Build scripts then ask that compiler for its version.
  const outerSym = cap.outer && symbolizerOf(cap.outer);
  const stage0 = outerSym
    ? stage0Records(
        cap.outer!.records.map((r) => symbolicRecord(r, outerSym)),
        observed.map((r) => sym(r.command)),
      )
    : [];
  const stage0Dir = stage0.find((r) => r.type === "unpack" && r.match === "rustc");
  const rustcOfScripts = stage0Dir?.type === "unpack" ? `${stage0Dir.dest}/bin/rustc` : undefined;
  const all = [...observed, ...handovers.records].map((r) => symbolicObserved(r, sym, rustcOfScripts));
  const reads = new Map<ObservedRecord, ObservedRecord[]>();
  for (const [i, hs] of handovers.readBy)
    reads.set(
      all[i]!,
      hs.map((h) => all[observed.length + h]!),
    );
  const records = orderObserved(all, reads);
  if (records.length === 0) {
    // Only the bootstrap crate was compiled (newer bootstraps build no std at stage 0).
    const { code, message, hint } = rustc.nothingRecorded;
    throw new NixifyError(code, message, hint);
  }
  const at = new Map(records.map((r, i) => [r, stage0.length + i]));
  const extraDeps = new Map<number, number[]>();
  for (const [r, hs] of reads)
    if (at.has(r))
      extraDeps.set(
        at.get(r)!,
        hs.map((h) => at.get(h)!),
      );
  return { records: [...stage0, ...records], chain: [], extraDeps };
}
