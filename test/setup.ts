// Preloaded by bunfig.toml for every `bun test`: hooks here belong to the whole run, not to a file.
import { afterAll, beforeEach } from "bun:test";
import { removeTempDirs } from "./helpers.ts";

// A file's temp dirs go when the next file's first test starts, the last file's when the run ends.
beforeEach(() => removeTempDirs(Bun.main));
afterAll(() => removeTempDirs());
