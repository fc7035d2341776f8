#!/usr/bin/env bash
# Fetches Debian's orig tarball of the Rust sources (with vendor/) from the Debian archive apt uses
# here (test/support/debian-mirror.sh), checks its pinned sha256, unpacks it into a cache, makes the
# tree read-only and prints its path:
#
#   test/support/fetch-rust-src.sh 1.63|1.85|1.90|1.95   -> $cache/rustc-1.xx.0-src
#
# Cache: ${NIXIFY_RUST_SRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/rust-src}, the tarball
# next to its tree; a tree is reused once it has .complete. Concurrent runs wait for each other.
# Root ignores permission bits: a test proving the tree untouched compares listings, not modes.
set -euo pipefail
. "$(dirname "$0")/debian-mirror.sh"

ver=${1:?usage: fetch-rust-src.sh 1.63|1.85|1.90|1.95}
case "$ver" in
  1.63) path='pool/main/r/rustc/rustc_1.63.0%2bdfsg1.orig.tar.xz'
        sha=ad79e62b57ab06516595da2513369b0285b6e2bde1331c00a4197f492f7fad3d ;;
  1.85) path='pool/main/r/rustc-web/rustc-web_1.85.0%2bdfsg3.orig.tar.xz'
        sha=8cfaf52ab168a12c3082b5956bcc16c8969d8791b2fe54ed5192672b25518af2 ;;
  1.90) path='pool/main/r/rustc/rustc_1.90.0%2bdfsg1.orig.tar.xz'
        sha=d5d80189731fcbbf06155dd0dd29e7df99fd742f38c5034cbf370ee58ee3a80c ;;
  # Its .dsc is not served: the sha256 was pinned from the first download (88 MB).
  1.95) path='pool/main/r/rustc/rustc_1.95.0%2bdfsg1.orig.tar.xz'
        sha=fee0a232c32b6f919b2166efc441a7c37884905bdcc2170163579eeed5feee6b ;;
  *) echo "fetch-rust-src: unknown version '$ver' (known: 1.63, 1.85, 1.90, 1.95)" >&2; exit 2 ;;
esac
cache=${NIXIFY_RUST_SRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/rust-src}
dir=$cache/rustc-$ver.0-src
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$cache"
  exec 9>"$dir.lock"
  flock 9
fi
if [ ! -f "$dir/.complete" ]; then
  tarball=$dir.tar.xz
  debian_fetch "$path" "$sha" "$tarball"
  for d in "$dir" "$dir.part"; do [ ! -e "$d" ] || { chmod -R u+w "$d"; rm -rf "$d"; }; done
  mkdir "$dir.part"
  tar -xJf "$tarball" -C "$dir.part" --strip-components=1
  touch "$dir.part/.complete"
  chmod -R a-w "$dir.part"
  mv "$dir.part" "$dir"
fi
echo "$dir"
