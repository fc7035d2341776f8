# The sample tree's bootstrap: the same module shape as Rust's (a module-level `run` wrapping
# subprocess.Popen, a `main` that x.py calls), but its commands build a tiny library, a binary
# that links it, an independent tool, and then run the binary.
import os
import subprocess
import sys


def run(args, verbose=False, exception=False, is_bootstrap=False, **kwargs):
    """Run a child program in a new process"""
    if verbose:
        print("running: " + " ".join(args))
    sys.stdout.flush()
    ret = subprocess.Popen(args, **kwargs)
    code = ret.wait()
    if code != 0:
        err = "failed to run: " + " ".join(args)
        if verbose or exception:
            raise RuntimeError(err)
        sys.exit(err)


def bootstrap():
    rust_root = os.path.abspath(os.path.join(__file__, "../../.."))
    build_dir = os.path.abspath("build")
    if not os.path.exists(build_dir):
        os.makedirs(build_dir)
    rustc = ["rustc", "--edition=2021", "-C", "opt-level=1"]

    run(rustc + ["--crate-type=rlib", "--crate-name=greeting",
                 os.path.join(rust_root, "library", "greeting", "lib.rs"),
                 "-o", os.path.join(build_dir, "libgreeting.rlib")])
    run(rustc + ["--crate-type=bin", "--crate-name=hello",
                 os.path.join(rust_root, "src", "hello", "main.rs"),
                 "--extern", "greeting=" + os.path.join(build_dir, "libgreeting.rlib"),
                 "-o", os.path.join(build_dir, "hello")])
    run(rustc + ["--crate-type=bin", "--crate-name=tool",
                 os.path.join(rust_root, "src", "tool", "main.rs"),
                 "-o", os.path.join(build_dir, "tool")])
    with open(os.path.join(rust_root, "src", "ci", "channel")) as f:
        channel = f.read().strip()
    env = os.environ.copy()
    env["SAMPLE_CHANNEL"] = channel
    run([os.path.join(build_dir, "hello")], env=env, is_bootstrap=True)


def main():
    bootstrap()
    print("Build completed successfully")


if __name__ == "__main__":
    main()
