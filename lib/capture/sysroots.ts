// What the build's sysroots held, read from the machine once the build is done, for depth rustc's
// hand-overs (lib/steps/handovers.ts). Between compiler calls the bootstrap copies (or hard-links)
// what one stage built into the sysroot of the next, and, since the stage-0 redesign, the stage-0
// toolchain's own libraries (its std) into stage0-sysroot; no call writes those copies. Each
// observed call lists the sysroot files it could see when it started (`sees`); a seen file with the
// inode or the bytes of a call's output, or else of a file of the toolchain, is a copy of it.
import { lstat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { holds } from "../paths.ts";
import type { ObservedRecord } from "../schema.ts";

export type Sysroots = {
  /** The sysroots in the build dir the calls used (--sysroot, or a compiler's own) -> their files as the build left them. */
  final: Map<string, string[]>;
  /** Each sysroot file a call saw or the build left that is a copy of a compiler call's output (or of the toolchain's file) -> that output. */
  origins: Map<string, string>;
  /** The sysroot files that are no call's output (no step makes them). */
  unexplained: string[];
};

/**
 * The sysroots of the observed calls (real paths, as recorded) in the build dir `build`;
 * `toolchains`: the pinned toolchain's sysroot, by the paths the tree names it by (@sysroot@).
 * A stage0 unpacked into the build dir is a toolchain too.
 */
export async function sysrootsOf(records: ObservedRecord[], build: string, toolchains: string[] = []): Promise<Sysroots> {
  const final = await finalSysroots(records, build);
  const outputs = records.filter((r) => r.tool === "rustc").flatMap((r) => r.outputs);
  const written = new Set(outputs);
  const seen = [...new Set([...records.flatMap((r) => r.sees ?? []), ...[...final.values()].flat()])].filter((f) => !written.has(f)).sort();
  const origins = await originsOf(seen, outputs);
  // The folder in the build dir a call runs its compiler from, where that bin/rustc is no call's
  // output, is a toolchain bootstrap.py unpacked (the checkout's stage0): a step makes it whole.
  // (1.85 hard-links its files into stage0-sysroot too: those are copies of a toolchain's files.)
  const compilerRoots = new Set(records.filter((r) => r.tool === "rustc").map((r) => dirname(dirname(r.command))));
  const unpacked = [...final.keys()].filter(
    (root) => compilerRoots.has(root) && seen.includes(join(root, "bin/rustc")) && !origins.has(join(root, "bin/rustc")),
  );
  for (const root of unpacked) final.delete(root);
  const inUnpacked = (f: string) => unpacked.some((root) => holds(root, f));
  const rest = seen.filter((f) => !inUnpacked(f));
  for (const f of [...origins.keys()].filter(inUnpacked)) origins.delete(f);
  // What no call wrote may be a toolchain's own file at the same place in its sysroot.
  for (const [file, origin] of await toolchainOrigins(
    rest.filter((f) => !origins.has(f)),
    [...final.keys()],
    [...toolchains, ...unpacked],
  ))
    origins.set(file, origin);
  return { final, origins, unexplained: rest.filter((f) => !origins.has(f)) };
}

/**
 * Since the stage-0 redesign the bootstrap links the stage-0 toolchain's libraries (its std among
 * them) into stage0-sysroot, at the places they have in the toolchain: each file of a sysroot that
 * is the file at its place in a toolchain (the same inode, else the same bytes) -> that file.
 */
async function toolchainOrigins(files: string[], sysroots: string[], toolchains: string[]): Promise<Map<string, string>> {
  const origins = new Map<string, string>();
  for (const file of files) {
    const root = sysroots.find((r) => holds(r, file));
    if (!root) continue;
    for (const toolchain of toolchains) {
      const candidate = join(toolchain, relative(root, file));
      if (await sameFile(file, candidate)) {
        origins.set(file, candidate);
        break;
      }
    }
  }
  return origins;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = [await fileId(a), await fileId(b)];
  if (!x || !y || x.size !== y.size) return false;
  if (x.dev === y.dev && x.ino === y.ino) return true;
  return Bun.hash(await Bun.file(a).bytes()) === Bun.hash(await Bun.file(b).bytes());
}

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

/** The sysroots in the build dir the calls used (--sysroot, or a compiler's own), with their files as the build left them. */
async function finalSysroots(records: ObservedRecord[], build: string): Promise<Map<string, string[]>> {
  const roots = new Set<string>();
  for (const r of records.filter((r) => r.tool === "rustc")) {
    const i = r.args.indexOf("--sysroot");
    const own = r.command.endsWith("/bin/rustc") ? dirname(dirname(r.command)) : undefined;
    for (const root of [own, i >= 0 ? resolve(r.cwd, r.args[i + 1]!) : undefined]) {
      if (root && holds(build, root)) roots.add(root);
    }
  }
  const sysroots = new Map<string, string[]>();
  for (const root of [...roots].sort()) {
    const files = await Array.fromAsync(new Bun.Glob("**").scan({ cwd: root, onlyFiles: true, dot: true })).catch(() => []);
    sysroots.set(root, files.map((f) => join(root, f)).sort());
  }
  return sysroots;
}
