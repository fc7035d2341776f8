// The bootstrap's hand-overs found from real files: hard links and copies of call outputs in a
// sysroot become hand-over steps, one per set of copies the calls saw.
import { expect, test } from "bun:test";
import { copyFile, link, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { findHandovers } from "../lib/handovers.ts";
import type { ObservedRecord } from "../lib/schema.ts";
import { tempDir } from "./helpers.ts";

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
