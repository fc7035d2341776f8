# Runs one recorded step inside a Nix build (see builders.nix); the step's output is @work@,
# which holds the build dir, and the command's stdout/stderr under .nixify/. Every step runs it,
# many for a command of a few milliseconds, so around the command it starts as few processes as it
# can (each costs a millisecond or two): bash's own expansions stand in for dirname and grep where
# they can, and an empty log is not printed.
#@prelude@
home=$NIX_BUILD_TOP/home
tmp=$NIX_BUILD_TOP/tmp

# Links to files of the store, with cp's arguments (FROM... TO): hard links where the builder may
# make them (the store on the same file system, no sandbox or build user; on ext4 half a symbolic
# link's cost to make and a tenth to drop, a long link target taking a block), else symbolic ones.
# Returns 0 where the links are hard.
linkFiles() {
  if cp -rl --no-preserve=mode "$@" 2>/dev/null; then return 0; fi
  cp -rs --no-preserve=mode --remove-destination "$@" || exit 1
  return 1
}

# The static libstdc++ the step's C++ compiler links, found as the bootstrap finds it
# (LLVM_STATIC_STDCPP), asked only by steps that name it.
toolLibstdcxxDir=
case "$stepCommand $stepCwd ${stepArgs[*]} ${stepEnv[*]} ${stepOutputs[*]}" in
  *@libstdcxx-dir@*) toolLibstdcxxDir=$(dirname "$(c++ -print-file-name=libstdc++.a)") ;;
esac

# Placeholders of the recording -> this build's paths (quoted replacements are literal).
subst() {
  local s=$2
  #@substitutions s@
  printf -v "$1" '%s' "$s"
}

# An observed compiler call or hand-over names the files it produces, and keeps only those (see
# keepOwnFiles).
namesOutputs=
case $stepKind in rustc | handover) [ ${#stepOutputs[@]} -eq 0 ] || namesOutputs=1 ;; esac

# The folders every step needs, its source's (below) and its outputs' (a compiler writes files into
# folders that must exist; a build script (OUT_DIR) or cargo (its target dir) fills the folder it
# produces): one mkdir.
folders=("$home" "$tmp" "$out/.nixify" "$out/build")
for p in "${stepOutputs[@]}"; do
  subst p "$p"
  if [ -n "$namesOutputs" ]; then folders+=("${p%/*}"); else folders+=("$p"); fi
done

# A step that reads only pieces of the checkout gets a source of just those, at their places: real
# folders with links to the files, so `..` from a file leads where it did in the checkout.
if [ -z "$stepSource" ]; then
  stepSource=$NIX_BUILD_TOP/source
  folders+=("$stepSource")
  for rel in "${!stepSources[@]}"; do [[ $rel != */* ]] || folders+=("$stepSource/${rel%/*}"); done
fi
mkdir -p "${folders[@]}"
for rel in "${!stepSources[@]}"; do linkFiles -T "${stepSources[$rel]}" "$stepSource/$rel" || true; done

# Start from what the steps this one depends on left behind; fetched files stay where they are.
# An observed step links them (read-only, from the store); another step's command may rewrite
# them, so it gets copies. Either way its output keeps only what it wrote or changed (see
# keepOwnFiles), so no output grows with the chain of steps before it.
fetched=()
linked=()
# Set once files not the step's own are in its output (copies, hard links): a step that does not
# name its files lists them, to drop them after.
notOwn=
for dep in "${stepDeps[@]}"; do
  if [ -f "$dep" ]; then
    fetched+=("$dep")
  elif [ -n "$stepLinkDeps" ]; then
    linked+=("$dep")
  else
    cp -rT "$dep" "$out"
    chmod -R u+w "$out"
    notOwn=1
  fi
done
# Linked outputs: what they hold at the top, not their logs (.nixify/, two files a step below).
# One cp for each top folder over all of them (a late compiler crate links a few hundred; one cp
# each took about 2 ms apiece). Folders are made writable as they are made (not the store's
# read-only modes), so the next dependency's links can go in too: a builder that is not root (a
# sandbox's) needs that. Hard links are files like the step's own: they are dropped with the copies.
linkOutputs() {
  local -A tops=()
  local dep top e
  for dep in "$@"; do for e in "$dep"/*; do [ ! -e "$e" ] || tops[${e##*/}]=1; done; done
  for top in "${!tops[@]}"; do
    local from=()
    for dep in "$@"; do
      if [ -d "$dep/$top" ]; then from+=("$dep/$top/."); elif [ -e "$dep/$top" ]; then ln -s "$dep/$top" "$out/$top"; fi
    done
    [ ${#from[@]} -eq 0 ] || { [ -d "$out/$top" ] || mkdir -p "$out/$top"; if linkFiles "${from[@]}" "$out/$top/"; then notOwn=1; fi; }
  done
}
[ ${#linked[@]} -eq 0 ] || linkOutputs "${linked[@]}"
# What was copied in, by path, size, mtime and inode: what the command leaves so is not its own.
listFiles() { find "$out" -type f -printf '%P\t%s\t%T@\t%i\0' | sort -z; }
[ -z "$notOwn" ] || [ -n "$namesOutputs" ] || listFiles > "$tmp/copied"

# Drops what the dependencies left, links and untouched copies (hard links among them), and
# folders left empty. A step that names its files keeps only those: a pipelined crate's metadata
# step (-Zno-codegen) writes an rlib without code beside the .rmeta it is for, and its full call
# keeps the rlib, not the .rmeta. One find drops all else (a listing of what was linked in,
# compared after, took a dozen processes). A recorded step or a build script keeps all it wrote.
keepOwnFiles() {
  if [ -n "$namesOutputs" ]; then
    local p kept=()
    for p in "${stepOutputs[@]}"; do
      subst p "$p"
      # find's -path takes a pattern: its special characters are escaped.
      p=${p//\\/\\\\} p=${p//\*/\\*} p=${p//\?/\\?} p=${p//\[/\\[}
      kept+=(! -path "$p")
    done
    find "$out" -mindepth 1 ! -path "$out/.nixify*" \( \( ! -type d "${kept[@]}" -delete \) -o \( -type d -empty -delete \) \)
    return
  fi
  if [ -n "$notOwn" ]; then listFiles | comm -z -12 - "$tmp/copied" | cut -z -f1 | (cd "$out" && xargs -0 -r rm -f --); fi
  # The links, and the folders left empty (-delete visits a folder after what it holds).
  find "$out" -mindepth 1 \( -type l -delete \) -o \( -type d -empty -delete \)
}

if [ "$stepKind" = handover ]; then
  # The bootstrap's copying between stages: each (from, to) pair, from the linked outputs of the
  # steps that built it to its place in a sysroot, as a real file (a compiler finds its libraries
  # next to where it really lies).
  for ((i = 0; i < ${#stepArgs[@]}; i += 2)); do
    subst from "${stepArgs[i]}"
    subst to "${stepArgs[i + 1]}"
    rm -f "$to"
    cp -L "$from" "$to"
  done
  keepOwnFiles
  exit 0
fi

# bootstrap.py's unpack, for each (tarball, dest, match) triple of the args (lib/steps/steps.ts's
# UNPACK_ARGS): the fetched tarball's FNAME/MATCH/* goes to DEST. Several tarballs into one folder
# make one step: a compiler finds its std beside where it really lies.
unpackTarballs() {
  local i name tarball f dest
  for ((i = 0; i + 2 < ${#stepArgs[@]}; i += 3)); do
    name=${stepArgs[i]##*/}
    tarball=
    for f in "${fetched[@]}"; do [[ ${f##*/} != *-"$name" ]] || tarball=$f; done
    [ -n "$tarball" ] || { echo "nixify-rust: $stepId: none of its downloads is $name" >&2; return 1; }
    subst dest "${stepArgs[i + 1]}"
    rm -rf "$tmp/unpack"
    mkdir -p "$tmp/unpack" "$dest"
    tar -xf "$tarball" -C "$tmp/unpack"
    cp -rT "$tmp/unpack/${name%.tar.*}/${stepArgs[i + 2]}" "$dest"
  done
}
if [ "$stepKind" = unpack ]; then
  unpackTarballs
  exit 0
fi

# A jobserver of the build's cores for a compiler or build script, as cargo hands its rustc calls
# and build scripts one: without it rustc runs up to 16 code-generation threads whatever the cores,
# which cost time as well as memory (docs/benchmarks.md). The step holds one slot itself, as a make
# job does; the pipe holds the others, but only while the machine has cores to spare: builds side
# by side each have a pipe of their own, where cargo's calls share one, and pipes filled up front
# let two builds run twice as many threads as there are cores.
startJobserver() {
  local slots=${NIX_BUILD_CORES:-1}
  [ "$slots" -gt 0 ] || slots=$(nproc)
  mkfifo "$tmp/jobserver"
  exec 3<>"$tmp/jobserver"
  jobserverEnv="CARGO_MAKEFLAGS=-j$slots --jobserver-fds=3,3 --jobserver-auth=3,3"
  if [ "$slots" -gt 1 ] && [ -r /proc/loadavg ]; then
    feedJobserver $((slots - 1)) "$(nproc)" /proc/loadavg >/dev/null 2>&1 &
    feeder=$!
  else
    printf '%*s' $((slots - 1)) '' >&3
  fi
}

# Puts a slot into fd 3's pipe (up to MAX) while fewer threads are runnable than CORES, and takes
# one back while more are: LOADAVG's count, summed over the last 5 looks (half a second), must be
# 3 under 5 x CORES to give, 2 over to take. How many threads a compiler runs never changes what
# it writes.
feedJobserver() {
  local max=$1 cores=$2 loadavg=$3 issued=0 sum=0 n=0 running tok
  local -a last=(0 0 0 0 0)
  # Reading a pipe nobody writes waits out the timeout without starting a process.
  mkfifo "$tmp/tick"
  exec 4<>"$tmp/tick"
  while :; do
    read -r -t 0.1 -u 4 tok || true
    read -r _ _ _ running _ <"$loadavg"
    running=$((${running%/*} - 1)) # the reading shell is one of them
    sum=$((sum - last[n % 5] + running))
    last[n % 5]=$running
    n=$((n + 1))
    if [ "$n" -lt 5 ]; then continue; fi
    if ((sum <= cores * 5 - 3 && issued < max)); then
      printf x >&3
      issued=$((issued + 1))
    elif ((sum >= cores * 5 + 2 && issued > 0)) && read -r -N 1 -t 0.01 -u 3 tok; then
      issued=$((issued - 1))
    fi
  done
}

subst cmd "$stepCommand"
argv=()
for a in "${stepArgs[@]}"; do
  subst a "$a"
  argv+=("$a")
done
envs=("PATH=$PATH" "HOME=$home" "TMPDIR=$tmp" "NIX_BUILD_CORES=${NIX_BUILD_CORES:-1}")
for k in "${!stepEnv[@]}"; do
  subst v "${stepEnv[$k]}"
  envs+=("$k=$v")
done
case $stepKind in
  rustc|build-script) startJobserver; envs+=("$jobserverEnv") ;;
esac
subst dir "$stepCwd"
[ -d "$dir" ] || mkdir -p "$dir" 2>/dev/null || true
cd "$dir"
echo "nixify-rust: $stepId: $cmd ${argv[*]}" >&2
set +e
commandStart=$EPOCHREALTIME
env -i "${envs[@]}" "$cmd" "${argv[@]}" >"$out/.nixify/$stepId.stdout" 2>"$out/.nixify/$stepId.stderr"
status=$?
commandEnd=$EPOCHREALTIME
[ -z "${feeder:-}" ] || kill "$feeder" 2>/dev/null || true
set -e
keepOwnFiles
[ ! -s "$out/.nixify/$stepId.stdout" ] || cat "$out/.nixify/$stepId.stdout"
[ ! -s "$out/.nixify/$stepId.stderr" ] || cat "$out/.nixify/$stepId.stderr" >&2
# The command's own seconds, last, into the build log (not the output: it differs each run), for
# verify's report: the rest of the step's build is its own overhead.
if [ -n "$commandStart" ]; then
  us=$((10#${commandEnd//[!0-9]/} - 10#${commandStart//[!0-9]/}))
  printf 'nixify-rust: %s: command ran %d.%06d s\n' "$stepId" $((us / 1000000)) $((us % 1000000)) >&2
fi
exit $status
