// What the capture reads of the build's sysroots (lib/capture/sysroots.ts), from real files: hard
// links and copies of call outputs are found as copies, each sysroot as the build left it is listed.
import { describe, expect, test } from "bun:test";
import { copyFile, link, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { sysrootsOf } from "../../lib/capture/sysroots.ts";
import { findHandovers } from "../../lib/steps/handovers.ts";
import { tempDir } from "../helpers.ts";
import { observedCall } from "./fixtures.ts";

test("copies and hard links into sysroots are found; the sysroots the calls used, as the build left them", async () => {
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

  const inSysroot: [string, string] = [join(sysroot, "libcore-1.rlib"), join(sysroot, "libstd-2.rlib")];
  const records = [
    observedCall([join(deps, "libcore-1.rlib")]),
    observedCall([join(deps, "libstd-2.rlib")]),
    observedCall([join(host, "stage0-rustc/release/rustc-main")], inSysroot, { args: ["--sysroot", "x86_64-unknown-linux-gnu/stage0-sysroot"], cwd: build }),
    // The stage-1 compiler's own sysroot; a compiler outside the build dir has none of the build's.
    observedCall([join(host, "stage1-std/libcore.rlib")], [join(stage1, "bin/rustc"), join(stage1, "lib/stamp")], { command: join(stage1, "bin/rustc") }),
    observedCall([join(host, "stage1-std/liballoc.rlib")], [], { command: "/usr/bin/rustc" }),
  ];
  const found = await sysrootsOf(records, build);
  expect(found).toEqual({
    final: new Map([
      [join(host, "stage0-sysroot"), inSysroot],
      [stage1, [join(stage1, "bin/rustc"), join(stage1, "lib/stamp")]],
    ]),
    origins: new Map([
      [inSysroot[0], join(deps, "libcore-1.rlib")],
      [inSysroot[1], join(deps, "libstd-2.rlib")],
      [join(stage1, "bin/rustc"), join(host, "stage0-rustc/release/rustc-main")],
    ]),
    unexplained: [join(stage1, "lib/stamp")],
  });
});

describe("what counts as a copy of a call's output", () => {
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
    const records = [observedCall([out]), observedCall([join(build, "x")], [seen])];
    const found = await sysrootsOf(records, build);
    const h = findHandovers(records, build, found);
    expect({ handovers: h.records.map((r) => r.args), readBy: [...h.readBy], unexplained: found.unexplained }).toEqual(
      copied ? { handovers: [[out, seen]], readBy: [[1, [0]]], unexplained: [] } : { handovers: [], readBy: [], unexplained: [seen] },
    );
  });
});

test("since the stage-0 redesign, the pinned toolchain's libraries linked into stage0-sysroot are copies of the toolchain's files", async () => {
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
  const inStage0Sysroot = { args: ["--sysroot", "x86_64-unknown-linux-gnu/stage0-sysroot"], cwd: build };
  const stage0 = observedCall([out], seen, { command: join(toolchain, "bin/rustc"), ...inStage0Sysroot });

  const found = await sysrootsOf([stage0], build, [toolchain]);
  expect(found.origins).toEqual(
    new Map([
      [seen[0], out],
      [seen[1], join(lib, "libstd-1.rlib")],
    ]),
  );
  expect(found.unexplained).toEqual([]);
  expect(findHandovers([stage0], build, found).records.map((r) => r.args)).toEqual([[out, seen[0], join(lib, "libstd-1.rlib"), seen[1]]]);
  // Without the pinned toolchain (a compiler in the build dir is none), its std is no one's.
  const own = observedCall([out], seen, { command: join(build, "x86_64-unknown-linux-gnu/stage1/bin/rustc"), ...inStage0Sysroot });
  expect((await sysrootsOf([own], build)).unexplained).toEqual([seen[1]]);
});
