// Re-renders a compiler fixture, test/fixtures/compiler-<VERSION>.tar.xz (a real capture's tree, see
// test/compiler-cone.test.ts), as this version of gen writes it, without capturing again (that takes
// most of an hour): the captured steps.json and the config the capture supplied go through today's
// symbolizer for the machine's LLVM, libstdc++ and compiler-rt (lib/capture/llvm.ts, asking this
// machine's llvm-config as gen does), today's reshaping of depth rustc's steps (pipelining) and
// today's renderer; each step's sources by today's rule (steps/sources.ts) from what steps.json
// keeps of the call and the prepared checkout (test/support/prepare-debian-tree.sh), keeping
// the pieces the capture also took from rustc's dep-info. Per-step flakes are left out, as in the fixture. With --from, the fixture is
// made from a tree gen just wrote (a new capture) instead of the one it holds.
//   bun test/support/refresh-compiler-fixture.ts [1.63|1.95 ...]    (default: every fixture)
//   bun test/support/refresh-compiler-fixture.ts 1.95 --from TREE
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { machineLibraries } from "../../lib/capture/llvm.ts";
import { checkoutPathsOf } from "../../lib/capture/sources.ts";
import { rustc } from "../../lib/depths/rustc.ts";
import { withRealPaths } from "../../lib/paths.ts";
import { spawn } from "../../lib/process.ts";
import { renderTree } from "../../lib/render/render-tree.ts";
import type { Manifest, Step } from "../../lib/schema.ts";
import { checkoutPaths, makeSymbolizer, PLACEHOLDERS } from "../../lib/placeholders.ts";
import { checkoutPieces, namedTexts } from "../../lib/steps/sources.ts";

const VERSIONS = ["1.63", "1.95"];

async function run(argv: string[]): Promise<string> {
  const r = await spawn(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Each observed step's sources by today's rule: the pieces of what its call names as read (not a
 * remapped prefix), and of the capture's pieces those that are no remapped prefix only (the
 * capture also had rustc's dep-info, which steps.json does not keep).
 */
async function todaysSources(steps: Step[], version: string): Promise<Step[]> {
  const root = (await run(["bash", join(import.meta.dir, "prepare-debian-tree.sh"), version])).trim().split("\n").at(-1)!;
  const texts = steps.flatMap((s) => [...namedTexts(s).reads, ...(s.sources ?? []).map((p) => `@src@/${p}`)]);
  const pieces = checkoutPieces(checkoutPathsOf(root, texts));
  return steps.map((step) => {
    if (!step.sources) return step;
    // The capture's pieces stand in for the dep-info inputs, but for what only a remap names.
    const { reads, remaps } = namedTexts(step);
    const named = checkoutPaths(reads);
    const remapOnly = new Set(checkoutPaths(remaps).filter((p) => !named.includes(p)));
    const inputs = step.sources.filter((p) => !remapOnly.has(p)).map((p) => `@src@/${p}`);
    return { ...step, sources: pieces({ ...step, inputs }) };
  });
}

/** Every string in `json`, symbolized. */
function mapStrings(json: unknown, f: (s: string) => string): unknown {
  if (typeof json === "string") return f(json);
  if (Array.isArray(json)) return json.map((x) => mapStrings(x, f));
  if (json && typeof json === "object") return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, mapStrings(v, f)]));
  return json;
}

async function refresh(version: string, from?: string): Promise<void> {
  const FIXTURE = join(import.meta.dir, "..", "fixtures", `compiler-${version}.tar.xz`);
  const NAME = `compiler-${version}`;
  const SRC_URL = `path:/nonexistent/rust-${version}-prepared-as-debian-does`;
  const dir = await mkdtemp(join(tmpdir(), "nixify-fixture-"));
  try {
    const tree = join(dir, NAME);
    if (from) await cp(from, tree, { recursive: true });
    else await run(["tar", "-xJf", FIXTURE, "-C", dir]);
    const captured = JSON.parse(await Bun.file(join(tree, "steps.json")).text()) as Manifest;
    // The config the capture supplied (config.toml, or bootstrap.toml where the bootstrap reads that
    // first), a Nix string in its steps.nix (in JSON's escapes).
    const [, configName, configText] = /"((?:config|bootstrap)\.toml)" = ("(?:[^"\\]|\\.)*");/.exec(await Bun.file(join(tree, "steps.nix")).text())!;
    const config = JSON.parse(configText!) as string;
    const machine = await machineLibraries(
      captured.steps.map((s) => s.env),
      (p) => p.startsWith("@"),
    );
    const sym = makeSymbolizer(await withRealPaths(machine.paths));
    const manifest = { ...(mapStrings(captured, sym) as Manifest), placeholders: { ...PLACEHOLDERS } };
    // Today's reshaping of the steps (pipelining; a step already split is left as it is).
    manifest.steps = rustc.finishSteps!(await todaysSources(manifest.steps, version));
    if (machine.llvmVersion) manifest.llvm = { version: machine.llvmVersion };
    const files = renderTree({ manifest, srcUrl: SRC_URL, supplied: new Map([[configName!, sym(config)]]), generated: [] });
    await rm(tree, { recursive: true });
    for (const [rel, text] of files) if (!/^step\d+\/flake\.nix$/.test(rel)) await Bun.write(join(tree, rel), text);
    await run(["tar", "-cJf", FIXTURE, "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir, NAME]);
    console.log(
      `${FIXTURE}: ${manifest.steps.length} steps re-rendered; machine paths now placeholders: ${machine.paths.map(([p, h]) => `${p} -> ${h}`).join(", ")}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: "string" } } });
if (values.from && positionals.length !== 1) throw new Error("--from TREE makes one fixture: name its version");
for (const version of positionals.length > 0 ? positionals : VERSIONS) {
  if (!VERSIONS.includes(version)) throw new Error(`no compiler fixture of Rust ${version} (known: ${VERSIONS.join(", ")})`);
  await refresh(version, values.from);
}
