// The depths gen knows, by the name --depth takes: a new depth is one file and one line here.
import type { Depth } from "../schema.ts";
import { cargo } from "./cargo.ts";
import type { DepthDefinition } from "./depth.ts";
import { rustc } from "./rustc.ts";
import { shell } from "./shell.ts";

export const DEPTH_DEFINITIONS: { [D in Depth]: DepthDefinition } = { shell, cargo, rustc };
