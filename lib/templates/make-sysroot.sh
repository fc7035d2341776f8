# A sysroot from the standard library's step outputs (see builders.nix): the rlibs and shared
# libraries land in lib/rustlib/<target>/lib, where `rustc --sysroot` looks for them.
set -euo pipefail
source "${NIX_ATTRS_SH_FILE:-$NIX_BUILD_TOP/.attrs.sh}"
out=${outputs[out]}
export PATH=$toolPath
lib=$out/lib/rustlib/$sysrootTarget/lib
mkdir -p "$lib"
for file in "${sysrootFiles[@]}"; do
  cp "$file" "$lib/"
done
