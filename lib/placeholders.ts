// Absolute paths of this run (temp copy, source root, build dir, home) become placeholders that
// the generated Nix maps back, so the same checkout gives the same bytes from any temp dir. One
// table below the stages: capture names the machine's paths by it, steps and render use it.

import { normalize } from "node:path";

export const PLACEHOLDERS = {
  "@src@": "the source tree (the checkout, with the files gen supplies)",
  "@build@": "the build dir, inside the step's output",
  "@work@": "the folder x.py runs in; the build dir is @work@/build",
  "@home@": "a private HOME for the step",
  "@tmp@": "the step's temp folder",
  "@rustc@": "the rustc of the Nix toolchain (where the config named a local one)",
  "@cargo@": "the cargo of the Nix toolchain (where the config named a local one)",
  "@sysroot@": "the sysroot of that rustc: the pinned toolchain (--depth rustc), else the Nix rustc's prefix",
  "@llvm-config@": "the llvm-config of nixpkgs' LLVM of the major version the build used (where it used the machine's)",
  "@llvm-libdir@": "the library folder of that LLVM",
  "@libstdcxx-dir@": "the folder of the step's C++ compiler's static libstdc++ (as the bootstrap finds it: c++ -print-file-name=libstdc++.a)",
  "@compiler-rt-dir@":
    "the folder of the compiler-rt builtins archive of nixpkgs' LLVM of that major version (build.optimized-compiler-builtins, where it named the machine's)",
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;

/**
 * What each placeholder becomes inside a step's build: a bash expression of run-step.sh's
 * variables. The step scripts' substitutions are written from this table (render-tree.ts), so a
 * placeholder cannot be recorded without the scripts knowing it. make-source.sh, which fills in
 * the files gen supplied (a config naming the toolchain), knows only the toolchain's.
 */
export const IN_STEP: { [P in Placeholder]: string } = {
  "@src@": "$stepSource",
  "@build@": "$out/build",
  "@work@": "$out",
  "@home@": "$home",
  "@tmp@": "$tmp",
  "@rustc@": "$toolRustc",
  "@cargo@": "$toolCargo",
  "@sysroot@": "$toolSysroot",
  "@llvm-config@": "$toolLlvmConfig",
  "@llvm-libdir@": "$toolLlvmLibdir",
  "@libstdcxx-dir@": "$toolLibstdcxxDir",
  "@compiler-rt-dir@": "$toolCompilerRtDir",
};
export const IN_SOURCE: Placeholder[] = ["@rustc@", "@cargo@", "@sysroot@", "@llvm-config@", "@llvm-libdir@", "@compiler-rt-dir@"];

/** bash lines that replace `placeholders` in the variable `var` by their values in a step (quoted: literal). */
export function substitutions(var_: string, placeholders: Placeholder[]): string {
  return placeholders.map((p) => `${var_}=\${${var_}//${p}/"${IN_STEP[p]}"}`).join("\n");
}

/** Replaces each path (longest first, so nested ones win) by its placeholder. */
export function makeSymbolizer(paths: Array<[string, Placeholder]>): (text: string) => string {
  const ordered = paths.filter(([path]) => path.length > 1).sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [path, placeholder] of ordered) out = out.split(path).join(placeholder);
    // Temp file names chosen at random (curl's download target) would break determinism.
    return out.replace(/@tmp@\/tmp[A-Za-z0-9_]+/g, "@tmp@/download");
  };
}

/**
 * The checkout-relative paths that texts name as `@src@/...` (each piece between `=`, `:`, `,` and
 * spaces, normalized), sorted; only what lies inside the checkout.
 */
export function checkoutPaths(texts: string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    for (const piece of text.split(/[=:,\s]/)) {
      if (piece.startsWith("@src@/")) found.add(normalize(piece.slice("@src@/".length)).replace(/\/+$/, ""));
    }
  }
  return [...found].filter((p) => p !== "." && p !== ".." && !p.startsWith("../")).sort();
}
