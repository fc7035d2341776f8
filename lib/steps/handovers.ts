// The bootstrap's hand-overs between stages as explicit steps. Between compiler calls the
// bootstrap copies (or hard-links) what one stage built into the sysroot of the next: std into
// stage0-sysroot, the new compiler and its libraries into stage1, ... and, since the stage-0
// redesign, the stage-0 toolchain's own libraries (its std) into stage0-sysroot. No compiler call
// writes those files, so without steps for them the calls that read a sysroot would find it empty.
// Each observed call lists the sysroot files it could see when it started (`sees`); a seen file
// whose content is the output of a call, or a file of the pinned toolchain, is a copy of it. Calls
// that saw the same copies share one hand-over step that makes them from where they came from.
import { lstat } from "node:fs/promises";
import { dirname } from "node:path";
import type { ObservedRecord } from "../schema.ts";

export type Handovers = {
  /** One record per distinct set of copies: args are (from, to) pairs, inputs the froms, outputs the tos. */
  records: ObservedRecord[];
  /** Observed call (index into the records given) -> the hand-overs (index into `records`) it reads. */
  readBy: Map<number, number[]>;
  /** Seen sysroot files that are no call's output (no step makes them). */
  unexplained: string[];
};

type FileId = { size: number; ino: number; dev: number };

async function fileId(path: string): Promise<FileId | undefined> {
  const st = await lstat(path).catch(() => undefined);
  return st?.isFile() ? { size: st.size, ino: st.ino, dev: st.dev } : undefined;
}

/** Where each seen file came from: the output with the same inode (a hard link), else with the same bytes. */
async function originsOf(seen: string[], outputs: string[]): Promise<Map<string, string>> {
  const bySize = new Map<number, Array<{ path: string; id: FileId }>>();
  const byInode = new Map<string, string>();
  for (const path of outputs) {
    const id = await fileId(path);
    if (!id) continue;
    bySize.set(id.size, [...(bySize.get(id.size) ?? []), { path, id }]);
    byInode.set(`${id.dev}:${id.ino}`, path);
  }
  const hashes = new Map<string, bigint | number>();
  const hash = async (path: string) => {
    let h = hashes.get(path);
    if (h === undefined) hashes.set(path, (h = Bun.hash(await Bun.file(path).bytes())));
    return h;
  };
  const origins = new Map<string, string>();
  for (const path of seen) {
    const id = await fileId(path);
    if (!id) continue;
    const linked = byInode.get(`${id.dev}:${id.ino}`);
    if (linked && linked !== path) {
      origins.set(path, linked);
      continue;
    }
    for (const candidate of bySize.get(id.size) ?? []) {
      if (candidate.path !== path && (await hash(candidate.path)) === (await hash(path))) {
        origins.set(path, candidate.path);
        break;
      }
    }
  }
  return origins;
}

/**
 * Hand-over steps for the observed calls (real paths, as recorded), and which call reads which.
 * `finalSysroots`: the sysroots as the build left them; each gets a hand-over of all its copies too
 * (the stage-1 compiler with its std), unless some call already saw exactly that.
 * `toolchainFiles`: the files of the pinned toolchain's lib folder, which a sysroot may copy.
 */
export async function findHandovers(records: ObservedRecord[], buildDir: string, finalSysroots: Map<string, string[]>, toolchainFiles: string[] = []): Promise<Handovers> {
  const outputs = records.filter((r) => r.tool === "rustc").flatMap((r) => r.outputs);
  const written = new Set(outputs);
  const seen = [...new Set([...records.flatMap((r) => r.sees ?? []), ...[...finalSysroots.values()].flat()])].filter((f) => !written.has(f)).sort();
  // A call's output first: where the toolchain holds the same bytes, the build made its own.
  const origins = await originsOf(seen, [...outputs, ...toolchainFiles]);
  const unexplained = seen.filter((f) => !origins.has(f));

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
  for (const files of finalSysroots.values()) {
    const copies = files.filter((f) => origins.has(f)).sort();
    if (copies.length > 0) group(copies);
  }

  const handovers: ObservedRecord[] = [];
  const readBy = new Map<number, number[]>();
  for (const { copies, readers } of groups.values()) {
    for (const reader of readers) readBy.set(reader, [...(readBy.get(reader) ?? []), handovers.length]);
    handovers.push({
      type: "observed",
      schema: 1,
      tool: "handover",
      command: "cp",
      args: copies.flatMap((to) => [origins.get(to)!, to]),
      env: {},
      cwd: dirname(buildDir),
      inputs: copies.map((to) => origins.get(to)!),
      outputs: copies,
    });
  }
  return { records: handovers, readBy, unexplained };
}
