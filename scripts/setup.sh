#!/usr/bin/env bash
# Installs what nixify-rust needs on a fresh Debian machine, where it is missing: python3 (x.py),
# nix-bin (verify), xz-utils, a Rust toolchain from Debian (the offline stand-in for nixpkgs'
# rustc), bun from npm, and the project's packages. Run by the README's first command and by
# scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
command -v nix >/dev/null || need_apt+=(nix-bin)
command -v xz >/dev/null || need_apt+=(xz-utils)
# A rustc that answers (a rustup proxy without its home does not).
rustc --version >/dev/null 2>&1 || [ -x /usr/bin/rustc ] || need_apt+=(rustc cargo)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v bun >/dev/null || npm install -g --silent bun@1.4.5
bun install --frozen-lockfile
