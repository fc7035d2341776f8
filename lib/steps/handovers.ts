// The bootstrap's hand-overs between stages as explicit steps. Between compiler calls the
// bootstrap copies (or hard-links) what one stage built into the sysroot of the next: std into
// stage0-sysroot, the new compiler and its libraries into stage1, ... No compiler call writes
// those files, so without steps for them the calls that read a sysroot would find it empty.
// Each observed call lists the sysroot files it could see when it started (`sees`); which of them
// are copies of which call's output the capture found (capture/sysroots.ts). Calls that saw the
// same copies share one hand-over step that makes them from the outputs of the calls that built them.
import { dirname } from "node:path";
import type { Sysroots } from "../capture/sysroots.ts";
import { RECORD_SCHEMA_VERSION, type ObservedRecord, type Step } from "../schema.ts";
import { handoverLabel, numbering } from "./steps.ts";

export type Handovers = {
  /** One record per distinct set of copies: args are (from, to) pairs, inputs the froms, outputs the tos. */
  records: ObservedRecord[];
  /** Observed call (index into the records given) -> the hand-overs (index into `records`) it reads. */
  readBy: Map<number, number[]>;
};

/**
 * Hand-over steps for the observed calls (real paths, as recorded), and which call reads which.
 * Each sysroot as the build left it gets a hand-over of all its copies too (the stage-1 compiler
 * with its std), unless some call already saw exactly that.
 */
export function findHandovers(records: ObservedRecord[], buildDir: string, { final, origins }: Sysroots): Handovers {
  const groups = new Map<string, { copies: string[]; readers: number[] }>();
  const group = (copies: string[]) => {
    const key = copies.join("\n");
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { copies, readers: [] }));
    return g;
  };
  records.forEach((r, i) => {
    const copies = copiesRead(r, origins);
    if (copies.length > 0) group(copies).readers.push(i);
  });
  for (const files of final.values()) {
    const copies = files.filter((f) => origins.has(f)).sort();
    if (copies.length > 0) group(copies);
  }

  const handovers: ObservedRecord[] = [];
  const readBy = new Map<number, number[]>();
  for (const { copies, readers } of groups.values()) {
    for (const reader of readers) readBy.set(reader, [...(readBy.get(reader) ?? []), handovers.length]);
    handovers.push({
      type: "observed",
      schema: RECORD_SCHEMA_VERSION,
      tool: "handover",
      command: "cp",
      args: copies.flatMap((to) => [origins.get(to)!, to]),
      env: {},
      cwd: dirname(buildDir),
      inputs: copies.map((to) => origins.get(to)!),
      outputs: copies,
    });
  }
  return { records: handovers, readBy };
}

/** A library of a sysroot's target folder (`lib/rustlib/TARGET/lib/`), which rustc loads only where a crate needs it. */
const SYSROOT_LIBRARY = /\/lib\/rustlib\/[^/]+\/lib\/[^/]+\.(rlib|rmeta|so)$/;
/** A crate's file without its extension: dep-info names the .rmeta it loaded, the link reads the .rlib beside it. */
const crateFile = (path: string) => path.replace(/\.(rlib|rmeta|so)$/, "");

/**
 * The sysroot copies a call reads, of all it saw. The bootstrap passes -Zbinary-dep-depinfo, so a
 * call's dep-info (its inputs) names every library it loaded: of the sysroots' target libraries it
 * reads only the crates named there. The rest it saw stays (its compiler's own libraries and
 * codegen backends, which dep-info does not track; linkers), and so does all of it where dep-info
 * names no library at all (a crate with no dependencies, or a bootstrap without the flag).
 */
function copiesRead(r: ObservedRecord, origins: Map<string, string>): string[] {
  const copies = (r.sees ?? []).filter((f) => origins.has(f)).sort();
  const loaded = new Set(r.inputs.filter((f) => /\.(rlib|rmeta|so)$/.test(f)).map(crateFile));
  if (loaded.size === 0) return copies;
  return copies.filter((f) => !SYSROOT_LIBRARY.test(f) || loaded.has(crateFile(f)));
}

/**
 * The hand-overs steps read, made disjoint: a step links the outputs of every step below it, and
 * no two may hold the same file, while calls read overlapping sets of copies (stage0-sysroot filled
 * twice since the stage-0 redesign; each call's share of a sysroot, the crates it loads). The
 * copies are regrouped by the steps that read them: copies read by the same steps are one
 * hand-over, and a step reads those holding what it read. Each takes the place of a hand-over it
 * replaces (after what its copies come from, before every step reading them) and depends on the
 * steps that wrote its copies. A hand-over no step reads (a sysroot as the build left it: the
 * stage-1 compiler with its std) stays whole: its output is that sysroot.
 */
export function disjointHandovers(steps: Step[]): Step[] {
  const handovers = new Map(steps.filter((s) => s.kind === "handover").map((s) => [s.id, s]));
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const copied = new Map<string, { from: string; readers: Set<string>; first: number }>(); // to -> ...
  const read = new Set<string>(); // the hand-overs some step reads
  for (const s of steps) {
    for (const d of s.deps) {
      const h = handovers.get(d);
      if (!h) continue;
      read.add(d);
      for (let i = 0; i < h.args.length; i += 2) {
        const to = h.args[i + 1]!;
        const c = copied.get(to) ?? { from: h.args[i]!, readers: new Set(), first: index.get(d)! };
        c.readers.add(s.id);
        c.first = Math.min(c.first, index.get(d)!);
        copied.set(to, c);
      }
    }
  }
  const groups = new Map<string, string[]>(); // the steps reading them -> copies
  for (const to of [...copied.keys()].sort()) {
    const key = [...copied.get(to)!.readers].sort().join(" ");
    groups.set(key, [...(groups.get(key) ?? []), to]);
  }
  const filesOf = (h: Step) =>
    h.args
      .filter((_, i) => i % 2 === 1)
      .sort()
      .join("\n");
  const groupFiles = new Set([...groups.values()].map((tos) => tos.join("\n")));
  if ([...read].every((id) => groupFiles.has(filesOf(handovers.get(id)!)))) return steps;

  // Who wrote each copy's origin: the step whose outputs name it, else what the first hand-over
  // holding it depended on (an unpacked toolchain's file: its folder's step).
  const writer = new Map(steps.flatMap((s) => (s.outputs ?? []).map((o) => [o, s.id] as const)));
  const placed = new Map<number, Array<{ key: string; tos: string[] }>>(); // at a read hand-over's index
  const reads = new Map<string, string[]>(); // step -> the new hand-overs it reads
  [...groups].forEach(([readers, tos], n) => {
    const key = `handover ${n}`;
    const at = Math.max(...tos.map((to) => copied.get(to)!.first));
    placed.set(at, [...(placed.get(at) ?? []), { key, tos }]);
    for (const reader of readers.split(" ")) reads.set(reader, [...(reads.get(reader) ?? []), key]);
  });
  const out: Array<{ key: string; step: Step; deps: string[] }> = [];
  steps.forEach((step, i) => {
    if (!read.has(step.id)) {
      out.push({ key: step.id, step, deps: [...step.deps.filter((d) => !read.has(d)), ...(reads.get(step.id) ?? [])] });
      return;
    }
    for (const { key, tos } of placed.get(i) ?? []) {
      const deps = new Set(
        tos.flatMap((to) => {
          const w = writer.get(copied.get(to)!.from);
          return w ? [w] : steps[copied.get(to)!.first]!.deps;
        }),
      );
      const args = tos.flatMap((to) => [copied.get(to)!.from, to]);
      out.push({ key, step: { ...step, args, outputs: tos, label: handoverLabel(tos) }, deps: [...deps] });
    }
  });
  const at = new Map(out.map((e, i) => [e.key, i]));
  const numbered = numbering(out.length);
  return out.map(({ step, deps }, i) => ({
    ...step,
    ...numbered(
      i,
      [...new Set(deps.map((d) => at.get(d)!))].sort((a, b) => a - b),
    ),
  }));
}
