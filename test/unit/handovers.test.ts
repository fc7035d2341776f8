// The bootstrap's hand-overs found from real files: hard links and copies of call outputs in a
// sysroot become hand-over steps, one per set of copies the calls saw.
import { describe, expect, test } from "bun:test";
import { copyFile, link, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { findHandovers } from "../../lib/steps/handovers.ts";
import type { ObservedRecord } from "../../lib/schema.ts";
import { tempDir } from "../helpers.ts";

test("copies and hard links into sysroots become hand-overs, grouped by what each call saw", async () => {
  const build = await tempDir();
  const host = join(build, "x86_64-unknown-linux-gnu");
  const deps = join(host, "stage0-std/release/deps");
  const sysroot = join(host, "stage0-sysroot/lib/rustlib/x86_64-unknown-linux-gnu/lib");
  const stage1 = join(host, "stage1");
  for (const d of [deps, sysroot, join(stage1, "bin"), join(stage1, "lib"), join(host, "stage0-rustc/release")]) await mkdir(d, { recursive: true });
  await Bun.write(join(deps, "libcore-1.rlib"), "core");
  await Bun.write(join(deps, "libstd-2.rlib"), "std!");
  await Bun.write(join(host, "stage0-rustc/release/rustc-main"), "compiler");
  await link(join(deps, "libcore-1.rlib"), join(sysroot, "libcore-1.rlib"));
  await copyFile(join(deps, "libstd-2.rlib"), join(sysroot, "libstd-2.rlib"));
  await copyFile(join(host, "stage0-rustc/release/rustc-main"), join(stage1, "bin/rustc"));
  await Bun.write(join(stage1, "lib/stamp"), "made by the bootstrap itself");

  const call = (outputs: string[], sees: string[]): ObservedRecord => ({
    type: "observed", schema: 1, tool: "rustc", command: "rustc", args: [], env: {}, cwd: build, inputs: [], outputs, sees,
  });
  const inSysroot: [string, string] = [join(sysroot, "libcore-1.rlib"), join(sysroot, "libstd-2.rlib")];
  const records = [
    call([join(deps, "libcore-1.rlib")], []),
    call([join(deps, "libstd-2.rlib")], []),
    call([join(host, "stage0-rustc/release/rustc-main")], inSysroot),
    call([join(host, "stage0-rustc/release/other")], [...inSysroot].reverse()),
    call([join(host, "stage1-std/libcore.rlib")], [join(stage1, "bin/rustc"), join(stage1, "lib/stamp")]),
  ];
  const final = new Map([[stage1, [join(stage1, "bin/rustc"), join(stage1, "lib/stamp")]]]);
  const h = await findHandovers(records, build, final);

  expect(h.records.map((r) => r.args)).toEqual([
    [join(deps, "libcore-1.rlib"), inSysroot[0], join(deps, "libstd-2.rlib"), inSysroot[1]],
    [join(host, "stage0-rustc/release/rustc-main"), join(stage1, "bin/rustc")],
  ]);
  expect(h.records.every((r) => r.tool === "handover")).toBe(true);
  expect(h.records[0]!.inputs).toEqual([join(deps, "libcore-1.rlib"), join(deps, "libstd-2.rlib")]);
  // Both compiler calls saw the same two copies: one hand-over serves both.
  expect([...h.readBy]).toEqual([[2, [0]], [3, [0]], [4, [1]]]);
  expect(h.unexplained).toEqual([join(stage1, "lib/stamp")]);
});

describe("what counts as a copy of a call's output", () => {
  const call = (outputs: string[], sees: string[] = []): ObservedRecord => ({
    type: "observed", schema: 1, tool: "rustc", command: "rustc", args: [], env: {}, cwd: "/", inputs: [], outputs, sees,
  });
  // Each case: the seen file is made from the output `lib.rlib` ("same bytes") in some way.
  test.each<[string, boolean, (out: string, seen: string) => Promise<unknown>]>([
    ["a hard link", true, (out, seen) => link(out, seen)],
    ["a copy", true, (out, seen) => copyFile(out, seen)],
    ["a file of the same size with other bytes", false, (_, seen) => Bun.write(seen, "LIB!")],
    ["a file of another size", false, (_, seen) => Bun.write(seen, "a library")],
    ["a symbolic link (not a file)", false, (out, seen) => symlink(out, seen)],
  ])("%s: a copy %p", async (_, copied, make) => {
    const build = await tempDir();
    await mkdir(join(build, "deps"));
    await mkdir(join(build, "sysroot"));
    const out = join(build, "deps", "lib.rlib");
    const seen = join(build, "sysroot", "lib.rlib");
    await Bun.write(out, "lib!");
    await make(out, seen);
    const h = await findHandovers([call([out]), call([join(build, "x")], [seen])], build, new Map());
    expect({ handovers: h.records.map((r) => r.args), readBy: [...h.readBy], unexplained: h.unexplained }).toEqual(
      copied ? { handovers: [[out, seen]], readBy: [[1, [0]]], unexplained: [] } : { handovers: [], readBy: [], unexplained: [seen] },
    );
  });

  test("a hand-over runs cp beside the build dir, with no environment", async () => {
    const build = await tempDir();
    await Bun.write(join(build, "a"), "x");
    await link(join(build, "a"), join(build, "b"));
    const [h] = (await findHandovers([call([join(build, "a")]), call([], [join(build, "b")])], join(build, "build"), new Map())).records;
    expect(h).toEqual({
      type: "observed", schema: 1, tool: "handover", command: "cp", args: [join(build, "a"), join(build, "b")], env: {}, cwd: build,
      inputs: [join(build, "a")], outputs: [join(build, "b")],
    });
  });

  test("a final sysroot some call already saw whole is no second hand-over; nothing seen, nothing handed over", async () => {
    const build = await tempDir();
    await Bun.write(join(build, "a"), "x");
    await link(join(build, "a"), join(build, "b"));
    const seenWhole = await findHandovers([call([join(build, "a")]), call([], [join(build, "b")])], build, new Map([[build, [join(build, "b")]]]));
    expect(seenWhole.records).toHaveLength(1);
    expect(await findHandovers([call([join(build, "a")])], build, new Map())).toEqual({ records: [], readBy: new Map(), unexplained: [] });
  });
});

test("since the stage-0 redesign, the pinned toolchain's libraries linked into stage0-sysroot are a hand-over from the toolchain", async () => {
  const build = await tempDir();
  const toolchain = await tempDir();
  const lib = join(toolchain, "lib/rustlib/x86_64-unknown-linux-gnu/lib");
  const sysroot = join(build, "x86_64-unknown-linux-gnu/stage0-sysroot/lib/rustlib/x86_64-unknown-linux-gnu/lib");
  await mkdir(lib, { recursive: true });
  await mkdir(sysroot, { recursive: true });
  await Bun.write(join(lib, "libstd-1.rlib"), "the toolchain's std");
  await link(join(lib, "libstd-1.rlib"), join(sysroot, "libstd-1.rlib"));
  // A call's output wins over the toolchain's file of the same bytes.
  const out = join(build, "x86_64-unknown-linux-gnu/stage1-rustc/release/deps/libsame-2.rlib");
  await mkdir(join(out, ".."), { recursive: true });
  await Bun.write(out, "same bytes");
  await Bun.write(join(lib, "libsame-2.rlib"), "same bytes");
  await copyFile(out, join(sysroot, "libsame-2.rlib"));
  const seen: [string, string] = [join(sysroot, "libsame-2.rlib"), join(sysroot, "libstd-1.rlib")];
  const call: ObservedRecord = { type: "observed", schema: 1, tool: "rustc", command: join(toolchain, "bin/rustc"), args: [], env: {}, cwd: build, inputs: [], outputs: [out], sees: seen };

  const h = await findHandovers([call], build, new Map(), [join(lib, "libsame-2.rlib"), join(lib, "libstd-1.rlib")]);
  expect(h.records.map((r) => r.args)).toEqual([[out, seen[0], join(lib, "libstd-1.rlib"), seen[1]]]);
  expect(h.unexplained).toEqual([]);
  // Without the toolchain's files, its std is no one's: the calls would find no std.
  expect((await findHandovers([call], build, new Map())).unexplained).toEqual([seen[1]]);
});
