# The source tree the steps see (see builders.nix): the checkout as a tree of links, with the
# files gen supplied as real files and the toolchain placeholders filled in.
set -euo pipefail
# Nix 2.8 names the file by its path outside the sandbox; inside one it is in the build's top folder.
attrs=${NIX_ATTRS_SH_FILE:-}
[ -e "$attrs" ] || attrs=$NIX_BUILD_TOP/.attrs.sh
source "$attrs"
out=${outputs[out]}
export PATH=$toolPath
cp -rsT "$sourceRoot" "$out"
chmod -R u+w "$out"
for rel in "${!sourceFiles[@]}"; do
  text=${sourceFiles[$rel]}
  #@substitutions text@
  mkdir -p "$(dirname "$out/$rel")"
  rm -f "$out/$rel"
  printf '%s' "$text" > "$out/$rel"
done
