#!/usr/bin/env bash
# Prepares a copy of Debian's orig Rust source tree the way Debian's packaging does, so that
# `cargo build --offline --manifest-path src/bootstrap/Cargo.toml` (and the other workspaces)
# resolve against vendor/ without a network. Prints the prepared tree's path as the last line.
#
#   test/support/prepare-debian-tree.sh VERSION     (a version of the table below: 1.63, 1.85, 1.90, 1.95)
#
# What it does, in Debian's order (dpkg-source -x, then debian/rules dh_auto_configure):
#  1. copies the orig tree ($NIXIFY_RUST_SRC_1_xx, else test/support/fetch-rust-src.sh) into a .part folder;
#  2. unpacks the packaging the .dsc lists (debian.tar.xz, then each orig-NAME component into NAME/;
#     not the 880 MB orig-stage0), downloaded from the Debian archive apt uses here
#     (debian-mirror.sh), each checked against the sha256 in the .dsc, whose own sha256 is pinned below;
#  3. applies every patch of debian/patches/series in order (fuzz 0, like dpkg-source);
#  4. does what dh_auto_configure does to the sources: extra-vendor and the vendored libgit2 (where
#     the packaging has them), old Cargo.lock files moved aside or removed, .cargo-checksum.json
#     pruned (debian/prune-checksums), lzma-sys linked to the system liblzma; the .cargo/config.toml
#     bootstrap.py would write where the orig tree has none (1.63);
#  5. regenerates the Cargo.lock files offline against vendor/ (Debian lets the build write them;
#     here they must exist up front because the tree is later used read-only, e.g. as a Nix store path);
#  6. marks it .complete, makes it read-only and renames .part to the final folder.
# Not done: debian/config.toml: callers bring their own toolchain and config.
#
# A version whose packaging the archive does not serve (packaging "none" below) is prepared without
# it, standing in for what Debian's patches do to the repacked tree (step 3):
#  - workspace members the repack removed (miri, remote-test-*) leave the root Cargo.toml;
#  - paths the bootstrap's step list names that the repack removed (src/llvm-project, miri, ...) get
#    an empty folder (the bootstrap asserts they exist; Debian deletes those steps instead);
#  - an empty .gitmodules (the bootstrap reads it; Debian patches that out);
#  - crates the repack dropped from vendor/ (Windows- and macOS-only) get empty stand-ins while the
#    locks are regenerated (lock-offline.py --stub; Debian removes those dependencies instead).
# Such a tree builds the bootstrap, plans a full build (x.py --dry-run) and builds the tools the
# stage-0 compiler builds; it is not Debian's tree, and its folder name says so (-nopkg).
#
# Needs: curl, xz, patch, python3 (installed with apt-get when missing), and a real cargo that reads
# the tree's manifests ($CARGO, else the one test/support/toolchain-for.sh picks: the machine's
# where it is as new as the tree's stage0, else Debian's rustc-web).
# Cache: ${NIXIFY_PREPARED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/prepared}.
set -euo pipefail

ver=${1:?usage: prepare-debian-tree.sh VERSION (see the table in the script)}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/debian-mirror.sh"
log() { echo "prepare-debian-tree: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Bump when the preparation below changes, so old cached trees are not reused.
recipe=1

# The one table of what is known per version:
#   packaging  debian: Debian's own (the .dsc, sha256-pinned); debtar: Debian's own debian.tar.xz,
#              sha256-pinned, where the archive serves it but not its .dsc; none: the archive serves
#              neither
#   pool       the archive folder of the .dsc and its files
#   dsc        the .dsc (debtar: the debian.tar.xz), and its sha256
#   old-lock   what Debian's rules do with the Cargo.lock files it regenerates: orig (moved to
#              Cargo.lock.orig) or rm
#   workspaces the workspaces whose Cargo.lock is regenerated (keep in sync with Debian's d/rules)
#   lock       the newest Cargo.lock format the tree's stage0 cargo reads (1.63's cargo 0.66: 3)
# 1.90: rustc_1.90.0+dfsg1-1.dsc (sha256 below) is not served by the archive (404 on the .dsc, its
# debian.tar.xz and orig-extra; the orig tarball is served), so 1.90 is prepared without it.
# 1.95: the archive serves the orig tarball and rustc_1.95.0+dfsg1-2.debian.tar.xz but not the .dsc
# (and there is no orig-extra); the debian.tar.xz's sha256 was pinned from its first download.
versions() {
  cat <<'EOF'
#ver  packaging  pool                   dsc                                   dsc-sha256                                                        old-lock  workspaces                                                                  lock
1.63  debian     pool/main/r/rustc      rustc_1.63.0+dfsg1-2.dsc              bf8819414af73093f2227658da8a77b5ae6cf04697cdc01cae8b877392b917a4  rm        .                                                                           3
1.85  debian     pool/main/r/rustc-web  rustc-web_1.85.0+dfsg3-1~deb12u3.dsc  91e6eab9ea3d005f655522b613ffb8fe1a8e507128b1443894541813163f807d  orig      .,src/bootstrap,library,src/tools/rust-analyzer,src/tools/cargo,src/tools/rustbook  4
1.90  none       pool/main/r/rustc      rustc_1.90.0+dfsg1-1.dsc              b56a7ca078b3e227143a3e22e3c49c6c0a7b122ada25aec85b8557d108720d65  orig      .,src/bootstrap,library                                                     4
1.95  debtar     pool/main/r/rustc      rustc_1.95.0+dfsg1-2.debian.tar.xz    f0408cafd8942c9f1762d5ca10750d70996f678b616a4e4b6ed3e3e299a071b6  orig      .,src/bootstrap,library,src/tools/clippy/clippy_test_deps,src/tools/rust-analyzer,src/tools/cargo,src/tools/rustbook  4
EOF
}
row=$(versions | awk -v v="$ver" '$1 == v')
[ -n "$row" ] || { echo "prepare-debian-tree: unknown version '$ver' (known: $(versions | awk '!/^#/ { printf "%s%s", s, $1; s = ", " }'))" >&2; exit 2; }
read -r _ packaging pool dsc dsc_sha old_lock workspaces lock <<<"$row"
IFS=, read -r -a workspaces <<<"$workspaces"
# No '~' or '+' in the folder name: Nix store path names reject '~'.
if [ "$packaging" != none ]; then
  name=rustc-$ver.0-src-deb-$(basename "${dsc%.debian.tar.xz}" .dsc | sed -e 's/^[^_]*_//' | tr '+~' '--')
else
  name=rustc-$ver.0-src-nopkg
fi

cache=${NIXIFY_PREPARED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/prepared}
dest="$cache/$name-prep$recipe"
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi
# Test files may run in parallel: one preparation at a time, the others then reuse it.
mkdir -p "$cache"
exec 9>"$cache/.$name.lock"
flock 9
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi

# --- tools -------------------------------------------------------------------------------------
need_apt=()
command -v curl >/dev/null || need_apt+=(curl ca-certificates)
command -v xz >/dev/null || need_apt+=(xz-utils)
command -v patch >/dev/null || need_apt+=(patch)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi

# --- orig tree ---------------------------------------------------------------------------------
var="NIXIFY_RUST_SRC_${ver/./_}"
orig=${!var:-}
[ -n "$orig" ] || orig=$(bash "$here/fetch-rust-src.sh" "$ver")
[ -f "$orig/x.py" ] && [ -d "$orig/vendor" ] || die "$orig is not a Rust source tree with vendor/"
# A real cargo (rustup's shim would resolve toolchains and may download) that reads the tree's
# manifests: the machine's where it is as new as the tree's stage0, else Debian's rustc-web.
cargo=${CARGO:-$(bash "$here/toolchain-for.sh" "$orig")/bin/cargo}
[ -x "$cargo" ] || die "no cargo at $cargo (set CARGO)"

# --- downloads, each checked ---------------------------------------------------------------------
dl="$cache/downloads"
mkdir -p "$dl"
# Fetches $1 (a Debian file name) into $dl unless a copy with sha256 $2 is already there.
fetch_checked() {
  debian_fetch "$pool/$(printf '%s' "$1" | sed -e 's/+/%2b/g' -e 's/~/%7e/g')" "$2" "$dl/$1" || die "could not fetch $1"
}
components=()
if [ "$packaging" = debian ]; then
  fetch_checked "$dsc" "$dsc_sha"
  # The packaging the .dsc lists, with its sha256: debian.tar.xz first, then the orig components
  # (not the orig tarball, which is the tree, nor the toolchain in orig-stage0).
  dsc_files() { awk '/^Checksums-Sha256:/{s=1;next} /^[^ ]/{s=0} s { print $1, $3 }' "$dl/$dsc"; }
  while read -r sha file; do
    components+=("$file")
    fetch_checked "$file" "$sha"
  done < <(dsc_files | awk '$2 ~ /\.debian\.tar\.xz$/'; dsc_files | awk '$2 ~ /\.orig-[^.]+\.tar\.xz$/ && $2 !~ /\.orig-stage0\./')
  [[ ${components[0]:-} == *.debian.tar.xz ]] || die "$dsc lists no debian.tar.xz"
elif [ "$packaging" = debtar ]; then
  fetch_checked "$dsc" "$dsc_sha"
  components=("$dsc")
fi

# --- copy ---------------------------------------------------------------------------------------
part="$dest.part"
rm -rf "$part"
mkdir -p "$part"
t0=$SECONDS
log "copying $orig (a real copy: patches and sed must never reach the read-only orig tree)"
cp -a "$orig/." "$part/"
rm -f "$part/.complete"     # fetch-rust-src's marker; ours is written at the end
chmod -R u+w "$part"        # the orig tree is chmod a-w
log "copied in $((SECONDS - t0)) s"
cd "$part"

# --- dpkg-source -x: debian/ and the component tarballs, then the patches --------------------------
t0=$SECONDS
if [ "$packaging" != none ]; then
  tar -xJf "$dl/${components[0]}" -C "$part"
  for c in "${components[@]:1}"; do
    # A component foo.orig-NAME.tar.xz lands in NAME/, its single top folder stripped (dpkg-source).
    comp=${c##*.orig-}; comp=${comp%.tar.xz}
    mkdir -p "$part/$comp"
    tar -xJf "$dl/$c" -C "$part/$comp" --strip-components=1
  done

  # Applies series in order with dpkg-source's options (fuzz 0, no backups).
  # No patch is skipped: all of them apply to these orig trees.
  n=0
  while read -r p _; do
    n=$((n + 1))
    patch -d "$part" -p1 -t -N -F0 -E -s --no-backup-if-mismatch -r - -i "debian/patches/$p" >&2 \
      || die "patch $p does not apply"
  done < <(sed -e 's/#.*//' "$part/debian/patches/series" | grep -v '^[[:space:]]*$')
  log "applied $n patches in $((SECONDS - t0)) s"
else
  # Stand-ins for what Debian's patches do to the repacked tree (see the top of this script).
  python3 - <<'EOF'
import glob, os, re
# Root workspace members whose folder the repack removed.
text = open("Cargo.toml").read()
members = re.search(r"(?ms)^members = \[(.*?)^\]", text)
gone = [m for m in re.findall(r'"([^"]+)"', members.group(1)) if not glob.glob(os.path.join(m, "Cargo.toml"))]
for m in gone:
    text = re.sub(r'(?m)^\s*"%s",?\s*\n' % re.escape(m), "", text)
open("Cargo.toml", "w").write(text)
# Paths the bootstrap's steps name (run.path("..."), .paths(&[...]), a tool's path in its macro row).
named = set()
for rs in glob.glob("src/bootstrap/src/core/build_steps/*.rs") + glob.glob("src/bootstrap/src/core/builder/*.rs"):
    if rs.endswith("tests.rs"):
        continue
    src = open(rs).read()
    named.update(re.findall(r'\.(?:path|suite_path|alias_or_path)\("([^"]+)"\)', src))
    named.update(re.findall(r'(?m)^\s*[A-Z][A-Za-z0-9]*,\s*"([^"]+/[^"]+)"', src))
    for group in re.findall(r"\.paths\(&\[([^\]]*)\]", src):
        named.update(re.findall(r'"([^"]+)"', group))
made = sorted(p for p in named if not os.path.exists(p))
for p in made:
    os.makedirs(p)
open(".gitmodules", "a").close()
print("prepare-debian-tree: without packaging: dropped workspace members %s; empty folders for %s; an empty .gitmodules"
      % (", ".join(gone) or "(none)", ", ".join(made) or "(none)"), file=__import__("sys").stderr)
EOF
fi

# --- debian/rules: the source side of dh_auto_configure -------------------------------------------
t0=$SECONDS
if [ -d extra ]; then
  # extra-vendor: crates Debian adds on top of vendor/ (newer git2 for cargo).
  for c in extra/*; do
    c=${c#extra/}
    [ -e "vendor/$c" ] && mv "vendor/$c" "vendor/$c.backup"
    cp -r "extra/$c" vendor/
  done
fi
for lib in debian/libgit2_*.orig.tar.xz; do
  [ -f "$lib" ] || continue
  # libgit2 sources shipped in debian/, used by the extra libgit2-sys.
  libver=${lib#debian/libgit2_}; libver=${libver%%+*}; libver=${libver%.orig.tar.xz}
  tar -xf "$lib"
  mv "libgit2-$libver" vendor/libgit2-sys/libgit2
  patch -p1 -t -N -F0 -s --no-backup-if-mismatch -r - -i debian/patches/vendor/use-vendored-libgit.patch >&2
done
# Locks are regenerated against vendor/ (Debian: "allow lock changes during build").
for ws in "${workspaces[@]}"; do
  if [ -f "$ws/Cargo.lock" ]; then
    if [ "$old_lock" = orig ]; then mv "$ws/Cargo.lock" "$ws/Cargo.lock.orig"; else rm "$ws/Cargo.lock"; fi
  fi
done
# Patched crates no longer match their file checksums, and the repack removed files: Debian empties
# every "files" map. (Debian uses -execdir, one python per crate; without --keep the cwd does not
# matter, so one batched -exec does the same in 1 s instead of ~25 s.)
prune=(python3 "$part/debian/prune-checksums")
[ -f debian/prune-checksums ] || prune=(python3 -c '
import json, sys
for f in sys.argv[1:]:
    sums = json.load(open(f))
    sums["files"] = dict()
    json.dump(sums, open(f, "w"), separators=(",", ":"))')
find vendor -name .cargo-checksum.json -exec "${prune[@]}" "{}" +
# Link against the system liblzma instead of building the bundled C sources.
for c in vendor/lzma-sys*; do
  echo 'fn main() { println!("cargo:rustc-link-lib=lzma"); }' > "$c/build.rs"
done
log "did debian/rules' source preparation in $((SECONDS - t0)) s"

# 1.63's orig tree has no .cargo/config: in Debian's build bootstrap.py writes one (vendor = true)
# into its cwd, the tree root. Write the same replacement up front (as 1.85's tree ships it), so
# that cargo run from the root resolves against vendor/ without bootstrap.py. (1.63's bootstrap.py
# deletes ./.cargo when build.vendor is unset: do not run x.py with this tree as the cwd.)
if [ ! -e .cargo ]; then
  mkdir .cargo
  printf '%s\n' '[source.crates-io]' 'replace-with = "vendored-sources"' '' \
    '[source.vendored-sources]' 'directory = "vendor"' > .cargo/config.toml
fi

# --- Cargo.lock, regenerated offline --------------------------------------------------------------
t0=$SECONDS
cargo_home=$(mktemp -d /tmp/prepare-debian-tree-cargo.XXXXXX)
trap 'rm -rf "$cargo_home"' EXIT
log "generating the Cargo.lock of ${workspaces[*]} against vendor/ with $("$cargo" -V)"
stub=(); [ "$packaging" != none ] || stub=(--stub)
CARGO_HOME=$cargo_home python3 "$here/lock-offline.py" "${stub[@]}" "$cargo" "${workspaces[@]}" \
  || die "the locks do not resolve offline (a cargo older than the tree's manifests? set CARGO to a newer one)"
# An older stage0 cargo reads an older lock format; a registry-only lock is the same in it.
for ws in "${workspaces[@]}"; do
  if [ "$lock" -lt 4 ]; then sed -i -e "0,/^version = 4\$/s//version = $lock/" "$ws/Cargo.lock"; fi
done
log "generated ${#workspaces[@]} lock file(s) in $((SECONDS - t0)) s"

# --- done ----------------------------------------------------------------------------------------
cd /
touch "$part/.complete"
chmod -R a-w "$part"          # like the orig cache: tests must not write into it
rm -rf "$dest"
mv "$part" "$dest"
log "prepared $dest"
echo "$dest"
