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
    const copies = (r.sees ?? []).filter((f) => origins.has(f)).sort();
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

/**
 * Hand-overs that copy all of an earlier one's files and more copy only the more, and the steps
 * that read them read both. A sysroot filled twice gives such a pair: since the stage-0 redesign
 * stage0-sysroot gets the stage-0 toolchain's std first and the compiler's libraries later, and
 * the calls after that saw both. A step links the outputs of every step below it, and no two may
 * hold the same file.
 */
export function disjointHandovers(steps: Step[]): Step[] {
  const copies = new Map<string, Map<string, string>>(); // hand-over id -> to -> from
  for (const s of steps) {
    if (s.kind === "handover") copies.set(s.id, new Map(s.args.flatMap((to, i) => (i % 2 === 1 ? [[to, s.args[i - 1]!] as const] : []))));
  }
  const index = new Map(steps.map((s, i) => [s.id, i]));
  // A hand-over no step reads (a sysroot as the build left it: the stage-1 compiler with its std)
  // stays whole: its output is that sysroot.
  const read = new Set(steps.flatMap((s) => s.deps));
  const within = new Map<string, string[]>(); // hand-over id -> the earlier hand-overs it holds whole
  for (const [id, mine] of copies) {
    if (!read.has(id)) continue;
    const holds = ([other, theirs]: [string, Map<string, string>]) =>
      index.get(other)! < index.get(id)! && theirs.size < mine.size && [...theirs].every(([to, from]) => mine.get(to) === from);
    const held = [...copies].filter(holds).map(([other]) => other);
    if (held.length > 0) within.set(id, held);
  }
  if (within.size === 0) return steps;
  const numbered = numbering(steps.length);
  return steps.map((step, i) => {
    let s = step;
    const held = within.get(s.id);
    if (held) {
      const covered = new Set(held.flatMap((other) => [...copies.get(other)!.keys()]));
      const outputs = (s.outputs ?? []).filter((to) => !covered.has(to));
      s = { ...s, args: outputs.flatMap((to) => [copies.get(s.id)!.get(to)!, to]), outputs, label: handoverLabel(outputs) };
    }
    const deps = [...new Set([...s.deps, ...s.deps.flatMap((d) => within.get(d) ?? [])])].map((d) => index.get(d)!);
    return {
      ...s,
      ...numbered(
        i,
        deps.sort((a, b) => a - b),
      ),
    };
  });
}
