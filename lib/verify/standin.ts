// An offline stand-in for the nixpkgs input: a flake whose legacyPackages.<system> names the
// machine's own tools by their install prefix (PATH gets "<prefix>/bin"). rustc and cargo come
// from the real toolchain (rustc --print sysroot), never rustup's shims; a tree's LLVM from the
// machine's llvm-config of its major version.
import { mkdir, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { NixifyError } from "../errors.ts";
import { attrs, lambda, renderFile, str, type Nix } from "../render/nix.ts";
import { spawn } from "../process.ts";
import { VERSION } from "../render/render-tree.ts";
import { STEP_TOOLS } from "../render/tools.ts";
import { rustcSysroot } from "../toolchain.ts";
import { llvmPackages } from "../schema.ts";

async function output(argv: string[]): Promise<string | undefined> {
  if (!Bun.which(argv[0]!)) return undefined;
  const r = await spawn(argv);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The version line of a working rustc (`rustc -vV` names its release and host), or undefined. */
export async function rustcVersion(rustc: string): Promise<string | undefined> {
  const r = await spawn([rustc, "-vV"]).catch(() => undefined); // not executable: no process at all
  if (r?.code !== 0) return undefined;
  const [first = "", ...rest] = r.stdout.trim().split("\n");
  const ok = /^rustc \d+\.\d+\.\d+/.test(first) && rest.some((l) => /^release: \d+\.\d+\.\d+/.test(l)) && rest.some((l) => /^host: \S+/.test(l));
  return ok ? first : undefined;
}

/**
 * A --toolchain folder: a working bin/rustc and, where it stands in for
 * nixpkgs' (offline), a bin/cargo; anything else is said in one line, before a step could run it.
 */
export async function checkToolchain(dir: string, withCargo: boolean): Promise<void> {
  const hint = "pass a toolchain folder with a working bin/rustc and bin/cargo, e.g. what `rustc --print sysroot` prints";
  const cargo = join(dir, "bin", "cargo");
  if (withCargo && !(await Bun.file(cargo).exists())) throw new NixifyError("badInput", `--toolchain ${dir} has no bin/cargo`, hint);
  if (!(await rustcVersion(join(dir, "bin", "rustc"))))
    throw new NixifyError("badInput", `--toolchain ${dir}: bin/rustc is not a working rustc (rustc -vV names no release and host)`, hint);
}

/** Install prefixes of the host's tools, keyed by nixpkgs attribute path ("stdenv.cc"); `toolchain` replaces rustc and cargo. */
export async function hostToolchain(toolchain?: string): Promise<Map<string, string>> {
  const prefixes = new Map<string, string>();
  for (const { attr, program } of STEP_TOOLS) {
    const path = program && Bun.which(program);
    if (path) prefixes.set(attr.join("."), dirname(dirname(path)));
  }
  // A given toolchain was checked before anything ran (evaluate's checkToolchainOption).
  if (toolchain) {
    prefixes.set("rustc", toolchain);
    prefixes.set("cargo", toolchain);
    return withPython(prefixes);
  }
  // The first rustc on PATH that answers: a rustup proxy without its home (an empty HOME) does not.
  let sysroot: string | undefined;
  for (const dir of (process.env.PATH ?? "").split(":").filter(Boolean)) {
    if (!(await Bun.file(join(dir, "rustc")).exists())) continue;
    const found = await rustcSysroot(join(dir, "rustc"));
    if ("sysroot" in found) {
      sysroot = found.sysroot;
      break;
    }
  }
  if (!sysroot)
    throw new NixifyError(
      "badInput",
      "no rustc found on this machine for the offline toolchain",
      "install Rust, or run verify without --offline against a real nixpkgs",
    );
  prefixes.set("rustc", sysroot);
  const cargoInSysroot = await Bun.file(join(sysroot, "bin", "cargo")).exists();
  const cargo = cargoInSysroot ? sysroot : await output(["sh", "-c", 'dirname "$(dirname "$(command -v cargo)")"']);
  if (cargo) prefixes.set("cargo", cargo);
  return withPython(prefixes);
}

async function withPython(prefixes: Map<string, string>): Promise<Map<string, string>> {
  const python = await output(["python3", "-c", "import sys; print(sys.executable)"]);
  if (python) prefixes.set("python3", dirname(dirname(python)));
  return prefixes;
}

/**
 * The machine's LLVM of the tree's major version as nixpkgs' llvmPackages_<major>.llvm: `dev` holds
 * bin/llvm-config, `lib` the libdir (lib/). Debian names it llvm-config-<major>. Its compiler-rt,
 * where installed, as llvmPackages_<major>.compiler-rt, whose lib/linux holds the builtins archive
 * (Debian: <libdir>/clang/<major>/lib/linux, from libclang-rt-<major>-dev).
 */
export async function hostLlvm(version: string): Promise<Map<string, string>> {
  const major = String(Number.parseInt(version, 10));
  const missingHint = `install LLVM ${major} with its llvm-config (Debian: apt-get install llvm-${major}-dev), or run verify without --offline against a real nixpkgs`;
  for (const name of [`llvm-config-${major}`, "llvm-config"]) {
    const found = Bun.which(name);
    if (!found) continue;
    const [own, libdir] = [await output([found, "--version"]), await output([found, "--libdir"])];
    if (!own || !libdir || String(Number.parseInt(own, 10)) !== major) continue;
    if (!libdir.endsWith("/lib"))
      throw new NixifyError(
        "badInput",
        `the machine's llvm-config ${found} keeps its libraries in ${libdir}, not in a lib folder the offline stand-in can name`,
        missingHint,
      );
    const set = llvmPackages(version);
    const packages = new Map([
      [`${set}.llvm.dev`, dirname(dirname(await realpath(found)))],
      [`${set}.llvm.lib`, dirname(libdir)],
    ]);
    const compilerRt = join(libdir, "clang", major);
    if ((await stat(join(compilerRt, "lib/linux")).catch(() => undefined))?.isDirectory()) packages.set(`${set}.compiler-rt`, compilerRt);
    return packages;
  }
  throw new NixifyError(
    "badInput",
    `this tree links LLVM ${version} (the machine's when it was captured), and offline no llvm-config of LLVM ${major} is on this machine`,
    missingHint,
  );
}

/**
 * Writes the stand-in flake into `dir` for `system`; `llvmVersion`: the tree's LLVM (manifest.llvm).
 * Returns its rustc as verify's report names it: version line and folder.
 */
export async function writeStandIn(dir: string, system: string, toolchain?: string, llvmVersion?: string): Promise<string> {
  // Nested attribute paths (stdenv.cc) become nested sets.
  type Tree = { [name: string]: Tree | string };
  const tree: Tree = {};
  const llvm = llvmVersion === undefined ? [] : await hostLlvm(llvmVersion);
  const tools = await hostToolchain(toolchain);
  const rustc = tools.get("rustc")!;
  for (const [path, prefix] of [...tools, ...llvm]) {
    const names = path.split(".");
    let set = tree;
    for (const name of names.slice(0, -1)) set = (set[name] ??= {}) as Tree;
    set[names.at(-1)!] = prefix;
  }
  const toNix = (t: Tree): Nix => attrs(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, typeof v === "string" ? str(v) : toNix(v)])));
  const pkgs = toNix(tree);
  const flake = attrs({
    description: str("Offline stand-in for nixpkgs: the machine's own tools, written by nixify-rust"),
    outputs: lambda({ names: ["self"] }, attrs({ legacyPackages: attrs({ [system]: pkgs }) })),
  });
  await mkdir(dir, { recursive: true });
  await Bun.write(join(dir, "flake.nix"), renderFile(flake, VERSION));
  return `${(await rustcVersion(join(rustc, "bin", "rustc"))) ?? "rustc"} at ${rustc}`;
}
