# The source tree the steps see (see builders.nix): the checkout as a tree of links, with the
# files gen supplied as real files and the toolchain placeholders filled in.
set -euo pipefail
source "${NIX_ATTRS_SH_FILE:-$NIX_BUILD_TOP/.attrs.sh}"
out=${outputs[out]}
export PATH=$toolPath
cp -rsT "$sourceRoot" "$out"
chmod -R u+w "$out"
for rel in "${!sourceFiles[@]}"; do
  text=${sourceFiles[$rel]}
  text=${text//@rustc@/"$toolRustc"}
  text=${text//@cargo@/"$toolCargo"}
  text=${text//@sysroot@/"$toolSysroot"}
  mkdir -p "$(dirname "$out/$rel")"
  rm -f "$out/$rel"
  printf '%s' "$text" > "$out/$rel"
done
