// Depth cargo: the bootstrap binary is built and asked for its plan (x.py --dry-run -v prints each
// cargo call it would make); the steps are the outer shell as bootstrap.py records it, then those
// cargo calls, one after another, in place of the bootstrap binary's single run.
import { cargoCallsOfDryRun } from "../capture/dry-run.ts";
import { symbolizerOf } from "../capture/symbolizer.ts";
import { symbolicRecord } from "../steps/symbolic-records.ts";
import type { DepthDefinition } from "./depth.ts";
import { shell } from "./shell.ts";

export const cargo: DepthDefinition = {
  help: "cargo: build the bootstrap binary and make each cargo call of its plan (x.py --dry-run -v) a step",
  doing: "asking the bootstrap binary for its plan of x.py",
  builds: ["bootstrap"],
  pinsToolchain: false,
  nothingRecorded: {
    code: "xpyFailed",
    message: "the bootstrap binary's dry run listed no cargo build: there is no cargo call to turn into a step",
    hint: "--depth cargo needs a bootstrap whose `--dry-run -v` prints its commands (1.85 does, 1.63 does not); use --depth rustc there",
  },
  async record({ xpyArgs }) {
    // 1.85 prints `running: cd ... && env ... "cargo" ...`; only these lines are kept whole.
    const plan: string[] = [];
    return {
      files: new Map(),
      env: {},
      xpyArgs: [...xpyArgs, "--dry-run", "-v"],
      onStdout: (line) => {
        if (line.startsWith("running: ")) plan.push(line);
      },
      records: async () => cargoCallsOfDryRun(plan.join("\n")),
    };
  },
  outer: shell,
  steps(cap) {
    if (!cap.outer) throw new Error("depth cargo's capture has no outer shell");
    const outerSym = symbolizerOf(cap.outer);
    const outer = cap.outer.records.map((r) => symbolicRecord(r, outerSym));
    const stage0 = outer.find((r) => r.type === "unpack" && r.match === "rustc");
    const planSym = inStage0(symbolizerOf(cap), cap.runToolchain, stage0?.type === "unpack" ? stage0.dest : undefined);
    const plan = cap.records.map((r) => symbolicRecord(r, planSym));
    const records = [...outer.filter((r) => !(r.type === "rust_compiler_invocation" && r.isBootstrap)), ...plan];
    return { records, chain: plan.map((_, i) => records.length - plan.length + i), extraDeps: new Map() };
  },
};

/**
 * The plan names the toolchain x.py ran with in place of the pinned stage0 (--run-toolchain, by
 * each of its paths); the steps use the stage0 folder the outer shell unpacks.
 */
function inStage0(sym: (text: string) => string, runToolchain: string[] | undefined, stage0Dir: string | undefined): (text: string) => string {
  if (!runToolchain || !stage0Dir) return sym;
  return (text) => sym(runToolchain.reduce((t, prefix) => t.split(prefix).join(stage0Dir), text));
}
