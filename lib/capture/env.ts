// Which environment variables may reach x.py, a record and a .nix file. x.py starts from an
// allow-list (so secrets never reach it), and records are scrubbed again on the way out, by name
// and by value (bootstrap.py may set a credential itself, under any name).
import { readFileSync } from "node:fs";
import type { ObservedRecord } from "../schema.ts";

/** Passed from the user's environment to x.py when set. */
const ALLOWED = [
  "PATH",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "RUSTFLAGS",
  "RUSTFLAGS_BOOTSTRAP",
  "RUSTDOCFLAGS",
  "CARGOFLAGS",
  "RUST_BACKTRACE",
  "RUST_BOOTSTRAP_CONFIG",
  "CC",
  "CXX",
  "AR",
  "CFLAGS",
  "CXXFLAGS",
  "LDFLAGS",
];

/** Names that look like credentials; they never pass, whatever else says. */
const SECRET = /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|AUTH|COOKIE|SESSION|^SSH_|^GPG_|^AWS_|^GITHUB_|^GH_|^CLOUDSDK_|^AZURE_|^NPM_|^DOCKER_/i;

/** Machine- or run-specific: dropped from records because Nix supplies its own. */
const MACHINE =
  /^(HOME|PWD|OLDPWD|SHLVL|SHELL|TERM|USER|LOGNAME|TMPDIR|TEMP|TMP|PATH|CARGO_HOME|BOOTSTRAP_PARENT_ID|_|SSL_CERT_FILE|SSL_CERT_DIR|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|NIX_SSL_CERT_FILE|MAKEFLAGS|MFLAGS|CARGO_MAKEFLAGS|LD_LIBRARY_PATH)$|^(XDG_|RUSTUP_|PYENV_|_PYENV_|PIP_|NIXIFY_)/;

/**
 * What cargo sets for a compilation from the package's manifest (its authors, features, cfgs):
 * code reads them (env!("CARGO_PKG_AUTHORS")), so a name that happens to hold AUTH or KEY is no
 * credential there. Their values are still checked like any other.
 */
const CARGO_PACKAGE = /^CARGO_(PKG|FEATURE|CFG)_/;

export function isSecretName(name: string): boolean {
  return SECRET.test(name) && !CARGO_PACKAGE.test(name);
}

/** Credentials by their form, wherever they appear: a URL's password, a known token format, a private key. */
const CREDENTIAL = [
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i,
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abprs]-[\w-]{10,}|(AKIA|ASIA)[0-9A-Z]{16}|AIza[\w-]{35}|sk-[\w-]{20,}|npm_[A-Za-z0-9]{36})/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** Names under which a long hex value is a checksum or a commit (a build input), not a credential. */
const HASH_NAME = /(HASH|SHA\d*|SUM|DIGEST|COMMIT|REV|REVISION)$/i;

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/** A credential's form anywhere in `text` (for arguments, which cannot simply be dropped). */
export function holdsCredential(text: string): boolean {
  return CREDENTIAL.some((re) => re.test(text));
}

/**
 * Whether a variable's value looks like a credential: a credential's form, or one long random
 * word (hex, or base64 mixing upper and lower case and digits) such as an API key.
 */
export function isSecretValue(name: string, value: string): boolean {
  if (holdsCredential(value)) return true;
  if (!/^[A-Za-z0-9+/=_-]{32,}$/.test(value)) return false;
  if (/^[0-9a-fA-F]+$/.test(value)) return !HASH_NAME.test(name) && entropy(value) >= 3;
  // A path is made of the same characters (a temp folder's random name, too): not a token.
  if (/^[/.~]/.test(value) || value.split("/").length > 3) return false;
  return /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value) && entropy(value) >= 4.2;
}

/** `env` without the variables whose values look like credentials; their names go into `dropped`. */
export function withoutSecretValues(env: { [name: string]: string }, dropped: Set<string>): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const [name, value] of Object.entries(env)) {
    if (isSecretValue(name, value)) dropped.add(name);
    else out[name] = value;
  }
  return out;
}

/**
 * `bun main.ts` loads the current folder's .env, .env.local, .env.<NODE_ENV>... into process.env
 * before any of our code runs (bunfig.toml's `env = false` counts only where bunfig.toml is, the
 * project's folder; the compiled executable is built with --no-compile-autoload-dotenv). Linux
 * keeps the environment the process was started with in /proc/self/environ: a name not there came
 * from such a file and is removed. Names that are there stay as they are (the real environment
 * wins over .env files), so no real variable is lost. Elsewhere there is nothing to compare with.
 */
export function dropDotenvVariables(): void {
  let initial: string;
  try {
    initial = readFileSync("/proc/self/environ", "utf8");
  } catch {
    return;
  }
  const started = new Set(
    initial
      .split("\0")
      .filter(Boolean)
      .map((entry) => entry.slice(0, entry.indexOf("="))),
  );
  for (const name of Object.keys(process.env)) if (!started.has(name)) delete process.env[name];
}

/** The environment x.py runs with: the allow-list of the user's, plus what gen sets. */
export function xpyEnv(from: { [name: string]: string | undefined }, set: { [name: string]: string }): { [name: string]: string } {
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
    if (isSecretName(name) || MACHINE.test(name) || isSecretValue(name, env[name]!)) continue;
    // The step's own python3 comes from Nix; the path of ours would not exist there.
    out[name] = name === "BOOTSTRAP_PYTHON" ? "python3" : env[name]!;
  }
  return out;
}

/**
 * Variables that only steer bootstrap's rustc shim or cargo itself: by the time rustc runs, their
 * effect is in its arguments, and several name the capture's toolchain or folders. RUSTC_WRAPPER
 * names the shim itself (newer bootstraps hand cargo the shim as a wrapper, and build scripts run
 * `$RUSTC_WRAPPER $RUSTC --version`): no step makes it, and the step's $RUSTC answers alone.
 */
const SHIM_ONLY =
  /^(RUSTC_(REAL|WRAPPER|WRAPPER_REAL|SNAPSHOT|SNAPSHOT_LIBDIR|LIBDIR|SYSROOT|INSTALL_BINDIR|STAGE|VERBOSE|BREAK_ON_ICE|LINT_FLAGS|FORCE_UNSTABLE|ERROR_METADATA_DST)|RUSTDOC|RUSTDOC_REAL|RUSTDOCFLAGS|RUSTFLAGS|REAL_LIBRARY_PATH_VAR|RUSTBUILD_NATIVE_DIR|CARGO_TARGET_DIR|CARGO_INCREMENTAL|CARGO_PROFILE_\w+|WINAPI_NO_BUNDLED_LIBRARIES|RUST_TEST_THREADS|BOOTSTRAP_PYTHON|BOOTSTRAP_PARENT_ID)$/;

/** Shim variables a build script reads itself (rustc_llvm's requires REAL_LIBRARY_PATH_VAR). */
const BUILD_SCRIPT_READS = new Set(["REAL_LIBRARY_PATH_VAR"]);

/**
 * An observed call's environment as it may be written: scrubbed, without the shim's own variables,
 * except those the call itself reads (a compiler's env! reads, `reads`; a build script's own).
 */
export function scrubObservedEnv(env: { [name: string]: string }, tool: ObservedRecord["tool"], reads: string[] = []): { [name: string]: string } {
  const out = scrubRecordEnv(env);
  const kept = new Set([...reads, ...(tool === "build-script" ? BUILD_SCRIPT_READS : [])]);
  for (const name of Object.keys(out)) if (SHIM_ONLY.test(name) && !kept.has(name)) delete out[name];
  return out;
}
