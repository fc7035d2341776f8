// Preloaded by bunfig.toml for every `bun test`: hooks here belong to the whole run, not to a file.
import { afterAll } from "bun:test";
import { removeTempDirs } from "./helpers.ts";

afterAll(removeTempDirs);
