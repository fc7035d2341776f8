// The machine's LLVM and C++ runtime a real build used: the bootstrap hands the compiler crates
// LLVM_CONFIG (the config's llvm-config) and LLVM_STATIC_STDCPP (what `c++ -print-file-name=
// libstdc++.a` printed), and rustc_llvm's build script turns them into link paths; the std's
// compiler_builtins is handed LLVM_COMPILER_RT_LIB (the config's build.optimized-compiler-builtins,
// an archive of that LLVM's compiler-rt). In a tree they become placeholders: LLVM and compiler-rt
// of the same major version from the tree's nixpkgs, and the static libstdc++ of the step's own C++
// compiler, found as the bootstrap finds it.
import { dirname } from "node:path";
import { NixifyError } from "../errors.ts";
import { spawn } from "../process.ts";
import type { Placeholder } from "../placeholders.ts";

export type MachineLibraries = {
  /** `llvm-config --version` of the machine's LLVM the build used, e.g. 14.0.6. */
  llvmVersion?: string;
  /** Machine paths of the capture -> the placeholder each becomes (the symbolizer adds where they really are). */
  paths: Array<[string, Placeholder]>;
};

type Env = { [name: string]: string };

/**
 * The LLVM the records' calls were handed, where it is the machine's (`own` holds the capture's
 * own folders: an LLVM the bootstrap built itself is a step output already), and the folder of
 * the static libstdc++ they link.
 */
export async function machineLibraries(envs: Env[], own: (path: string) => boolean): Promise<MachineLibraries> {
  const first = (name: string) => envs.map((e) => e[name]).find((v) => v !== undefined && v.startsWith("/") && !own(v));
  const paths: Array<[string, Placeholder]> = [];
  const stdcpp = first("LLVM_STATIC_STDCPP");
  if (stdcpp) paths.push([dirname(stdcpp), "@libstdcxx-dir@"]);
  // Inside the LLVM's libdir on Debian (lib/clang/<major>/lib/linux): the longer path wins.
  const builtins = first("LLVM_COMPILER_RT_LIB");
  if (builtins) paths.push([dirname(builtins), "@compiler-rt-dir@"]);
  const config = first("LLVM_CONFIG");
  if (!config) return { paths };
  const ask = async (flag: string) => {
    const r = await spawn([config, flag]).catch(() => undefined);
    if (!r || r.code !== 0)
      throw new NixifyError(
        "badInput",
        `the build's llvm-config ${config} does not answer ${flag}`,
        "name a working llvm-config in the config ([target.<triple>] llvm-config)",
      );
    return r.stdout.trim();
  };
  const [version, libdir] = [await ask("--version"), await ask("--libdir")];
  paths.push([config, "@llvm-config@"], [libdir, "@llvm-libdir@"]);
  return { llvmVersion: version, paths };
}
