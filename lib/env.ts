// Which environment variables may reach x.py, a record and a .nix file. x.py starts from an
// allow-list (so secrets never reach it), and records are scrubbed again on the way out.

/** Passed from the user's environment to x.py when set. */
const ALLOWED = [
  "PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
  "RUSTFLAGS", "RUSTFLAGS_BOOTSTRAP", "RUSTDOCFLAGS", "CARGOFLAGS", "RUST_BACKTRACE",
  "RUST_BOOTSTRAP_CONFIG", "CC", "CXX", "AR", "CFLAGS", "CXXFLAGS", "LDFLAGS",
];

/** Names that look like credentials; they never pass, whatever else says. */
const SECRET = /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|AUTH|COOKIE|SESSION|^SSH_|^GPG_|^AWS_|^GITHUB_|^GH_|^CLOUDSDK_|^AZURE_|^NPM_|^DOCKER_/i;

/** Machine- or run-specific: dropped from records because Nix supplies its own. */
const MACHINE = /^(HOME|PWD|OLDPWD|SHLVL|SHELL|TERM|USER|LOGNAME|TMPDIR|TEMP|TMP|PATH|CARGO_HOME|BOOTSTRAP_PARENT_ID|_|SSL_CERT_FILE|SSL_CERT_DIR|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|NIX_SSL_CERT_FILE|MAKEFLAGS|MFLAGS|CARGO_MAKEFLAGS|LD_LIBRARY_PATH)$|^(XDG_|RUSTUP_|PYENV_|_PYENV_|PIP_|NIXIFY_)/;

export function isSecretName(name: string): boolean {
  return SECRET.test(name);
}

/** The environment x.py runs with: the allow-list of the user's, plus what gen sets. */
export function xpyEnv(
  from: { [name: string]: string | undefined },
  set: { [name: string]: string },
): { [name: string]: string } {
  const env: { [name: string]: string } = {};
  for (const name of ALLOWED) {
    const value = from[name];
    if (value !== undefined && !isSecretName(name)) env[name] = value;
  }
  return { ...env, ...set };
}

/** A record's environment as it may be written: no secrets, nothing machine-specific, sorted. */
export function scrubRecordEnv(env: { [name: string]: string }): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const name of Object.keys(env).sort()) {
    if (isSecretName(name) || MACHINE.test(name)) continue;
    // The step's own python3 comes from Nix; the path of ours would not exist there.
    out[name] = name === "BOOTSTRAP_PYTHON" ? "python3" : env[name]!;
  }
  return out;
}

/**
 * Variables that only steer bootstrap's rustc shim or cargo itself: by the time rustc runs, their
 * effect is in its arguments, and several name the capture's toolchain or folders.
 */
const SHIM_ONLY = /^(RUSTC_(REAL|SNAPSHOT|SNAPSHOT_LIBDIR|LIBDIR|SYSROOT|INSTALL_BINDIR|STAGE|VERBOSE|BREAK_ON_ICE|LINT_FLAGS|FORCE_UNSTABLE|ERROR_METADATA_DST)|RUSTDOC|RUSTDOC_REAL|RUSTDOCFLAGS|RUSTFLAGS|REAL_LIBRARY_PATH_VAR|RUSTBUILD_NATIVE_DIR|CARGO_TARGET_DIR|CARGO_INCREMENTAL|CARGO_PROFILE_\w+|WINAPI_NO_BUNDLED_LIBRARIES|RUST_TEST_THREADS|BOOTSTRAP_PYTHON|BOOTSTRAP_PARENT_ID)$/;

/** An observed call's environment as it may be written: scrubbed, without the shim's own variables. */
export function scrubObservedEnv(env: { [name: string]: string }): { [name: string]: string } {
  const out = scrubRecordEnv(env);
  for (const name of Object.keys(out)) if (SHIM_ONLY.test(name)) delete out[name];
  return out;
}
