// What a capture is, and what it asks of a depth: the types capture.ts and the depths
// (lib/depths/) share, in one place below both.
import type { ExitCodeName } from "../errors.ts";
import type { Record } from "../schema.ts";
import type { Config } from "./config-toml.ts";
import type { Placeholder } from "../placeholders.ts";
import type { CheckoutPaths } from "./sources.ts";
import type { Sysroots } from "./sysroots.ts";
import type { PinnedToolchain } from "./toolchain.ts";

export type CaptureMode = "first" | "all";

export type CaptureOptions = {
  root: string;
  /** An empty temp folder that gen owns and removes. */
  tempDir: string;
  mode: CaptureMode;
  /** How the run is recorded (lib/depths/). */
  depth: DepthRecorder;
  xpyArgs: string[];
  /** A toolchain folder (bin/rustc, bin/cargo) x.py runs with in place of the config's or the pinned stage0. */
  runToolchain?: string;
  /** The config to use instead of the checkout's own bootstrap.toml or config.toml. */
  config?: Config;
  buildDir?: string;
};

export type Capture = MachineFacts & {
  records: Record[];
  /** The config x.py ran with, if any. */
  config: Config | undefined;
  /** Files gen supplied in the copy, relative path -> content (they must reach the steps too). */
  supplied: Map<string, string>;
  channel: string;
  channelSupplied: boolean;
  /** The capture of the run this one's steps build on, where the depth has one (depth cargo: the outer shell). */
  outer?: Capture;
  /** The absolute paths of this run, for the symbolizer. */
  paths: { overlay: string; root: string; rootReal: string; work: string; build: string; buildReal: string; home: string; tmp: string };
  seconds: { copy: number; xpy: number };
};

/** What the steps need of the machine, read once the run is done, so that they need not look. */
export type MachineFacts = {
  /**
   * The machine's paths the records name -> placeholders, by the paths named and by where they
   * really are: the config's toolchain and its sysroot, the LLVM and C++ runtime the calls were handed.
   */
  machinePaths: Array<[string, Placeholder]>;
  /** `llvm-config --version` of the machine's LLVM the calls were handed (depth rustc), for the manifest. */
  llvmVersion?: string;
  /** The compiler the tree pins (a depth that pins it): its version line and the NAR hash of its sysroot. */
  toolchain?: PinnedToolchain;
  /** The toolchain x.py ran with in place of the pinned stage0 (--run-toolchain), as given and where it really is, longest first. */
  runToolchain?: string[];
  /** The stage0 compiler the checkout's list names, if it names one. */
  stage0Compiler?: { version: string; date: string };
  /** The checkout's stage0 checksums: dist path (`dist/DATE/FILE`) -> sha256. */
  stage0Checksums: Map<string, string>;
  /** What the build's sysroots held, for the hand-overs between the observed calls (none without them). */
  sysroots: Sysroots;
  /** What of the checkout the observed calls name: for each step's source. */
  checkout: CheckoutPaths;
};

/** What a depth's recording may use of the capture under way. */
export type RecordingContext = {
  root: string;
  tempDir: string;
  /** bootstrap.py's text in the checkout, and its path there (named in a refusal). */
  bootstrap: { text: string; file: string };
  /** The config x.py runs with (the run toolchain set in it where one was given). */
  runConfig: Config | undefined;
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

/** What capture asks of a depth: how its x.py run is recorded (lib/depths/depth.ts adds how its records become steps). */
export type DepthRecorder = {
  /** Whether the tree pins the compiler it was captured with (its steps compile with it). */
  pinsToolchain: boolean;
  /** The workspaces whose crates x.py really builds here, so their Cargo.lock must resolve offline against vendor/. */
  builds: Array<"bootstrap" | "library">;
  /** What gen says when the run records nothing: exit code, line, hint. */
  nothingRecorded: { code: ExitCodeName; message: string; hint: string };
  record: (ctx: RecordingContext) => Promise<Recording>;
  /**
   * A depth whose run this one's steps build on, captured after it in mode all, with the config's
   * own toolchain and x.py's own build dir (depth cargo: the outer shell); where a function, asked
   * with the config (depth rustc: the outer shell's stage0 downloads where no build.rustc is named).
   */
  outer?: DepthRecorder | ((config: Config | undefined) => DepthRecorder | undefined);
};
