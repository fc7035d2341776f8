import { defineCommand } from "citty";
import { resolve } from "node:path";
import { gen } from "../gen.ts";
import { DEFAULT_NIXPKGS } from "../render/render-tree.ts";
import { DEPTH_DEFINITIONS } from "../depths/index.ts";
import { DEPTHS } from "../schema.ts";
import { log, printable } from "../log.ts";
import { outputArgs, runReporting } from "./shared.ts";

/** `text` as one shell word: as it is when nothing in it is special to a shell, else single-quoted. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,.\/-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

export default defineCommand({
  meta: {
    name: "gen",
    description:
      "Record the commands x.py would run in a Rust checkout and write them as a tree of Nix flakes, one step per command. The checkout is only read.",
  },
  args: {
    src: { type: "string", valueHint: "DIR", description: "Rust checkout to read (default: the current folder if it is one, else the embedded sample tree)" },
    out: {
      type: "string",
      valueHint: "DIR",
      default: "./bootstrap",
      description: "Where to write the tree (through a link, into the folder it names); an existing folder is replaced only if gen made it",
    },
    mode: {
      type: "enum",
      options: ["first", "all"],
      default: "all",
      description: "all: record every call and let bootstrap.py go on as if each succeeded; first: record the first call and stop",
    },
    depth: {
      type: "enum",
      options: [...DEPTHS],
      default: "shell",
      description: DEPTHS.map((d) => DEPTH_DEFINITIONS[d].help).join("; "),
    },
    "run-toolchain": {
      type: "string",
      valueHint: "DIR",
      description:
        "A toolchain folder (bin/rustc, bin/cargo) x.py runs with during capture instead of downloading the pinned stage0 (--depth cargo: the steps still fetch the pinned one)",
    },
    config: { type: "string", valueHint: "FILE", description: "config.toml for x.py (default: the checkout's own config.toml, if any)" },
    "build-dir": { type: "string", valueHint: "DIR", description: "Writable build dir for the recorded x.py run (default: a temp folder)" },
    system: { type: "string", valueHint: "SYSTEM", description: "Nix system of the steps (default: from build.build in the config, else this machine)" },
    nixpkgs: { type: "string", valueHint: "URL", description: `Flake URL of the nixpkgs the tree pins (default: ${DEFAULT_NIXPKGS})` },
    force: {
      type: "boolean",
      description:
        "Write to --out even if nixify-rust did not generate it: that folder is moved aside (NAME.kept-by-nixify-rust), never deleted; never the source, a folder holding it, /, the home or the current folder",
    },
    ...outputArgs,
  },
  async run({ args }) {
    await runReporting(args, async () => {
      const xpyArgs = args._.length > 0 ? args._ : ["build"];
      const result = await gen({
        src: args.src,
        out: args.out,
        mode: args.mode === "first" ? "first" : "all",
        depth: DEPTHS.find((d) => d === args.depth) ?? "shell",
        runToolchain: args["run-toolchain"] === undefined ? undefined : resolve(args["run-toolchain"]),
        config: args.config,
        buildDir: args["build-dir"],
        system: args.system,
        xpyArgs,
        force: Boolean(args.force),
        nixpkgs: args.nixpkgs,
      });
      const { manifest, seconds } = result;
      const kinds = new Map<string, number>();
      for (const s of manifest.steps) kinds.set(`${s.emoji} ${s.kind}`, (kinds.get(`${s.emoji} ${s.kind}`) ?? 0) + 1);
      log.success(
        `${manifest.steps.length} steps written to ${result.out}${result.tree === result.out ? "" : ` (${result.tree})`} in ${seconds.total.toFixed(2)}s (x.py ${seconds.xpy.toFixed(2)}s): ${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}`,
      );
      for (const s of manifest.steps) log.info(`  ${s.id} ${s.emoji} ${printable(s.label)}${s.deps.length ? ` <- ${s.deps.join(" ")}` : ""}`);
      log.info(`build the last step with: nix build ${shellWord(`path:${result.tree}`)}`);
      if (args.json) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    });
  },
});
