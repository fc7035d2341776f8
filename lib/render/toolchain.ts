// The compiler a depth-rustc tree was captured with is the compiler its steps build with: the
// tree pins its folder (the stage0 sysroot) by NAR hash, as a recursive fixed-output path that
// nothing can build, only add (`verify --toolchain DIR` does). Another compiler is never
// substituted silently; swapping it means editing the pin on purpose.
import { NixifyError } from "../errors.ts";
import { narHash } from "./nar.ts";
import { spawn } from "../process.ts";
import { rustcSysroot } from "../toolchain.ts";

/** The store name of the pinned toolchain folder (`nix store add-path --name` takes it). */
export const TOOLCHAIN_NAME = "stage0-toolchain";

export type Toolchain = { version: string; hash: string };

/** The toolchain of the compiler at `rustc`: its real sysroot folder, version line and NAR hash. */
export async function pinToolchain(rustc: string): Promise<Toolchain & { dir: string }> {
  const [sysroot, version] = await Promise.all([rustcSysroot(rustc), spawn([rustc, "--version"])]);
  if ("error" in sysroot || version.code !== 0) {
    const why = "error" in sysroot ? sysroot.error : version.stderr.trim().split("\n")[0];
    throw new NixifyError("badInput", `${rustc} --print sysroot failed: ${why}`, "name a working stage0 compiler as build.rustc");
  }
  return { dir: sysroot.sysroot, version: version.stdout.trim(), hash: await narHash(sysroot.sysroot) };
}
