// lib/capture/config-toml.ts and lib/capture/system.ts: the few config.toml keys gen reads and sets, and the Nix
// system of a build triple. Configs are those the real suites and the benchmark run with.
import { describe, expect, test } from "bun:test";
import { configValue, parseConfig, setBuildValue, withoutValue } from "../../lib/capture/config-toml.ts";
import { hostSystem, systemOfTriple } from "../../lib/capture/system.ts";
import { thrown } from "./fixtures.ts";

const STAGE0 = "/home/user/.cache/nixify-rust/stage0/rustc-1.63.0-cargo-0.66.0-bookworm-r2";
/** test/deep-rustc.test.ts's and bench/compiler.ts's config. */
const DEEP_RUSTC = `changelog-seen = 2\n[build]\nrustc = "${STAGE0}/bin/rustc"\ncargo = "${STAGE0}/bin/cargo"\nsubmodules = false\nlocal-rebuild = true\nvendor = true\n`;
/** test/deep-cargo.test.ts's config. */
const DEEP_CARGO = "change-id = 134650\n[build]\nsubmodules = false\noptimized-compiler-builtins = false\n[rust]\ndeny-warnings = false\n";
/** What gen supplies to a trimmed tree (lib/capture/capture.ts). */
const TRIMMED = "# Supplied by nixify-rust: the checkout has no .git and no config.toml.\n[build]\nsubmodules = false\n";
/** Lines of Rust 1.85's config.example.toml: the keys commented out. */
const EXAMPLE =
  '[build]\n#build = "x86_64-unknown-linux-gnu" (as an example)\n#cargo = "/path/to/cargo"\n#rustc = "/path/to/rustc"\n[rust]\n#channel = "dev"\n';

describe("configValue", () => {
  test.each([
    ["build.rustc of a real config", DEEP_RUSTC, "build.rustc", `${STAGE0}/bin/rustc`],
    ["build.cargo of a real config", DEEP_RUSTC, "build.cargo", `${STAGE0}/bin/cargo`],
    ["a key the config does not set", DEEP_CARGO, "build.rustc", undefined],
    ["a commented-out key", EXAMPLE, "build.rustc", undefined],
    ["rust.channel", '[rust]\nchannel = "nightly"\n', "rust.channel", "nightly"],
    ["an indented key without spaces around =", '[build]\n  rustc="/opt/rustc"\n', "build.rustc", "/opt/rustc"],
    ["a longer key that starts with the name", '[build]\ncargo-native-static = "x"\n', "build.cargo", undefined],
    ["an empty value", '[build]\nrustc = ""\n', "build.rustc", ""],
    ["no config at all", undefined, "build.rustc", undefined],
    ["an empty config", "", "build.rustc", undefined],
    ["a key of another table is not it", '[dist]\nrustc = "/x"\n', "build.rustc", undefined],
    ["a dotted key at the top", 'build.rustc = "/d"\n', "build.rustc", "/d"],
    [
      "a target's key, its triple's dots and all",
      '[target.x86_64-unknown-linux-gnu]\nllvm-config = "/usr/bin/llvm-config-14"\n',
      "target.x86_64-unknown-linux-gnu.llvm-config",
      "/usr/bin/llvm-config-14",
    ],
    ["build.build", '[build]\nbuild = "aarch64-unknown-linux-gnu"\n', "build.build", "aarch64-unknown-linux-gnu"],
    ["with a comment after the header", '[build] # ours\n  build = "x86_64-apple-darwin"\n', "build.build", "x86_64-apple-darwin"],
    ["a value that is no string", "[build]\nrustc = 1\n", "build.rustc", undefined],
  ])("%s", (_, config, key, value) => expect(configValue(config === undefined ? undefined : parseConfig(config), key)).toBe(value));
});

describe("setBuildValue", () => {
  test.each([
    ["replaces the value where the key is set", DEEP_RUSTC, "rustc", "/run/bin/rustc", DEEP_RUSTC.replace(`"${STAGE0}/bin/rustc"`, '"/run/bin/rustc"')],
    ["adds the key under an existing [build]", TRIMMED, "rustc", "/run/bin/rustc", TRIMMED.replace("[build]\n", '[build]\nrustc = "/run/bin/rustc"\n')],
    ["adds a [build] table where there is none", "change-id = 1\n\n", "cargo", "/run/bin/cargo", 'change-id = 1\n\n[build]\ncargo = "/run/bin/cargo"\n'],
    ["starts a config from nothing", "", "rustc", "/r", '\n\n[build]\nrustc = "/r"\n'],
    ["takes $& in a value literally", DEEP_RUSTC, "cargo", "/x/$&/cargo", DEEP_RUSTC.replace(`"${STAGE0}/bin/cargo"`, () => '"/x/$&/cargo"')],
  ])("%s", (_, config, key, value, expected) => {
    const out = setBuildValue(config, key, value);
    expect(out).toBe(expected);
    expect(configValue(parseConfig(out), `build.${key}`)).toBe(value);
  });

  test("escapes the value as a TOML basic string", () => {
    expect(setBuildValue(TRIMMED, "rustc", 'C:\\a "b"')).toBe(TRIMMED.replace("[build]\n", '[build]\nrustc = "C:\\\\a \\"b\\""\n'));
  });

  test("configValue reads back a value setBuildValue escaped", () => {
    expect(configValue(parseConfig(setBuildValue(TRIMMED, "rustc", 'C:\\a "b"')), "build.rustc")).toBe('C:\\a "b"');
  });
  test("configValue reads a TOML literal string", () => {
    expect(configValue(parseConfig("[build]\nrustc = '/opt/rustc'\n"), "build.rustc")).toBe("/opt/rustc");
  });
  test("a config that is not TOML is bad input, in one line", async () => {
    expect(await thrown(() => parseConfig("[build\nrustc = 1\n"))).toEqual({
      code: "badInput",
      message: "the config is not TOML: TOML Parse error: Expected ']' to close a table header but found (0x0A)",
    });
  });
  test("setBuildValue finds a [build] header followed by a comment", () => {
    expect(setBuildValue("[build] # ours\nsubmodules = false\n", "rustc", "/r").match(/\[build\]/g)).toHaveLength(1);
  });

  test("gen's --run-toolchain: both tools set on the trimmed tree's config, each once", () => {
    const out = ["rustc", "cargo"].reduce((c, tool) => setBuildValue(c, tool, `/tc/bin/${tool}`), TRIMMED);
    expect(out).toBe(`${TRIMMED.replace("[build]\n", '[build]\ncargo = "/tc/bin/cargo"\nrustc = "/tc/bin/rustc"\n')}`);
    expect(out.match(/^\[build\]/gm)).toHaveLength(1);
  });
});

describe("systemOfTriple", () => {
  test.each([
    ["x86_64-unknown-linux-gnu", "x86_64-linux"],
    ["x86_64-unknown-linux-musl", "x86_64-linux"],
    ["aarch64-unknown-linux-gnu", "aarch64-linux"],
    ["aarch64-apple-darwin", "aarch64-darwin"],
    ["x86_64-apple-darwin", "x86_64-darwin"],
    ["arm64-apple-darwin", "aarch64-darwin"],
  ])("%s -> %s", (triple, system) => expect(systemOfTriple(triple)).toBe(system));

  test.each([
    ["an architecture Nix has no system for here", "i686-unknown-linux-gnu"],
    ["Windows", "x86_64-pc-windows-msvc"],
    ["Android's three-part triple", "aarch64-linux-android"],
    ["not a triple", "linux"],
  ])("%s is bad input", async (_, triple) => {
    expect(await thrown(() => systemOfTriple(triple))).toEqual({ code: "badInput", message: `no Nix system known for build triple ${triple}` });
  });

  test("hostSystem is this machine's, in the same form", () => {
    const arch = { x64: "x86_64", arm64: "aarch64" }[process.arch as string];
    expect(hostSystem()).toBe(`${arch}-${process.platform}`);
  });
});

describe("withoutValue", () => {
  test.each<[string, string, string]>([
    ["the line goes, the rest stays", '[build]\nrustc = "/r"\nbuild-dir = "/b"\nvendor = true\n', '[build]\nrustc = "/r"\nvendor = true\n'],
    ["the last line, without a newline", '[build]\nbuild-dir = "/b"', "[build]\n"],
    ["not set: unchanged", '[build]\nrustc = "/r"\n', '[build]\nrustc = "/r"\n'],
  ])("%s", (_, config, want) => expect(withoutValue(config, "build-dir")).toBe(want));
});
