#!/usr/bin/env bash
# Makes a stage0 toolchain for the 1.63 sources from Debian bookworm's own binary packages
# (rustc 1.63, cargo 0.66 and the libraries they load), fetched with `apt-get download` (apt checks
# them against the signed archive) and unpacked into a cache folder: nothing is installed system-wide.
# Prints the toolchain folder as the last line; it has bin/rustc and bin/cargo.
#
#   test/support/debian-stage0.sh 1.63
set -euo pipefail

ver=${1:?usage: debian-stage0.sh 1.63}
log() { echo "debian-stage0: $*" >&2; }
case "$ver" in
  1.63) packages=(rustc=1.63.0+dfsg1-2 libstd-rust-1.63=1.63.0+dfsg1-2 libstd-rust-dev=1.63.0+dfsg1-2
                  cargo=0.66.0+ds1-1 libgit2-1.5 libmbedtls14 libmbedx509-1 libmbedcrypto7
                  libhttp-parser2.9 libllvm14 patchelf)
        name=rustc-1.63.0-cargo-0.66.0-bookworm-r2 ;;
  *) echo "debian-stage0: unknown version '$ver' (known: 1.63)" >&2; exit 2 ;;
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
rmdir "$part/bin"
ln -s usr/bin "$part/bin"
touch "$part/.complete"
rm -rf "$dest"
mv "$part" "$dest"
"$dest/bin/rustc" -V >&2
"$dest/bin/cargo" -V >&2
echo "$dest"
