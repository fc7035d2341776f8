#!/usr/bin/env bash
# Prints a toolchain folder (bin/rustc, bin/cargo; the sysroot of its rustc) at least as new as the
# stage0 compiler a Rust source tree pins, so that it can build the tree's bootstrap crate and read
# its manifests: the machine's toolchain (`rustc` on PATH, by its real sysroot, never rustup's shims)
# where it is new enough, else Debian's rustc-web for bookworm (test/support/debian-stage0.sh web).
#
#   test/support/toolchain-for.sh 1.90          (a version fetch-rust-src.sh knows, or $NIXIFY_RUST_SRC_1_xx)
#   test/support/toolchain-for.sh PATH/TO/TREE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arg=${1:?usage: toolchain-for.sh VERSION|TREE}
log() { echo "toolchain-for: $*" >&2; }

if [ -d "$arg" ]; then
  tree=$arg
else
  var="NIXIFY_RUST_SRC_${arg/./_}"
  tree=${!var:-}
  [ -n "$tree" ] || tree=$(bash "$here/fetch-rust-src.sh" "$arg")
fi
# The pinned stage0: src/stage0 (compiler_version=1.89.0) or src/stage0.json ("compiler": {"version": ...}).
if [ -f "$tree/src/stage0" ]; then
  need=$(awk -F= '$1 == "compiler_version" { print $2 }' "$tree/src/stage0")
else
  need=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["compiler"]["version"])' "$tree/src/stage0.json")
fi
[ -n "$need" ] || { log "no stage0 compiler version in $tree/src/stage0(.json)"; exit 1; }

# True if version $1 (x.y.z) is at least $2.
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
version_of() { "$1" -V 2>/dev/null | awk '{ print $2 }'; }

# The machine's toolchain: rustc on PATH, or a rustup proxy whose home is not under $HOME (an
# empty HOME): rustup's home in the user's own home.
machine_sysroot() {
  rustc --print sysroot 2>/dev/null && return
  local home
  home=$(getent passwd "$(id -u)" | cut -d: -f6)
  [ -n "$home" ] && [ -d "$home/.rustup" ] || return 1
  RUSTUP_HOME=${RUSTUP_HOME:-$home/.rustup} CARGO_HOME=${CARGO_HOME:-$home/.cargo} rustc --print sysroot 2>/dev/null
}
if sysroot=$(machine_sysroot) && [ -x "$sysroot/bin/cargo" ]; then
  have=$(version_of "$sysroot/bin/rustc")
  if at_least "${have:-0}" "$need" && at_least "$(version_of "$sysroot/bin/cargo")" "$need"; then
    echo "$sysroot"
    exit 0
  fi
  log "the machine's rustc ${have:-?} is older than the stage0 $need of $tree: using Debian's rustc-web"
fi
web=$(bash "$here/debian-stage0.sh" web)
at_least "$(version_of "$web/bin/rustc")" "$need" || { log "Debian's rustc-web ($(version_of "$web/bin/rustc")) is older than $need too"; exit 1; }
"$web/bin/rustc" --print sysroot
