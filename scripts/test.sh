#!/usr/bin/env bash
# Sets up what the tests need on a fresh Debian machine, then runs them all:
#   python3, nix-bin and (if there is none) a Rust toolchain from Debian, bun (npm), the project's packages, and real Rust sources
#   (Debian's rustc 1.63 and 1.85 source tarballs, by test/support/fetch-rust-src.sh, cached).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
command -v nix >/dev/null || need_apt+=(nix-bin)
command -v xz >/dev/null || need_apt+=(xz-utils)
command -v rustc >/dev/null || need_apt+=(rustc cargo)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v bun >/dev/null || npm install -g --silent bun@1.4.5
bun install --frozen-lockfile

# Real Rust sources for the slow suites, fetched up front (a failed fetch stops the run here); their
# paths reach the tests through the environment. (Assigned before export: `export X=$(...)` would
# hide a failure.)
src163=${NIXIFY_RUST_SRC_1_63:-$(bash test/support/fetch-rust-src.sh 1.63)}
src185=${NIXIFY_RUST_SRC_1_85:-$(bash test/support/fetch-rust-src.sh 1.85)}
export NIXIFY_RUST_SRC_1_63=$src163 NIXIFY_RUST_SRC_1_85=$src185

bun run typecheck
bun test --timeout 600000 "$@"
