// lib/capture/env.ts: which variables reach x.py, a record and a step; secrets by name and by value. The
// environments are real: the recorder's records of Rust 1.85's outer shell and of 1.63's compiler.
import { afterEach, describe, expect, test } from "bun:test";
import {
  dropDotenvVariables,
  holdsCredential,
  isSecretName,
  isSecretValue,
  scrubObservedEnv,
  scrubRecordEnv,
  withoutSecretValues,
  xpyEnv,
} from "../../lib/capture/env.ts";
import type { InvocationRecord } from "../../lib/schema.ts";
import { fixtureRecords } from "./fixtures.ts";

const shell = (await fixtureRecords("shell-1.85.records.jsonl")) as InvocationRecord[];
const TMP = "/tmp/nixify-rust-tZH3Xw/shell";
// Built from pieces so no scanner takes this file for a leak.
const GH_TOKEN = `ghp_${"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"}`;

describe("scrubRecordEnv on the recorder's real environments", () => {
  test("the cargo build of bootstrap keeps what the build reads, not the machine's", () => {
    expect(scrubRecordEnv(shell[6]!.env)).toEqual({
      CARGO_TARGET_DIR: `${TMP}/run/build/bootstrap`,
      DYLD_LIBRARY_PATH: "",
      LANG: "C.UTF-8",
      LIBPATH: "",
      LIBRARY_PATH: "",
      RUSTC: `${TMP}/run/build/x86_64-unknown-linux-gnu/stage0/bin/rustc`,
      RUSTC_BOOTSTRAP: "1",
      RUSTFLAGS: "-Zallow-features= -Wrust_2018_idioms -Wunused_lifetimes -Dwarnings",
      RUST_BACKTRACE: "1",
    });
  });

  test("the bootstrap binary's run: python3 from Nix, no parent id", () => {
    expect(scrubRecordEnv(shell[7]!.env)).toEqual({ BOOTSTRAP_PYTHON: "python3", LANG: "C.UTF-8", RUST_BACKTRACE: "1" });
  });

  test("names come out sorted", () => {
    expect(Object.keys(scrubRecordEnv({ ZED: "1", ALPHA: "2", MID: "3" }))).toEqual(["ALPHA", "MID", "ZED"]);
  });

  test.each([
    ["the capture's HOME", 6, "HOME"],
    ["PWD", 6, "PWD"],
    ["SHLVL", 6, "SHLVL"],
    ["the capture's TMPDIR", 6, "TMPDIR"],
    ["PATH (Nix gives its own)", 6, "PATH"],
    ["LD_LIBRARY_PATH", 6, "LD_LIBRARY_PATH"],
    ["pyenv's variables", 6, "PYENV_ROOT"],
    ["pyenv's private ones", 6, "_PYENV_INSTALL_PREFIX"],
    ["the recorder's own", 6, "NIXIFY_RECORD_FILE"],
    ["the bootstrap's parent id", 7, "BOOTSTRAP_PARENT_ID"],
  ])("%s: dropped", (_, i, name) => {
    expect(Object.keys(shell[i]!.env)).toContain(name);
    expect(Object.keys(scrubRecordEnv(shell[i]!.env))).not.toContain(name);
  });
});

describe("scrubObservedEnv: which variables of an observed call reach its step", () => {
  // Values from a real capture of 1.63's compiler.
  const env = {
    CARGO_PKG_NAME: "rustc_interface",
    CFG_RELEASE: "1.63.0",
    HOME: "/home/someone",
    REAL_LIBRARY_PATH_VAR: "LD_LIBRARY_PATH",
    RUSTC_INSTALL_BINDIR: "bin",
    RUSTC_REAL: "/somewhere/stage0/bin/rustc",
    RUSTC_STAGE: "0",
  };
  test.each([
    ["a compiler call reading nothing keeps no shim variable", "rustc", [], { CARGO_PKG_NAME: "rustc_interface", CFG_RELEASE: "1.63.0" }],
    // rustc_interface has env!("RUSTC_INSTALL_BINDIR"): its dep-info says so, and the step keeps it.
    [
      "a compiler call keeps the shim variable its env! reads",
      "rustc",
      ["RUSTC_INSTALL_BINDIR"],
      { CARGO_PKG_NAME: "rustc_interface", CFG_RELEASE: "1.63.0", RUSTC_INSTALL_BINDIR: "bin" },
    ],
    // rustc_llvm's build script requires REAL_LIBRARY_PATH_VAR.
    [
      "a build script keeps REAL_LIBRARY_PATH_VAR",
      "build-script",
      [],
      { CARGO_PKG_NAME: "rustc_interface", CFG_RELEASE: "1.63.0", REAL_LIBRARY_PATH_VAR: "LD_LIBRARY_PATH" },
    ],
  ] as const)("%s", (_, tool, reads, expected) => {
    expect(scrubObservedEnv(env, tool, [...reads])).toEqual(expected);
  });
  // 1.95's bootstrap hands cargo its shim as RUSTC_WRAPPER (build dir's bootstrap/debug/rustc), which
  // no step makes; libc's build script runs `$RUSTC_WRAPPER $RUSTC --version` and failed on it.
  test("a build script does not keep the bootstrap's shim as RUSTC_WRAPPER", () => {
    const wrapped = { CARGO_PKG_NAME: "libc", RUSTC: "/x/stage0/bin/rustc", RUSTC_WRAPPER: "/x/build/bootstrap/debug/rustc" };
    expect(scrubObservedEnv(wrapped, "build-script")).toEqual({ CARGO_PKG_NAME: "libc", RUSTC: "/x/stage0/bin/rustc" });
  });
});

describe("cargo's package variables stay, whatever their names", () => {
  // Cargo sets these for every compiler call and build-script run, from the package's manifest;
  // code reads them (env!("CARGO_PKG_AUTHORS") in clap's crate_authors!, stdarch's intrinsic-test).
  // proc-macro2 1.0.39's own authors, as cargo passes them in 1.63's build.
  const AUTHORS = "David Tolnay <dtolnay@gmail.com>:Alex Crichton <alex@alexcrichton.com>";
  test.each([
    ["the package's authors", "CARGO_PKG_AUTHORS", AUTHORS],
    ["a feature whose name holds KEY", "CARGO_FEATURE_HASHKEY", "1"],
    ["a cfg whose name holds AUTH", "CARGO_CFG_AUTH_BACKEND", "pam"],
  ])("%s (%s) reaches the step", (_, name, value) => {
    expect(isSecretName(name)).toBe(false);
    expect(scrubObservedEnv({ CARGO_PKG_NAME: "proc-macro2", [name]: value }, "rustc")).toEqual({ CARGO_PKG_NAME: "proc-macro2", [name]: value });
    expect(scrubObservedEnv({ CARGO_PKG_NAME: "proc-macro2", [name]: value }, "build-script")).toEqual({ CARGO_PKG_NAME: "proc-macro2", [name]: value });
  });

  test("a credential's value under such a name is still dropped", () => {
    expect(scrubRecordEnv({ CARGO_PKG_AUTHORS: GH_TOKEN })).toEqual({});
  });

  test.each([["CARGO_REGISTRY_TOKEN"], ["CARGO_REGISTRIES_CRATES_IO_TOKEN"], ["CARGO_HTTP_AUTH"]])("cargo's own credentials (%s) stay secret", (name) => {
    expect(isSecretName(name)).toBe(true);
  });
});

describe("secrets", () => {
  test.each([
    ["GITHUB_TOKEN", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["MY_PASSWORD", true],
    ["npm_config_AUTH", true],
    ["SSH_AUTH_SOCK", true],
    ["GPG_AGENT_INFO", true],
    ["DOCKER_HOST", true],
    ["CARGO_TARGET_DIR", false],
    ["RUSTFLAGS", false],
    ["LANG", false],
  ])("the name %s is secret: %p", (name, secret) => expect(isSecretName(name)).toBe(secret));

  test.each([
    ["a URL with a password", "https://user:hunter2@example.com/repo.git", true],
    ["a GitHub token inside a longer text", `Authorization: ${GH_TOKEN}`, true],
    ["AWS's documented example key", "AKIAIOSFODNN7EXAMPLE", true],
    ["a private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc", true],
    ["a URL without a password", "https://static.rust-lang.org/dist/2025-01-09/rustc-1.84.0-x86_64-unknown-linux-gnu.tar.xz", false],
    ["an scp-like git address", "git@github.com:rust-lang/rust.git", false],
    ["a real rustc argument", "--remap-path-prefix=@src@=/rustc/nixify-src", false],
  ])("holdsCredential: %s", (_, text, held) => expect(holdsCredential(text)).toBe(held));

  test.each([
    ["a credential's form", "URL", "https://u:p4ss@example.com", true],
    ["a long random hex value", "X", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true],
    ["the same hex under a checksum's name", "STAGE0_SHA256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false],
    ["the same hex under a commit's name", "CFG_VER_HASH", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false],
    ["a hex value of little entropy", "X", "0000000000000000000000000000000000000000", false],
    ["a mixed-case token", "X", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6", true],
    ["a temp folder's random name (a path)", "TMPDIR", "/tmp/nixify-rust-tZH3Xw/shell/tmp/aB3dE6gH9jK2mN5pQ8sT1v", false],
    ["a long relative path", "OUT", "build/x86_64-unknown-linux-gnu/stage0-rustc/release/aB3dE6gH9jK2", false],
    ["a short value", "X", "aB3dE6gH9", false],
    ["lower case only", "X", "abcdefghijklmnopqrstuvwxyzabcdefghij", false],
    ["a value with spaces (RUSTFLAGS)", "RUSTFLAGS", "-Zallow-features= -Wrust_2018_idioms -Wunused_lifetimes -Dwarnings", false],
    ["the metadata of 1.85's plan", "__CARGO_DEFAULT_LIB_METADATA", "bootstrapstd", false],
  ])("isSecretValue: %s", (_, name, value, secret) => expect(isSecretValue(name, value)).toBe(secret));

  test("withoutSecretValues drops them and says which by name", () => {
    const dropped = new Set<string>();
    expect(withoutSecretValues({ LANG: "C.UTF-8", INNOCENT: GH_TOKEN, PROXY: "http://a:b@proxy:3128" }, dropped)).toEqual({ LANG: "C.UTF-8" });
    expect([...dropped].sort()).toEqual(["INNOCENT", "PROXY"]);
  });

  test("no variable of the real records looks like a secret", () => {
    for (const r of shell.filter((r) => r.type === "rust_compiler_invocation")) {
      const dropped = new Set<string>();
      withoutSecretValues(r.env, dropped);
      expect([...dropped]).toEqual([]);
    }
  });
});

describe("xpyEnv", () => {
  test.each([
    ["the allow-list passes", { PATH: "/usr/bin", LANG: "C.UTF-8", RUSTFLAGS: "-g" }, {}, { PATH: "/usr/bin", LANG: "C.UTF-8", RUSTFLAGS: "-g" }],
    ["what is not on it stays out", { PATH: "/usr/bin", GITHUB_TOKEN: GH_TOKEN, CARGO_HOME: "/home/user/.cargo", EDITOR: "vi" }, {}, { PATH: "/usr/bin" }],
    ["unset names stay unset", { LANG: undefined }, {}, {}],
    ["what gen sets wins", { PATH: "/usr/bin", TZ: "UTC" }, { HOME: "/tmp/h", TZ: "Europe/Paris" }, { PATH: "/usr/bin", TZ: "Europe/Paris", HOME: "/tmp/h" }],
  ])("%s", (_, from, set, expected) => expect(xpyEnv(from, set)).toEqual(expected));
});

describe("dropDotenvVariables", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });
  test("a variable the process did not start with (a .env file's) goes; the real environment stays", () => {
    process.env.NIXIFY_UNIT_FROM_DOTENV = "1";
    const path = process.env.PATH;
    dropDotenvVariables();
    expect(process.env.NIXIFY_UNIT_FROM_DOTENV).toBeUndefined();
    expect(process.env.PATH).toBe(path);
  });
});
