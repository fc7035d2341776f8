#!/usr/bin/env bash
# Makes a Rust toolchain folder from Debian's own binary packages for bookworm, fetched with
# `apt-get download` (apt checks them against the signed archive) and unpacked into a cache folder:
# nothing is installed system-wide. Prints the toolchain folder as the last line; it has bin/rustc
# and bin/cargo, and `bin/rustc --print sysroot` is the folder's usr/.
#
#   test/support/debian-stage0.sh 1.63   bookworm's rustc 1.63 and cargo 0.66: the stage0 of the 1.63 sources
#   test/support/debian-stage0.sh web    bookworm-security's rustc-web and cargo-web (1.96 when written),
#                                        Debian's newest toolchain for Debian 12: the machine's toolchain on
#                                        a machine without a new enough one (scripts/test.sh)
#
# The web packages move with security updates (the archive keeps only the current one), so that
# entry takes apt's candidate version, and the cache folder is named by it.
set -euo pipefail

which=${1:?usage: debian-stage0.sh 1.63|web}
log() { echo "debian-stage0: $*" >&2; }
case "$which" in
  1.63) packages=(rustc=1.63.0+dfsg1-2 libstd-rust-1.63=1.63.0+dfsg1-2 libstd-rust-dev=1.63.0+dfsg1-2
                  cargo=0.66.0+ds1-1 libgit2-1.5 libmbedtls14 libmbedx509-1 libmbedcrypto7
                  libhttp-parser2.9 libllvm14 patchelf)
        name=rustc-1.63.0-cargo-0.66.0-bookworm-r2 ;;
  web) v=$(apt-cache policy rustc-web 2>/dev/null | awk '/Candidate:/ { print $2 }')
       if [ -z "$v" ] || [ "$v" = "(none)" ]; then
         apt-get update -qq >&2
         v=$(apt-cache policy rustc-web | awk '/Candidate:/ { print $2 }')
       fi
       [ -n "$v" ] && [ "$v" != "(none)" ] || { log "apt knows no rustc-web package (bookworm-security in apt's sources?)"; exit 1; }
       mm=$(echo "$v" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
       # The compiler's LLVM is its own package (libllvmNN), named in the standard library's dependencies.
       llvm=$(apt-cache depends "libstd-rust-web-$mm=$v" | awk '$1 == "Depends:" && $2 ~ /^libllvm/ { print $2; exit }')
       packages=(rustc-web="$v" cargo-web="$v" libstd-rust-web-dev="$v" "libstd-rust-web-$mm=$v" ${llvm:+"$llvm"} patchelf)
       name=rustc-web-$(echo "$v" | tr '+~' '--') ;;
  *) echo "debian-stage0: unknown toolchain '$which' (known: 1.63, web)" >&2; exit 2 ;;
esac

cache=${NIXIFY_STAGE0_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixify-rust/stage0}
dest="$cache/$name"
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/.$name.lock"
flock 9
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi

part="$dest.part"
rm -rf "$part"
mkdir -p "$part/debs" "$part/bin"
log "downloading ${packages[*]}"
# apt drops privileges to _apt for downloads; the folder must let it write.
chmod 777 "$part/debs"
(cd "$part/debs" && apt-get download -q "${packages[@]}" >&2) || {
  apt-get update -qq >&2
  (cd "$part/debs" && apt-get download -q "${packages[@]}" >&2)
}
for deb in "$part"/debs/*.deb; do dpkg-deb -x "$deb" "$part"; done
rm -rf "$part/debs"

# Debian's binaries find their libraries in /usr/lib; here they are told to look next to themselves
# (RUNPATH with $ORIGIN), so they work from any folder and for every child process, without
# LD_LIBRARY_PATH. bin/ is usr/bin: `rustc --print sysroot` is then the unpacked usr/.
patchelf=$part/usr/bin/patchelf
for so in "$part"/usr/lib/x86_64-linux-gnu/*.so*; do
  [ -L "$so" ] || "$patchelf" --set-rpath '$ORIGIN' "$so"
done
for tool in rustc rustdoc cargo; do
  "$patchelf" --set-rpath '$ORIGIN/../lib/x86_64-linux-gnu' "$part/usr/bin/$tool"
done
# What the packages leave to the system (libgit2, libcurl for cargo; libxml2, libz3 for LLVM) must be
# installed: Debian's own rustc and cargo packages need the same (scripts/setup.sh installs them where
# no rustc answers). Said in one line rather than found as a loader error later.
missing=$(for f in "$part"/usr/bin/{rustc,cargo} "$part"/usr/lib/x86_64-linux-gnu/*.so*; do ldd "$f" 2>/dev/null; done |
  awk '/not found/ { print $1 }' | sort -u | tr '\n' ' ')
[ -z "$missing" ] || { log "error: libraries the system lacks: $missing(apt-get install cargo rustc brings them)"; exit 1; }
rmdir "$part/bin"
ln -s usr/bin "$part/bin"
touch "$part/.complete"
rm -rf "$dest"
mv "$part" "$dest"
"$dest/bin/rustc" -V >&2
"$dest/bin/cargo" -V >&2
echo "$dest"
