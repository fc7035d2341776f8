# A sysroot from the standard library's step outputs (see builders.nix): the rlibs and shared
# libraries land in lib/rustlib/<target>/lib, where `rustc --sysroot` looks for them.
set -euo pipefail
# Nix 2.8 names the file by its path outside the sandbox; inside one it is in the build's top folder.
attrs=${NIX_ATTRS_SH_FILE:-}
[ -e "$attrs" ] || attrs=$NIX_BUILD_TOP/.attrs.sh
source "$attrs"
out=${outputs[out]}
export PATH=$toolPath
lib=$out/lib/rustlib/$sysrootTarget/lib
mkdir -p "$lib"
for file in "${sysrootFiles[@]}"; do
  cp "$file" "$lib/"
done
