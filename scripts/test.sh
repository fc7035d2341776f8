#!/usr/bin/env bash
# Sets up what the tests need on a fresh Debian machine, then runs them all: what scripts/setup.sh
# installs, real Rust sources (Debian's rustc 1.63, 1.85, 1.90 and 1.95 source tarballs, by
# test/support/fetch-rust-src.sh, and 1.85's stage0 tarballs, by fetch-rust-stage0.sh, cached),
# and a toolchain new enough for them.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# The fast checks first, so that a type error or a broken unit stops the run in seconds, not
# after the downloads and the slow suites.
bun run typecheck
bun run format:check
bun test test/unit
# The compiler cones (test/compiler-cone.test.ts) compile rustc_llvm's C++ against Debian's LLVM 14
# (1.63) and LLVM 22 (1.95, from Debian 12's security archive), whose compiler-rt builtins 1.95's std
# links.
if [ ! -x /usr/bin/llvm-config-14 ] || [ ! -x /usr/lib/llvm-22/bin/llvm-config ] || [ ! -d /usr/lib/llvm-22/lib/clang/22/lib/linux ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-14-dev llvm-22-dev llvm-22-tools libclang-rt-22-dev >/dev/null
fi

# The remote-builder suite (test/remote-builders.test.ts) runs Debian's sshd as its second machine.
if [ ! -x /usr/sbin/sshd ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
fi

# Real Rust sources for the slow suites, fetched up front (a failed fetch stops the run here); their
# paths reach the tests through the environment. (Assigned before export: `export X=$(...)` would
# hide a failure.)
src163=${NIXIFY_RUST_SRC_1_63:-$(bash test/support/fetch-rust-src.sh 1.63)}
src185=${NIXIFY_RUST_SRC_1_85:-$(bash test/support/fetch-rust-src.sh 1.85)}
src190=${NIXIFY_RUST_SRC_1_90:-$(bash test/support/fetch-rust-src.sh 1.90)}
src195=${NIXIFY_RUST_SRC_1_95:-$(bash test/support/fetch-rust-src.sh 1.95)}
export NIXIFY_RUST_SRC_1_63=$src163 NIXIFY_RUST_SRC_1_85=$src185 NIXIFY_RUST_SRC_1_90=$src190 NIXIFY_RUST_SRC_1_95=$src195
# 1.85's own stage0 (the official 1.84.0 tarballs its src/stage0 lists, from Debian's orig-stage0
# tarball, ~880 MB once per machine) for test/deep-stage0.test.ts.
bash test/support/fetch-rust-stage0.sh 1.85 >/dev/null

# The suites that build a bootstrap crate (1.85, 1.90) need a toolchain at least as new as the
# newest tree's stage0: the machine's where it is, else Debian's rustc-web for bookworm (downloaded
# and unpacked into a cache, nothing installed), put first on PATH for every suite.
toolchain=$(bash test/support/toolchain-for.sh 1.90)
if [ "$toolchain" != "$(rustc --print sysroot 2>/dev/null)" ]; then export PATH=$toolchain/bin:$PATH; fi
echo "test.sh: the machine's toolchain for the suites: $(rustc --version) ($toolchain)" >&2

# The disk the run has, before and after (a CI log shows its end): the slow suites hold a few GB of
# temp dirs and Nix stores at a time, and a full disk fails whatever test comes next.
diskFree() { echo "test.sh: free $1: $(df -h --output=avail "${TMPDIR:-/tmp}" | tail -1 | tr -d ' ') for temp dirs, $(df -h --output=avail "$HOME" | tail -1 | tr -d ' ') for the caches" >&2; }
diskFree "before the tests"
status=0
bun test --timeout 600000 "$@" || status=$?
diskFree "after the tests"
exit $status
