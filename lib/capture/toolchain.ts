// The toolchain the config names (build.rustc, build.cargo) as a tree needs it: its paths, which
// become placeholders that Nix fills from its inputs, and for a depth whose tree pins the compiler
// it was captured with (--depth rustc), that compiler's version line and the NAR hash of its
// sysroot: the tree names that folder as a recursive fixed-output path (render-tree.ts's toolchain).
import { NixifyError } from "../errors.ts";
import type { Placeholder } from "../placeholders.ts";
import { spawn } from "../process.ts";
import { rustcSysroot } from "../toolchain.ts";
import { configValue, type Config } from "./config-toml.ts";
import { narHash } from "./nar.ts";

export type PinnedToolchain = { version: string; hash: string };

const SYSTEM_PREFIXES = new Set(["/", "/usr", "/usr/local"]);

/** The config's toolchain paths with their placeholders, and the compiler the tree pins where `pin`. */
export async function configToolchain(config: Config | undefined, pin: boolean): Promise<{ paths: Array<[string, Placeholder]>; pinned?: PinnedToolchain }> {
  const paths: Array<[string, Placeholder]> = [];
  for (const [key, placeholder] of [
    ["rustc", "@rustc@"],
    ["cargo", "@cargo@"],
  ] as const) {
    const path = configValue(config, `build.${key}`);
    if (path) paths.push([path, placeholder]);
  }
  const rustc = configValue(config, "build.rustc");
  if (!rustc) return { paths };
  // That rustc's sysroot, which the bootstrap names too (1.90's `--sysroot` for tools the stage-0
  // compiler builds, RUSTC_SNAPSHOT_LIBDIR): a folder of its own, not a system prefix such as /usr,
  // whose other files (cc, llvm-config) keep their paths.
  const sysroot = await rustcSysroot(rustc);
  if ("sysroot" in sysroot && !SYSTEM_PREFIXES.has(sysroot.sysroot)) paths.push([sysroot.sysroot, "@sysroot@"]);
  if (!pin) return { paths };
  const version = await spawn([rustc, "--version"]);
  if ("error" in sysroot || version.code !== 0) {
    const why = "error" in sysroot ? sysroot.error : version.stderr.trim().split("\n")[0];
    throw new NixifyError("badInput", `${rustc} --print sysroot failed: ${why}`, "name a working stage0 compiler as build.rustc");
  }
  return { paths, pinned: { version: version.stdout.trim(), hash: narHash(sysroot.sysroot) } };
}
