#!/usr/bin/env bash
# Fetches the official stage0 tarballs a Rust source tree's src/stage0 lists, as Debian ships them
# in a source package's `orig-stage0` tarball, from the Debian archive apt uses here
# (test/support/debian-mirror.sh); checks the pinned sha256 (from the package's .dsc), keeps this
# machine's tarballs (rust-std, rustc, cargo for its triple) and prints the folder that holds them
# as bootstrap.py's download cache does (DATE/NAME.tar.xz):
#
#   test/support/fetch-rust-stage0.sh 1.85   -> $cache/rust-1.85-stage0   (2025-01-09/*-1.84.0-*.tar.xz)
#
# Seeded into a build dir's cache/ (gen) or added to a store (`nix-store --add-fixed sha256 FILE`,
# verify), they stand in for the downloads. The orig-stage0 tarball (~880 MB) is downloaded once
# per machine and removed once its tarballs are out.
# Cache: ${NIXIFY_RUST_SRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/rust-src}, as the sources.
set -euo pipefail
. "$(dirname "$0")/debian-mirror.sh"

ver=${1:?usage: fetch-rust-stage0.sh 1.85}
case "$ver" in
  1.85) path='pool/main/r/rustc-web/rustc-web_1.85.0%2bdfsg3.orig-stage0.tar.xz'
        sha=03fcf88611ca49857db56ebebd8c754e946f18bdf42e1fe4e7f9a3b949d01bad ;;
  *) echo "fetch-rust-stage0: unknown version '$ver' (known: 1.85)" >&2; exit 2 ;;
esac
triple=$(uname -m)-unknown-linux-gnu
cache=${NIXIFY_RUST_SRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/rust-src}
dir=$cache/rust-$ver-stage0
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$cache"
  exec 9>"$dir.lock"
  flock 9
fi
if [ ! -f "$dir/.complete" ]; then
  tarball=$dir.orig.tar.xz
  debian_fetch "$path" "$sha" "$tarball"
  rm -rf "$dir" "$dir.part"
  mkdir "$dir.part"
  tar -xJf "$tarball" -C "$dir.part" --wildcards "*-$triple.tar.xz"
  found=$(find "$dir.part" -name '*.tar.xz' | wc -l)
  [ "$found" -eq 3 ] || { echo "fetch-rust-stage0: $tarball holds $found tarballs for $triple, not 3 (rust-std, rustc, cargo)" >&2; exit 1; }
  find "$dir.part" -type f -exec chmod a=r {} +
  touch "$dir.part/.complete"
  mv "$dir.part" "$dir"
  rm -f "$tarball"
fi
echo "$dir"
