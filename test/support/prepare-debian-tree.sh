#!/usr/bin/env bash
# Prepares a copy of Debian's orig Rust source tree the way Debian's packaging does, so that
# `cargo build --offline --manifest-path src/bootstrap/Cargo.toml` (and the other workspaces)
# resolve against vendor/ without a network. Prints the prepared tree's path as the last line.
#
#   test/support/prepare-debian-tree.sh 1.85    (rustc-web 1.85.0+dfsg3-1~deb12u3)
#   test/support/prepare-debian-tree.sh 1.63    (rustc 1.63.0+dfsg1-2)
#
# What it does, in Debian's order (dpkg-source -x, then debian/rules dh_auto_configure):
#  1. copies the orig tree ($NIXIFY_RUST_SRC_1_xx, else test/support/fetch-rust-src.sh) into a .part folder;
#  2. unpacks debian.tar.xz (and, for 1.85, the orig-extra component into extra/), downloaded from
#     the Debian archive apt uses here (debian-mirror.sh), each checked against the sha256 in the
#     .dsc, whose own sha256 is pinned below;
#  3. applies every patch of debian/patches/series in order (fuzz 0, like dpkg-source);
#  4. does what dh_auto_configure does to the sources: extra-vendor + vendored libgit2 (1.85),
#     Cargo.lock -> Cargo.lock.orig, .cargo-checksum.json pruned (debian/prune-checksums), lzma-sys
#     linked to the system liblzma; for 1.63 the .cargo/config.toml bootstrap.py would write;
#  5. regenerates the Cargo.lock files offline against vendor/ (Debian lets the build write them;
#     here they must exist up front because the tree is later used read-only, e.g. as a Nix store path);
#  6. marks it .complete, makes it read-only and renames .part to the final folder.
# Not done: the 880 MB orig-stage0 component (1.84 stage0 for 1.85) and debian/config.toml:
# callers bring their own toolchain and config.
#
# Needs: curl, xz, patch, python3 (installed with apt-get when missing), and a real cargo
# ($CARGO, else `rustc --print sysroot`/bin/cargo; never the rustup shim).
# Cache: ${NIXIFY_PREPARED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/prepared}.
set -euo pipefail

ver=${1:?usage: prepare-debian-tree.sh 1.63|1.85}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/debian-mirror.sh"
log() { echo "prepare-debian-tree: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Bump when the preparation below changes, so old cached trees are not reused.
recipe=1
case "$ver" in
  1.85) pool=pool/main/r/rustc-web
        dsc='rustc-web_1.85.0+dfsg3-1~deb12u3.dsc'
        dsc_sha=91e6eab9ea3d005f655522b613ffb8fe1a8e507128b1443894541813163f807d
        components=('rustc-web_1.85.0+dfsg3-1~deb12u3.debian.tar.xz' 'rustc-web_1.85.0+dfsg3.orig-extra.tar.xz')
        # The workspaces whose Cargo.lock Debian moves aside (keep in sync with its d/rules).
        workspaces=(. src/bootstrap library src/tools/rust-analyzer src/tools/cargo src/tools/rustbook)
        name=rustc-1.85.0-src-deb-1.85.0-dfsg3-1-deb12u3 ;;
  1.63) pool=pool/main/r/rustc
        dsc='rustc_1.63.0+dfsg1-2.dsc'
        dsc_sha=bf8819414af73093f2227658da8a77b5ae6cf04697cdc01cae8b877392b917a4
        components=('rustc_1.63.0+dfsg1-2.debian.tar.xz')
        # 1.63's d/rules only removes the root Cargo.lock (src/bootstrap is a root workspace member).
        workspaces=(.)
        name=rustc-1.63.0-src-deb-1.63.0-dfsg1-2 ;;
  *) echo "prepare-debian-tree: unknown version '$ver' (known: 1.63, 1.85)" >&2; exit 2 ;;
esac

cache=${NIXIFY_PREPARED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/prepared}
# No '~' or '+' in the folder name: Nix store path names reject '~'.
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
# The real cargo of the machine's toolchain: rustup's shim would resolve toolchains and may download.
cargo=${CARGO:-$(rustc --print sysroot)/bin/cargo}
[ -x "$cargo" ] || die "no cargo at $cargo (set CARGO)"

# --- orig tree ---------------------------------------------------------------------------------
var="NIXIFY_RUST_SRC_${ver/./_}"
orig=${!var:-}
[ -n "$orig" ] || orig=$(bash "$here/fetch-rust-src.sh" "$ver")
[ -f "$orig/x.py" ] && [ -d "$orig/vendor" ] || die "$orig is not a Rust source tree with vendor/"

# --- downloads, each checked ---------------------------------------------------------------------
dl="$cache/downloads"
mkdir -p "$dl"
# Fetches $1 (a Debian file name) into $dl unless a copy with sha256 $2 is already there.
fetch_checked() {
  local file=$1 sha=$2 mirror url
  if [ -f "$dl/$file" ] && echo "$sha  $dl/$file" | sha256sum -c --quiet - >/dev/null 2>&1; then return; fi
  mirror=$(debian_mirror)
  url="$mirror/$pool/$(printf '%s' "$file" | sed -e 's/+/%2b/g' -e 's/~/%7e/g')"
  log "downloading $url"
  curl -sSfL --retry 3 -o "$dl/$file.part" "$url"
  echo "$sha  $dl/$file.part" | sha256sum -c --quiet - || die "sha256 mismatch for $file"
  mv "$dl/$file.part" "$dl/$file"
}
fetch_checked "$dsc" "$dsc_sha"
# The sha256 of a component, from the .dsc's Checksums-Sha256 section.
dsc_sha256() {
  awk -v f="$1" '/^Checksums-Sha256:/{s=1;next} /^[^ ]/{s=0} s && $3==f {print $1}' "$dl/$dsc"
}
for c in "${components[@]}"; do
  sha=$(dsc_sha256 "$c"); [ -n "$sha" ] || die "$c is not listed in $dsc"
  fetch_checked "$c" "$sha"
done

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

# --- dpkg-source -x: debian/ and the component tarballs -------------------------------------------
t0=$SECONDS
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

# --- debian/rules: the source side of dh_auto_configure -------------------------------------------
t0=$SECONDS
cd "$part"
if [ "$ver" = 1.85 ]; then
  # extra-vendor: crates Debian adds on top of vendor/ (newer git2 for cargo).
  for c in extra/*; do
    c=${c#extra/}
    [ -e "vendor/$c" ] && mv "vendor/$c" "vendor/$c.backup"
    cp -r "extra/$c" vendor/
  done
  # libgit2 sources shipped in debian/, used by the extra libgit2-sys.
  tar -xf debian/libgit2_1.9.0+ds.orig.tar.xz
  mv libgit2-1.9.0 vendor/libgit2-sys/libgit2
  patch -p1 -t -N -F0 -s --no-backup-if-mismatch -r - -i debian/patches/vendor/use-vendored-libgit.patch >&2
fi
# Locks are regenerated against vendor/ (Debian: "allow lock changes during build").
for ws in "${workspaces[@]}"; do
  if [ -f "$ws/Cargo.lock" ]; then
    if [ "$ver" = 1.85 ]; then mv "$ws/Cargo.lock" "$ws/Cargo.lock.orig"; else rm "$ws/Cargo.lock"; fi
  fi
done
# Patched crates no longer match their file checksums: Debian empties every "files" map.
# (Debian uses -execdir, one python per crate; without --keep the cwd does not matter, so one
# batched -exec does the same in 1 s instead of ~25 s.)
find vendor -name .cargo-checksum.json -exec python3 "$part/debian/prune-checksums" "{}" +
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
for ws in "${workspaces[@]}"; do
  log "generating $ws/Cargo.lock against vendor/"
  CARGO_HOME=$cargo_home RUSTC_BOOTSTRAP=1 "$cargo" generate-lockfile --offline --manifest-path "$ws/Cargo.toml" >&2 \
    || die "cargo generate-lockfile failed for $ws"
  # 1.63's stage0 cargo (0.66) reads lock version 3 at most; a registry-only lock is the same in v3.
  if [ "$ver" = 1.63 ]; then sed -i -e '0,/^version = 4$/s//version = 3/' "$ws/Cargo.lock"; fi
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
