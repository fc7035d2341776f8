# nixify-rust's rustc recorder (gen --depth rustc). Bootstrap's rustc shim hands each compiler call
# of a real x.py build, of every stage, to $RUSTC_WRAPPER_REAL, a small script that runs this file
# with the real compiler first: it runs it, then appends one JSON line to $NIXIFY_RUSTC_RECORD_FILE
# with the call (args, env, cwd), the files it wrote and the files it read (rustc's dep-info).
# A compiled build script is swapped for a shim that runs this file again, so its run is observed
# too: its env, cwd and the OUT_DIR it fills. Queries (-vV, --print, cargo's probes) pass untouched.
import fcntl, json, os, subprocess, sys

RECORD_FILE = os.environ.get("NIXIFY_RUSTC_RECORD_FILE", "")
SHIM = os.environ.get("NIXIFY_RUSTC_SHIM", "")
# Where the source and build dir are is a matter of this run: rustc writes them into metadata and
# debuginfo. Mapping them to fixed names keeps the outputs comparable with those of a rebuild.
REMAP = json.loads(os.environ.get("NIXIFY_RUSTC_REMAP", "[]"))
# Sysroots the bootstrap fills by copying lie in the build dir; a toolchain's own sysroot is not ours to list.
BUILD_DIRS = json.loads(os.environ.get("NIXIFY_RUSTC_BUILD_DIRS", "[]"))


def value_after(args, flag):
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg[len(flag) + 1:]
    return None


def codegen_value(args, key):
    for i, arg in enumerate(args):
        opt = args[i + 1] if arg == "-C" and i + 1 < len(args) else arg[2:] if arg.startswith("-C") else ""
        if opt.startswith(key + "="):
            return opt[len(key) + 1:]
    return None


def emit(record):
    # The record schema lib/schema.ts validates; gen always sets it (the variable names are
    # lib/schema.ts's RECORDER_ENV). Read here, not at start: a query passes without it.
    record["schema"] = int(os.environ["NIXIFY_RECORD_SCHEMA"])
    line = json.dumps(record, sort_keys=True) + "\n"
    # Cargo runs compilers in parallel: one locked append per record keeps lines whole.
    with open(RECORD_FILE, "a") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.write(line)
        fcntl.flock(out, fcntl.LOCK_UN)


def stat_key(path):
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def snapshot(folder, stem):
    if not folder or not os.path.isdir(folder):
        return {}
    return dict((n, stat_key(os.path.join(folder, n))) for n in os.listdir(folder) if stem in n and os.path.isfile(os.path.join(folder, n)))


def dep_info(path, cwd):
    """The files of the first rule of a Makefile-style dep-info file (rustc --emit=dep-info), and
    the variables its `# env-dep:NAME=value` lines say the compiler read (env!, option_env!)."""
    with open(path) as f:
        text = f.read()
    first = text.split("\n\n", 1)[0].replace("\\\n", " ")
    _, _, deps = first.partition(": ")
    inputs = []
    for word in deps.replace("\\ ", "\0").split():
        inputs.append(os.path.normpath(os.path.join(cwd, word.replace("\0", " "))))
    env_reads = [line[len("# env-dep:"):].split("=", 1)[0] for line in text.splitlines() if line.startswith("# env-dep:")]
    return sorted(set(inputs)), sorted(set(env_reads))


def sysroot_files(rustc, args, cwd):
    """Every file now in the build dir's sysroots this call uses: --sysroot, and the compiler's own (bin/..)."""
    roots = [os.path.dirname(os.path.dirname(os.path.abspath(rustc)))]
    sysroot = value_after(args, "--sysroot")
    if sysroot:
        roots.append(os.path.normpath(os.path.join(cwd, sysroot)))
    files = set()
    for root in [r for r in roots if any(r.startswith(b + "/") for b in BUILD_DIRS)]:
        for folder, _, names in os.walk(root):
            files.update(os.path.join(folder, n) for n in names)
    return sorted(files)


def compile_and_record(rustc, args):
    crate = value_after(args, "--crate-name")
    if crate is None or crate == "___":
        os.execv(rustc, [rustc] + args)
    cwd = os.getcwd()
    args = args + ["--remap-path-prefix=%s=%s" % (frm, to) for frm, to in REMAP]
    out_dir = value_after(args, "--out-dir")
    out_dir = os.path.normpath(os.path.join(cwd, out_dir)) if out_dir else None
    # Several compilers write into one deps/ folder at once; a call's own files carry its crate
    # name and -C extra-filename.
    stem = crate + (codegen_value(args, "extra-filename") or "")
    before = snapshot(out_dir, stem)
    sees = sysroot_files(rustc, args, cwd)
    status = subprocess.call([rustc] + args)
    if status != 0:
        sys.exit(status)
    after = snapshot(out_dir, stem)
    written = sorted(n for n, key in after.items() if before.get(n) != key)
    inputs, env_reads = [], []
    for name in written:
        if name.endswith(".d"):
            inputs, env_reads = dep_info(os.path.join(out_dir, name), cwd)
    outputs = [os.path.join(out_dir, n) for n in written]
    if crate.startswith("build_script_") and value_after(args, "--crate-type") == "bin":
        exe = os.path.join(out_dir, stem)
        if os.path.isfile(exe):
            os.rename(exe, exe + ".real")
            with open(exe, "w") as f:
                f.write('#!/bin/sh\nexec "%s" "%s" --nixify-build-script "%s" "$@"\n' % (sys.executable, SHIM, exe))
            os.chmod(exe, 0o755)
    emit({
        "type": "observed",
        "tool": "rustc",
        "command": rustc,
        "args": args,
        "env": dict(os.environ),
        "cwd": cwd,
        "inputs": inputs,
        "outputs": outputs,
        "sees": sees,
        "envReads": env_reads,
    })


def run_build_script(exe, args):
    """Runs the real build script, then records the run with the OUT_DIR it filled."""
    status = subprocess.call([exe + ".real"] + args)
    if status != 0:
        sys.exit(status)
    out_dir = os.environ.get("OUT_DIR")
    emit({
        "type": "observed",
        "tool": "build-script",
        "command": exe,
        "args": args,
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "inputs": [exe],
        "outputs": [out_dir] if out_dir else [],
    })


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--nixify-build-script":
        run_build_script(sys.argv[2], sys.argv[3:])
    else:
        compile_and_record(sys.argv[1], sys.argv[2:])
