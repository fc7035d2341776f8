// The kept evaluation's key (lib/verify/eval-cache.ts): what of the checkout the steps read, where
// the tree's flake takes its source from (held to the renderer), and which changes the key sees.
import { describe, expect, test } from "bun:test";
import { mkdir, symlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { cacheKey, flakeSrc, sourceRead, statLine, type CacheInputs } from "../../lib/verify/eval-cache.ts";
import { renderTree } from "../../lib/render/render-tree.ts";
import type { Manifest, Step } from "../../lib/schema.ts";
import { tempDir } from "../helpers.ts";
import { fixtureSteps } from "./fixtures.ts";

const sample = { system: "x86_64-linux", steps: await fixtureSteps("sample.steps.json") } as Manifest;
const compiler = { system: "x86_64-linux", steps: await fixtureSteps("compiler-1.63.steps.json") } as Manifest;
const flakeOf = (srcUrl: string) => renderTree({ manifest: sample, srcUrl, supplied: new Map(), generated: [] }).get("flake.nix")!;

describe("what of the checkout the evaluation reads", () => {
  test("a step without sources reads all of it", () => {
    expect(sourceRead(sample, "")).toEqual({ all: true });
  });

  test("steps that name their sources read those pieces, and any piece steps.nix names", () => {
    const read = sourceRead(compiler, 'x = builders.mkPiece src "extra/\\"odd\\" piece";');
    if (read.all) throw new Error("expected pieces");
    expect(read.pieces).toContain("library/stdarch/crates/core_arch");
    expect(read.pieces).toContain('extra/"odd" piece');
    expect(read.pieces).toEqual([...new Set(read.pieces)].sort());
    const oneWithout = { ...compiler, steps: [...compiler.steps, { ...compiler.steps[0]!, sources: undefined } as Step] };
    expect(sourceRead(oneWithout, "")).toEqual({ all: true });
  });
});

describe("the tree's source folder, read from the flake gen writes", () => {
  test("a path: URL, an absolute path in the attribute form, a path relative to the tree", () => {
    expect(flakeSrc(flakeOf("path:/srv/rust-1.63"), "/t")).toBe("/srv/rust-1.63");
    expect(flakeSrc(flakeOf('path:/srv/a "b" ${c}\nd'), "/t")).toBe('/srv/a "b" ${c}\nd');
    expect(flakeSrc(flakeOf("path:./src"), "/t/tree")).toBe("/t/tree/src");
  });

  test("anything else is no folder it knows (the evaluation is then not kept)", () => {
    expect(flakeSrc('{ inputs.src = { url = "github:rust-lang/rust"; flake = false; }; }', "/t")).toBeUndefined();
    expect(flakeSrc('{ inputs.src = { url = "path:/a?rev=1"; }; }', "/t")).toBeUndefined();
    expect(flakeSrc("{ }", "/t")).toBeUndefined();
  });
});

describe("a walk entry", () => {
  const st = (over: Partial<Record<"size" | "mtimeNs" | "ctimeNs" | "ino", bigint>> = {}, dir = false) => ({
    mode: 0o100644n,
    size: 3n,
    mtimeNs: 1n,
    ctimeNs: 2n,
    ino: 7n,
    ...over,
    isDirectory: () => dir,
  });
  test("a file's line changes with its size, times or inode", () => {
    for (const over of [{ size: 4n }, { mtimeNs: 9n }, { ctimeNs: 9n }, { ino: 9n }]) expect(statLine("a", st(over))).not.toBe(statLine("a", st()));
  });
  test("a folder's does not change with its times (a file made and removed in it)", () => {
    expect(statLine("d", st({ mtimeNs: 9n, ctimeNs: 9n }, true))).toBe(statLine("d", st({}, true)));
  });
});

describe("the key", async () => {
  const root = await tempDir();
  const [tree, src, standIn] = ["tree", "src", "nixpkgs-host"].map((d) => join(root, d)) as [string, string, string];
  await Bun.write(join(tree, "steps.nix"), "{ }\n");
  await Bun.write(join(standIn, "flake.nix"), "{ }\n");
  await Bun.write(join(src, "vendor/thiserror-impl/src/lib.rs"), "fn a() {}\n");
  await Bun.write(join(src, "vendor/other/lib.rs"), "fn b() {}\n");
  const inputs = (manifest: Manifest): CacheInputs => ({
    treeDir: tree,
    read: sourceRead(manifest, "{ }\n"),
    src,
    standIn,
    argv: ["eval", "--impure", "--expr", "x"],
  });
  const one = { ...compiler, steps: [{ ...compiler.steps[0]!, sources: ["vendor/thiserror-impl"] }] } as Manifest;

  test("sees a touched piece, not a file no step reads", async () => {
    const before = cacheKey(inputs(one));
    expect(cacheKey(inputs(one))).toBe(before);
    await Bun.write(join(src, "vendor/other/lib.rs"), "fn c() {}\n");
    expect(cacheKey(inputs(one))).toBe(before);
    const now = new Date();
    await utimes(join(src, "vendor/thiserror-impl/src/lib.rs"), now, now);
    expect(cacheKey(inputs(one))).not.toBe(before);
  });

  test("sees a file added to a piece, and a tree or stand-in file whose bytes changed (same size)", async () => {
    const before = cacheKey(inputs(one));
    await Bun.write(join(src, "vendor/thiserror-impl/new.rs"), "");
    const added = cacheKey(inputs(one));
    expect(added).not.toBe(before);
    await Bun.write(join(tree, "steps.nix"), "{ }\t");
    const edited = cacheKey(inputs(one));
    expect(edited).not.toBe(added);
    await Bun.write(join(standIn, "flake.nix"), "{ }\t");
    expect(cacheKey(inputs(one))).not.toBe(edited);
    expect(cacheKey({ ...inputs(one), argv: ["eval", "--impure", "--expr", "y"] })).not.toBe(cacheKey(inputs(one)));
  });

  test("a piece given to the evaluation by its hash is known by that hash, not walked", async () => {
    const hashed = (hash: string): CacheInputs => ({ ...inputs(one), pieceHashes: { "vendor/thiserror-impl": hash } });
    const before = cacheKey(hashed("sha256-a"));
    const now = new Date();
    await utimes(join(src, "vendor/thiserror-impl/src/lib.rs"), now, now);
    expect(cacheKey(hashed("sha256-a"))).toBe(before);
    expect(cacheKey(hashed("sha256-b"))).not.toBe(before);
  });

  test("a piece that is a link is a doubt: no key (the tree is evaluated)", async () => {
    await symlink("thiserror-impl", join(src, "vendor/linked"));
    const linked = { ...one, steps: [{ ...one.steps[0]!, sources: ["vendor/linked"] }] } as Manifest;
    expect(() => cacheKey(inputs(linked))).toThrow("is a symbolic link");
  });

  test("reading the whole checkout, leaves out what cleanSource does: x.py's build dir and result links", async () => {
    await mkdir(join(src, "sub"), { recursive: true });
    const before = cacheKey(inputs(sample));
    await Bun.write(join(src, "build/x86_64-unknown-linux-gnu/stage0/a"), "x");
    await symlink("/nowhere", join(src, "sub/result-1"));
    expect(cacheKey(inputs(sample))).toBe(before);
    await Bun.write(join(src, "sub/new.rs"), "");
    expect(cacheKey(inputs(sample))).not.toBe(before);
  });
});
