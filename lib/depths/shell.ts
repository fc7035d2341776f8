// Depth shell: bootstrap.py's own commands (downloads, unpacks, the cargo build of the bootstrap
// crate, its run), recorded by a patched `run` in gen's copy; nothing is built.
import { BOOTSTRAP_PY, patchBootstrap } from "../capture/checkout.ts";
import { readRecords } from "../capture/records.ts";
import { symbolizerOf } from "../capture/symbolizer.ts";
import { symbolicRecord } from "../steps/symbolic-records.ts";
import type { DepthDefinition } from "./depth.ts";

export const shell: DepthDefinition = {
  help: "shell: bootstrap.py's own commands, nothing is built",
  doing: "recording x.py",
  builds: [],
  pinsToolchain: false,
  nothingRecorded: {
    code: "xpyFailed",
    message: "x.py finished without calling run: there is no command to turn into a step",
    hint: "check the x.py arguments (after --)",
  },
  async record({ bootstrap, xpyArgs, recordFile }) {
    return {
      files: new Map([[BOOTSTRAP_PY, patchBootstrap(bootstrap.text, bootstrap.file)]]),
      env: {},
      xpyArgs,
      records: () => readRecords(recordFile),
    };
  },
  steps(cap) {
    const sym = symbolizerOf(cap);
    return { records: cap.records.map((r) => symbolicRecord(r, sym)), chain: [], extraDeps: new Map() };
  },
};
