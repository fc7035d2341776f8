// A Rust compiler of this machine as it reports itself. gen (the toolchain a tree pins and names by
// placeholders) and verify (the toolchain it adds to the store or stands in with) ask it here.
import { spawn } from "./process.ts";

/**
 * The sysroot a rustc prints (`rustc --print sysroot`), or why there is none: the first line it
 * wrote to stderr, or why it could not be started.
 */
export async function rustcSysroot(rustc: string): Promise<{ sysroot: string } | { error: string }> {
  const r = await spawn([rustc, "--print", "sysroot"]).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
  const sysroot = r.stdout.trim();
  return r.code === 0 && sysroot ? { sysroot } : { error: r.stderr.trim().split("\n")[0] ?? "" };
}
