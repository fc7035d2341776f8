// The placeholder table (lib/symbolic.ts) is the one source of truth; the shell scripts that map
// placeholders back in a Nix build must know every one of them, and nothing else.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { PLACEHOLDERS } from "../lib/symbolic.ts";

const templates = join(import.meta.dir, "..", "lib", "templates");
const substituted = (text: string) => [...text.matchAll(/\$\{\w+\/\/(@\w+@)\//g)].map((m) => m[1]).sort();

test("run-step.sh maps back every placeholder of the table", async () => {
  expect(substituted(await Bun.file(join(templates, "run-step.sh")).text())).toEqual(Object.keys(PLACEHOLDERS).sort());
});

test("make-source.sh fills the toolchain's placeholders into the files gen supplies", async () => {
  expect(substituted(await Bun.file(join(templates, "make-source.sh")).text())).toEqual(["@cargo@", "@rustc@", "@sysroot@"]);
});
