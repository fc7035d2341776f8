// Both Python recorders read their environment by the names of one table (lib/schema.ts's
// RECORDER_ENV), and neither makes up a schema of its own.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { RECORDER_ENV } from "../../lib/schema.ts";

const capture = join(import.meta.dir, "../../lib/capture");
const recorder = await Bun.file(join(capture, "recorder.py")).text();
const rustcRecorder = await Bun.file(join(capture, "rustc-recorder.py")).text();
const names = (text: string) => [...new Set([...text.matchAll(/\b(NIXIFY_[A-Z_]+)\b/g)].map((m) => m[1]!))].sort();

test("the recorders read only variables of RECORDER_ENV, and together all of them", () => {
  const table = Object.values(RECORDER_ENV) as string[];
  for (const name of [...names(recorder), ...names(rustcRecorder)]) expect(table).toContain(name);
  expect([...new Set([...names(recorder), ...names(rustcRecorder)])].sort()).toEqual([...table].sort());
});

test("both recorders stamp the schema gen passes, with no default of their own", () => {
  for (const text of [recorder, rustcRecorder]) {
    expect(text).toContain(`int(os.environ["${RECORDER_ENV.schema}"])`);
    expect(text).not.toMatch(new RegExp(`${RECORDER_ENV.schema}", *"`));
  }
});
