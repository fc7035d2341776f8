
# ---- nixify-rust recorder --------------------------------------------------------------
# Appended by nixify-rust to a temporary copy of bootstrap.py (the source tree is never written).
# It replaces the module's `run` so that each process bootstrap.py would start is written as one
# JSON line to $NIXIFY_RECORD_FILE instead of being started. In mode "first" it stops after the
# first record; in mode "all" it returns as if the process had succeeded, so bootstrap.py goes on.
# Downloads leave no file behind, so `verify` is made to pass and `unpack` is recorded too; a
# process pool is made serial so the records keep one deterministic order.
# A call is read through the signature of bootstrap.py's own `run` (positional or keyword, or in
# **kwargs as Rust's passes env and cwd on to Popen); a call that does not fit it, or that hands
# run a shell command line, is refused: the reason goes to $NIXIFY_REFUSAL_FILE and x.py stops.
# (The variable names are lib/schema.ts's RECORDER_ENV.)
def _nixify_install_recorder():
    import inspect, json, os, sys

    record_file = os.environ["NIXIFY_RECORD_FILE"]
    refusal_file = os.environ["NIXIFY_REFUSAL_FILE"]
    mode = os.environ.get("NIXIFY_MODE", "all")
    schema = int(os.environ["NIXIFY_RECORD_SCHEMA"])
    seq = [0]
    here = globals()

    def site(frame):
        return "%s:%d %s" % (os.path.basename(frame.f_code.co_filename), frame.f_lineno, frame.f_code.co_name)

    def emit(record):
        seq[0] += 1
        record["seq"] = seq[0]
        record["schema"] = schema
        with open(record_file, "a") as out:
            out.write(json.dumps(record, sort_keys=True) + "\n")
        if mode == "first":
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    def refuse(message):
        with open(refusal_file, "w") as out:
            out.write(message)
        sys.stdout.flush()
        sys.stderr.flush()
        # Not an exception: bootstrap.py could catch it and go on with a wrong record.
        os._exit(97)

    def text(value):
        # As Popen takes them: bytes and paths too. Bytes that are not UTF-8 survive as surrogate
        # escapes, which gen then refuses by name.
        return os.fsdecode(value) if isinstance(value, (bytes, os.PathLike)) else str(value)

    signature = inspect.signature(here["run"])
    params = signature.parameters

    def run(*call_args, **call_kwargs):
        where = site(sys._getframe(1))
        try:
            bound = signature.bind(*call_args, **call_kwargs)
        except TypeError as e:
            refuse("%s: a call of run does not fit its signature run%s: %s" % (where, signature, e))
        bound.apply_defaults()
        given = {}
        for name, param in params.items():
            value = bound.arguments.get(name)
            if param.kind == param.VAR_KEYWORD:
                given.update(value or {})
            elif param.kind != param.VAR_POSITIONAL:
                given[name] = value
        args = given.get("args", given.get(next(iter(params))))
        if given.get("shell"):
            refuse("%s: run(..., shell=True) hands a shell command line to run; nixify-rust records argument lists only" % where)
        if isinstance(args, (str, bytes, os.PathLike)):
            args = [args]  # Popen runs a lone string as the program, with no arguments
        if not isinstance(args, (list, tuple)) or len(args) == 0:
            refuse("%s: run was given %r, not a list of arguments" % (where, args))
        args = [text(a) for a in args]
        env = given.get("env")
        cwd = given.get("cwd")
        emit({
            "type": "rust_compiler_invocation",
            "command": args[0],
            "args": args[1:],
            "env": dict((text(k), text(v)) for k, v in (os.environ if env is None else env).items()),
            "cwd": os.path.abspath(text(cwd)) if cwd else os.getcwd(),
            "site": where,
            "isBootstrap": bool(given.get("is_bootstrap")),
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
