// What a depth is: how its x.py run is recorded, and how the records become the tree's records.
// Each depth is one file of this folder, registered in index.ts; capture and gen only call these.
import type { Capture, DepthRecorder } from "../capture/types.ts";
import type { Record, Step } from "../schema.ts";

/** The tree's records, in order, and the dependencies that reads and writes do not show. */
export type DepthSteps = {
  records: Record[];
  /** Indices of records that run one after another, each depending on the one before. */
  chain: number[];
  /** Record index -> indices of records it depends on besides its inputs' writers. */
  extraDeps: Map<number, number[]>;
};

/** A depth: how capture records its run (DepthRecorder), and how its records become the tree's. */
export type DepthDefinition = DepthRecorder & {
  /** One sentence for gen --help. */
  help: string;
  /** What gen says it is doing while x.py runs. */
  doing: string;
  /** The tree's records made from the capture alone: no file, process or network is looked at. */
  steps: (cap: Capture) => DepthSteps;
  /** The tree's steps once made, reshaped where the depth needs them whole (depth rustc: pipelining). */
  finishSteps?: (steps: Step[]) => Step[];
};
