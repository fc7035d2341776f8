
# ---- nixify-rust recorder --------------------------------------------------------------
# Appended by nixify-rust to a temporary copy of bootstrap.py (the source tree is never written).
# It replaces the module's `run` so that each process bootstrap.py would start is written as one
# JSON line to $NIXIFY_RECORD_FILE instead of being started. In mode "first" it stops after the
# first record; in mode "all" it returns as if the process had succeeded, so bootstrap.py goes on.
# Downloads leave no file behind, so `verify` is made to pass and `unpack` is recorded too; a
# process pool is made serial so the records keep one deterministic order.
def _nixify_install_recorder():
    import json, os, sys

    record_file = os.environ["NIXIFY_RECORD_FILE"]
    mode = os.environ.get("NIXIFY_MODE", "all")
    seq = [0]
    here = globals()

    def site(frame):
        return "%s:%d %s" % (os.path.basename(frame.f_code.co_filename), frame.f_lineno, frame.f_code.co_name)

    def emit(record):
        seq[0] += 1
        record["seq"] = seq[0]
        record["schema"] = 1
        with open(record_file, "a") as out:
            out.write(json.dumps(record, sort_keys=True) + "\n")
        if mode == "first":
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    def run(args, verbose=False, exception=False, is_bootstrap=False, **kwargs):
        env = kwargs.get("env")
        cwd = kwargs.get("cwd")
        args = [str(a) for a in args]
        emit({
            "type": "rust_compiler_invocation",
            "command": args[0],
            "args": args[1:],
            "env": dict((str(k), str(v)) for k, v in (os.environ if env is None else env).items()),
            "cwd": os.path.abspath(str(cwd)) if cwd else os.getcwd(),
            "site": site(sys._getframe(1)),
            "isBootstrap": bool(is_bootstrap),
        })
        return 0

    def unpack(tarball, tarball_suffix, dst, verbose=False, match=None):
        emit({
            "type": "unpack",
            "tarball": os.path.abspath(str(tarball)),
            "dest": os.path.abspath(str(dst)),
            "match": match,
            "site": site(sys._getframe(1)),
        })
        # bootstrap.py writes stamps into the folder it unpacked to, checks that bin/cargo and
        # bin/rustc exist and lists lib/: leave empty stand-ins there (in the temp build dir only).
        for sub in ("bin", "lib"):
            if not os.path.isdir(os.path.join(str(dst), sub)):
                os.makedirs(os.path.join(str(dst), sub))
        if match in ("cargo", "rustc"):
            open(os.path.join(str(dst), "bin", match), "a").close()

    class SerialPool(object):
        def __init__(self, *args, **kwargs):
            pass

        def map(self, fn, items):
            return [fn(item) for item in items]

        def close(self):
            pass

        def join(self):
            pass

    here["run"] = run
    if "verify" in here:
        here["verify"] = lambda *args, **kwargs: True
    if "unpack" in here:
        here["unpack"] = unpack
    if "Pool" in here:
        here["Pool"] = SerialPool


_nixify_install_recorder()
