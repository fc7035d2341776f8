set -euo pipefail
# Nix 2.8 names the file by its path outside the sandbox; inside one it is in the build's top folder.
attrs=${NIX_ATTRS_SH_FILE:-}
[ -e "$attrs" ] || attrs=$NIX_BUILD_TOP/.attrs.sh
source "$attrs"
out=${outputs[out]}
export PATH=$toolPath
# Only a derivation that names LLVM gets its tools (builders.nix, llvmFor).
toolLlvmConfig=${toolLlvmConfig:-} toolLlvmLibdir=${toolLlvmLibdir:-} toolCompilerRtDir=${toolCompilerRtDir:-}
