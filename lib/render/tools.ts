// The tools a step finds on PATH, by nixpkgs attribute path, in PATH order: the tree's steps.nix
// hands this list to builders.nix, and verify's offline stand-in for nixpkgs names the machine's
// own install of each (found by the program it provides; rustc, cargo and python3 are found by
// asking them, never through rustup's or pyenv's shims).
export type StepTool = { attr: readonly string[]; program?: string };

export const STEP_TOOLS: readonly StepTool[] = [
  { attr: ["coreutils"], program: "cp" },
  { attr: ["bash"], program: "bash" },
  { attr: ["gnutar"], program: "tar" },
  { attr: ["xz"], program: "xz" },
  { attr: ["gzip"], program: "gzip" },
  { attr: ["gnused"], program: "sed" },
  { attr: ["gnugrep"], program: "grep" },
  { attr: ["findutils"], program: "find" },
  { attr: ["diffutils"], program: "diff" },
  { attr: ["gawk"], program: "awk" },
  { attr: ["gnumake"], program: "make" },
  { attr: ["python3"] },
  { attr: ["cmake"], program: "cmake" },
  { attr: ["pkg-config"], program: "pkg-config" },
  { attr: ["rustc"] },
  { attr: ["cargo"] },
  { attr: ["stdenv", "cc"], program: "cc" },
];
