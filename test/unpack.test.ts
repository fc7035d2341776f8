// A stage0 download and its unpacking, as recorded from Rust 1.85's bootstrap.py (the real steps,
// test/fixtures/unit/shell-1.85.steps.json), built through real Nix offline: the tarball is a
// small one of the same layout, put in the store as the user would (nix-store --add-fixed).
import { expect, test } from "bun:test";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "../lib/process.ts";
import { renderTree } from "../lib/render/render-tree.ts";
import type { Step } from "../lib/schema.ts";
import { cli, offlineNixEnv, tempDir } from "./helpers.ts";
import { fixtureSteps, manifestOf } from "./unit/fixtures.ts";

test("an unpack step puts the tarball's FNAME/MATCH/ into its destination", async () => {
  const dir = await tempDir();
  const [download, unpack] = (await fixtureSteps("shell-1.85.steps.json")).filter((s) => s.id === "step001" || s.id === "step004") as [Step, Step];
  const name = download.fetch!.name;
  const fname = name.replace(/\.tar\.xz$/, "");
  const match = unpack.args[2]!;
  // The rust-std tarball's layout: FNAME/MATCH/lib/rustlib/..., beside files unpack leaves out.
  await mkdir(join(dir, "t", fname, match, "lib/rustlib/x86_64-unknown-linux-gnu/lib"), { recursive: true });
  await Bun.write(join(dir, "t", fname, match, "lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd.rlib"), "std\n");
  await Bun.write(join(dir, "t", fname, "install.sh"), "#!/bin/sh\n");
  expect((await spawn(["tar", "-cJf", join(dir, name), "-C", join(dir, "t"), fname])).code).toBe(0);
  const sha256 = new Bun.CryptoHasher("sha256").update(await Bun.file(join(dir, name)).arrayBuffer()).digest("hex");

  const steps: Step[] = [
    { ...download, fetch: { ...download.fetch!, sha256 } },
    { ...unpack, id: "step002", index: 2, deps: ["step001"] },
  ];
  const manifest = manifestOf(steps);
  const tree = join(dir, "tree");
  for (const [rel, text] of renderTree({ manifest, srcUrl: "path:./src", supplied: new Map(), generated: [] })) await Bun.write(join(tree, rel), text);
  await Bun.write(join(tree, "src/README"), "no source is read\n");

  const state = join(dir, "nix");
  const added = await spawn(["nix-store", "--add-fixed", "sha256", join(dir, name)], { env: await offlineNixEnv(state) });
  expect({ code: added.code, err: added.stderr }).toEqual({ code: 0, err: "" });
  const v = await cli(["verify", tree, "--offline", "--state", state, "--json"]);
  const report = JSON.parse(v.stdout);
  expect({ code: v.code, statuses: report.steps.map((s: { status: string }) => s.status) }).toEqual({ code: 0, statuses: ["built", "passed"] });
  const stage0 = join(report.steps[1].outPath, "build/x86_64-unknown-linux-gnu/stage0");
  expect(await readdir(stage0)).toEqual(["lib"]);
  expect(await Bun.file(join(stage0, "lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd.rlib")).text()).toBe("std\n");
});
