// lib/placeholders.ts (and a capture's symbolizerOf): the absolute paths of a real capture become placeholders.
import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../lib/capture/config-toml.ts";
import { symbolizerOf } from "../../lib/capture/symbolizer.ts";
import { configToolchain } from "../../lib/capture/toolchain.ts";
import { PLACEHOLDERS, makeSymbolizer } from "../../lib/placeholders.ts";
import { fixtureCapture } from "./fixtures.ts";

const cap = await fixtureCapture("shell-1.85.capture.json");
const p = cap.paths;

describe("makeSymbolizer", () => {
  const sym = makeSymbolizer([
    [p.overlay, "@src@"],
    [p.work, "@work@"],
    [p.build, "@build@"],
    [p.home, "@home@"],
    [p.tmp, "@tmp@"],
  ]);
  test.each([
    ["the copy of the checkout", `${p.overlay}/src/bootstrap/Cargo.toml`, "@src@/src/bootstrap/Cargo.toml"],
    [
      "the build dir inside the work dir: the longer path wins",
      `${p.build}/x86_64-unknown-linux-gnu/stage0/bin/cargo`,
      "@build@/x86_64-unknown-linux-gnu/stage0/bin/cargo",
    ],
    ["the work dir itself", p.work, "@work@"],
    ["every occurrence in one text", `-Zroot-dir=${p.overlay} ${p.overlay}/x`, "-Zroot-dir=@src@ @src@/x"],
    ["a PATH-like list", `${p.build}/x86_64-unknown-linux-gnu/stage0/bin:/usr/bin`, "@build@/x86_64-unknown-linux-gnu/stage0/bin:/usr/bin"],
    ["curl's random temp file (1.85's download target)", `${p.tmp}/tmpifs_mrmm`, "@tmp@/download"],
    ["a path elsewhere stays", "/usr/bin/python3", "/usr/bin/python3"],
  ])("%s", (_, text, expected) => expect(sym(text)).toBe(expected));

  test("a path of one character (the root) is never replaced", () => {
    expect(
      makeSymbolizer([
        ["/", "@src@"],
        ["", "@build@"],
      ])("/usr/bin"),
    ).toBe("/usr/bin");
  });

  test("every placeholder is @name@ and described", () => {
    for (const [name, what] of Object.entries(PLACEHOLDERS)) {
      expect(name).toMatch(/^@[a-z][a-z-]*@$/);
      expect(what.length).toBeGreaterThan(10);
    }
  });
});

describe("symbolizerOf (capture)", () => {
  test("a capture's paths, the source root among them", () => {
    const sym = symbolizerOf(cap);
    expect(sym(`${p.root}/src/stage0`)).toBe("@src@/src/stage0");
    expect(sym(`${p.home}/.cargo`)).toBe("@home@/.cargo");
  });

  test("a dry run plans in build/tmp-dry-run: that is the build dir too", () => {
    const sym = symbolizerOf(cap);
    expect(sym(`${p.build}/tmp-dry-run/x86_64-unknown-linux-gnu/stage0-std`)).toBe("@build@/x86_64-unknown-linux-gnu/stage0-std");
  });

  test("the config's toolchain becomes @rustc@ and @cargo@", async () => {
    const toolchain = await configToolchain(parseConfig('[build]\nrustc = "/nonexistent/tc/bin/rustc"\ncargo = "/nonexistent/tc/bin/cargo"\n'), false);
    const sym = symbolizerOf({ ...cap, machinePaths: toolchain.paths });
    expect(sym("/nonexistent/tc/bin/rustc --version")).toBe("@rustc@ --version");
    expect(sym("CARGO=/nonexistent/tc/bin/cargo")).toBe("CARGO=@cargo@");
  });
});
