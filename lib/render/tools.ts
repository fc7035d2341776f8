// The tools a step finds on PATH, by nixpkgs attribute path, in PATH order: the tree's steps.nix
// hands this list to builders.nix, and verify's offline stand-in for nixpkgs names the machine's
// own install of each (found by the program it provides; rustc, cargo and python3 are found by
// asking them, never through rustup's or pyenv's shims). rustc and cargo come first: offline,
// coreutils' folder is often /usr/bin, which may hold another rustc (Debian's rustc-web), and a
// step that calls `rustc` by name must run the one verify's report names.
export type StepTool = { attr: readonly string[]; program?: string };

export const STEP_TOOLS: readonly StepTool[] = [
  { attr: ["rustc"] },
  { attr: ["cargo"] },
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
  { attr: ["stdenv", "cc"], program: "cc" },
];
