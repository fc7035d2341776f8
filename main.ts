#!/usr/bin/env bun
// nixify-rust: the Rust bootstrap (x.py) as a tree of Nix derivations. This file only wires commands.
import { defineCommand } from "citty";
import { runCli } from "./lib/commands/cli.ts";
import pkg from "./package.json";

const main = defineCommand({
  meta: { name: "nixify-rust", version: pkg.version, description: pkg.description },
  subCommands: {
    gen: () => import("./lib/commands/gen.ts").then((m) => m.default),
    verify: () => import("./lib/commands/verify.ts").then((m) => m.default),
    graph: () => import("./lib/commands/graph.ts").then((m) => m.default),
  },
});

await runCli(main);
