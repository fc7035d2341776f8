# The source tree the steps see (see builders.nix): the checkout as a tree of links, with the
# files gen supplied as real files and the toolchain placeholders filled in.
#@prelude@
cp -rsT "$sourceRoot" "$out"
chmod -R u+w "$out"
for rel in "${!sourceFiles[@]}"; do
  text=${sourceFiles[$rel]}
  #@substitutions text@
  mkdir -p "$(dirname "$out/$rel")"
  rm -f "$out/$rel"
  printf '%s' "$text" > "$out/$rel"
done
