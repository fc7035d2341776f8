// lib/capture/sources.ts: what of a real checkout the observed calls name, read once, as the steps'
// sources take it.
import { expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { checkoutPathsOf } from "../../lib/capture/sources.ts";
import type { ObservedRecord } from "../../lib/schema.ts";
import { checkoutPieces } from "../../lib/steps/sources.ts";
import { tempDir } from "../helpers.ts";

test("the paths the calls name that exist, and the packages among and above them", async () => {
  const root = await tempDir();
  await mkdir(join(root, "library/core/src"), { recursive: true });
  await Bun.write(join(root, "library/core/Cargo.toml"), "");
  await Bun.write(join(root, "library/core/src/lib.rs"), "");
  const args = ["@src@/library/core/src/lib.rs", "@src@/library/gone.rs"];
  const call: ObservedRecord = {
    type: "observed",
    schema: 1,
    tool: "rustc",
    command: "@rustc@",
    args,
    env: {},
    cwd: "@src@/library/core",
    inputs: [],
    outputs: [],
  };
  const checkout = checkoutPathsOf(root, [call.cwd, ...call.args, "@build@/x"]);
  expect(checkout).toEqual({ paths: new Set(["library/core", "library/core/src/lib.rs"]), packages: new Set(["library/core"]) });
  expect(checkoutPieces(checkout)(call)).toEqual(["library/core"]);
});
