#!/usr/bin/env python3
"""Regenerates the Cargo.lock of each workspace offline against vendor/ (run from the tree's root,
where .cargo/config.toml replaces crates.io with vendor/). Used by prepare-debian-tree.sh.

    lock-offline.py [--stub] CARGO WORKSPACE...

With --stub (a tree prepared without its distro's packaging), a dependency that vendor/ lacks,
because the distro's repack dropped it (Windows- and macOS-only crates: windows-sys, winapi,
junction, ...), gets an empty stand-in crate in vendor/ (`NAME-VERSION-stub`), with the version the
dependent asks for and every feature it names, and cargo is asked again. Debian's own packaging
removes those dependencies from the manifests instead; either way they are never compiled on Linux.
Without --stub such a dependency is an error, as it would be for Debian.
"""
import os
import re
import subprocess
import sys
import tomllib

CRATE = r"`([^ `]+) v([^ `]+)(?: \(([^)]+)\))?`"
MISSING = re.compile(
    r"(?:no matching package named `([^`]+)` found|no matching package found\nsearched package name: `([^`]+)`)"
    r".*?required by package " + CRATE, re.S)
NO_VERSION = re.compile(r"failed to select a version for the requirement `([^ `]+) = [^`]*`.*?required by package " + CRATE, re.S)
NO_FEATURE = re.compile(r"package `[^`]+` depends on `([^`]+)` with feature `([^`]+)` but `[^`]+` does not have that feature")


def die(message):
    sys.exit("lock-offline: error: %s" % message)


def manifest_of(name, version, path):
    """The Cargo.toml of the package an error names: a path package, or a vendored one."""
    if path:
        return os.path.join(path, "Cargo.toml")
    for d in sorted(os.listdir("vendor")):
        p = os.path.join("vendor", d, "Cargo.toml")
        if d.startswith(name) and os.path.exists(p):
            package = tomllib.load(open(p, "rb")).get("package", {})
            if package.get("name") == name and package.get("version") == version:
                return p
    die("%s %s is not in vendor/" % (name, version))


def dependency_specs(manifest, dep):
    """Every way `manifest` asks for `dep` (any target, any kind), as {version, features}."""
    toml = tomllib.load(open(manifest, "rb"))
    specs = []
    for table in [toml] + list(toml.get("target", {}).values()):
        for kind in ("dependencies", "build-dependencies", "dev-dependencies"):
            for key, spec in table.get(kind, {}).items():
                spec = {"version": spec} if isinstance(spec, str) else spec
                if spec.get("package", key) == dep:
                    specs.append(spec)
    return specs


def lowest(requirement):
    """A version meeting a requirement's lower bound: ^0.59 -> 0.59.0, >=0.52.0, <=0.59.* -> 0.52.0."""
    m = re.search(r"(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?", requirement or "0")
    return ".".join(x if x and x != "*" else "0" for x in m.groups())


stubs = {}


def write_stub(name, version, features):
    folder = os.path.join("vendor", "%s-%s-stub" % (name, version))
    known = stubs.setdefault((name, version), set())
    known.update(features)
    os.makedirs(os.path.join(folder, "src"), exist_ok=True)
    with open(os.path.join(folder, "src", "lib.rs"), "w") as out:
        out.write("// An empty stand-in for a crate the distro's repack dropped (never compiled on Linux).\n")
    with open(os.path.join(folder, "Cargo.toml"), "w") as out:
        out.write('[package]\nname = "%s"\nversion = "%s"\nedition = "2015"\n\n[features]\n' % (name, version))
        out.write("".join('"%s" = []\n' % f for f in sorted(known)))
    with open(os.path.join(folder, ".cargo-checksum.json"), "w") as out:
        out.write('{"files":{},"package":null}')


def stub_for(error):
    """Adds or widens the stand-in an error asks for; False if the error is not one of those."""
    m = MISSING.search(error) or NO_VERSION.search(error)
    if m:
        groups = m.groups()
        dep = groups[0] or (groups[1] if len(groups) == 5 else None)
        name, version, path = groups[-3:]
        specs = dependency_specs(manifest_of(name, version, path), dep)
        if not specs:
            return False
        for spec in specs:
            write_stub(dep, lowest(spec.get("version")), spec.get("features", []))
        return True
    m = NO_FEATURE.search(error)
    if m and any(n == m.group(1) for n, _ in stubs):
        for name, version in list(stubs):
            if name == m.group(1):
                write_stub(name, version, [m.group(2)])
        return True
    return False


def main(argv):
    stub = argv[:1] == ["--stub"]
    if stub:
        argv = argv[1:]
    if len(argv) < 2:
        die("usage: lock-offline.py [--stub] CARGO WORKSPACE...")
    cargo, workspaces = argv[0], argv[1:]
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    for ws in workspaces:
        seen = set()
        while True:
            r = subprocess.run([cargo, "generate-lockfile", "--offline", "--manifest-path", os.path.join(ws, "Cargo.toml")],
                               env=env, capture_output=True, text=True)
            if r.returncode == 0:
                break
            # The same error again means a stand-in did not satisfy it: stop rather than loop.
            if r.stderr in seen or not (stub and stub_for(r.stderr)):
                sys.stderr.write(r.stderr)
                die("cargo generate-lockfile failed for %s" % ws)
            seen.add(r.stderr)
    if stubs:
        print("lock-offline: %d stand-in crates in vendor/: %s" % (len(stubs), ", ".join("%s %s" % k for k in sorted(stubs))), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
