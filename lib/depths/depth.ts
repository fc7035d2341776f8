// What a depth is: how its x.py run is recorded, and how the records become the tree's records.
// Each depth is one file of this folder, registered in index.ts; capture and gen only call these.
import type { Capture, CaptureOptions } from "../capture/capture.ts";
import type { ExitCodeName } from "../errors.ts";
import type { Record, Step } from "../schema.ts";

/** What a depth's recording may use of the capture under way. */
export type RecordingContext = {
  root: string;
  tempDir: string;
  /** bootstrap.py's text in the checkout, and its path there (named in a refusal). */
  bootstrap: { text: string; file: string };
  /** The config x.py runs with (the run toolchain set in it where one was given). */
  runConfig: string | undefined;
  python: string;
  xpyArgs: string[];
  /** Where bootstrap.py's patched `run` writes its records (the shell recorder's contract). */
  recordFile: string;
  /** The checkout's real path, the copy x.py runs from, and its build dir (as linked, and really). */
  paths: { rootReal: string; overlay: string; build: string; buildReal: string };
};

/** How one x.py run is recorded at a depth. */
export type Recording = {
  /** Files of the recording copy in place of the checkout's (relative path -> text). */
  files: Map<string, string>;
  env: { [name: string]: string };
  /** The arguments x.py runs with. */
  xpyArgs: string[];
  /** Each line x.py prints to stdout, as it comes. */
  onStdout?: (line: string) => void;
  /** The records of the finished run, before they are checked for credentials. */
  records: () => Promise<Record[]>;
};

/** What a depth's steps may use besides the capture. */
export type StepsContext = {
  /** The capture's absolute paths -> placeholders. */
  sym: (text: string) => string;
  /** A toolchain x.py ran with in place of the pinned stage0 (gen --run-toolchain). */
  runToolchain: string | undefined;
  /** A second capture of the same checkout at another depth (cargo's outer shell). */
  captureAlso: (depth: DepthDefinition, overrides: Partial<CaptureOptions>) => Promise<Capture>;
};

/** The tree's records, in order, and the dependencies that reads and writes do not show. */
export type DepthSteps = {
  records: Record[];
  /** Indices of records that run one after another, each depending on the one before. */
  chain: number[];
  /** Record index -> indices of records it depends on besides its inputs' writers. */
  extraDeps: Map<number, number[]>;
};

export type DepthDefinition = {
  /** One sentence for gen --help. */
  help: string;
  /** What gen says it is doing while x.py runs. */
  doing: string;
  /** The workspaces whose crates x.py really builds here, so their Cargo.lock must resolve offline against vendor/. */
  builds: Array<"bootstrap" | "library">;
  /** Whether the tree pins the compiler it was captured with (its steps compile with it). */
  pinsToolchain: boolean;
  /** What gen says when the run records nothing: exit code, line, hint. */
  nothingRecorded: { code: ExitCodeName; message: string; hint: string };
  record: (ctx: RecordingContext) => Promise<Recording>;
  steps: (cap: Capture, ctx: StepsContext) => Promise<DepthSteps>;
  /** The tree's steps once made, reshaped where the depth needs them whole (depth rustc: pipelining). */
  finishSteps?: (steps: Step[]) => Step[];
};
