# A sysroot from the standard library's step outputs (see builders.nix): the rlibs and shared
# libraries land in lib/rustlib/<target>/lib, where `rustc --sysroot` looks for them.
#@prelude@
lib=$out/lib/rustlib/$sysrootTarget/lib
mkdir -p "$lib"
for file in "${sysrootFiles[@]}"; do
  cp "$file" "$lib/"
done
