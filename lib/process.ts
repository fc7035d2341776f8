// The one wrapper around Bun.spawn: argv arrays only, never a shell string built from input.
// Every child runs in a process group of its own, so that what it leaves behind (a daemon holding
// its output pipe) is killed with it, and a terminal's Ctrl-C reaches only us: on SIGINT or SIGTERM
// we stop the children, let the command unwind (its `finally` blocks remove its temp folders), and
// exit with 130 or 143.
import { rmSync } from "node:fs";
import { ExitCode, NixifyError } from "./errors.ts";

export type SpawnResult = { code: number; stdout: string; stderr: string };

export type SpawnOptions = {
  cwd?: string;
  env?: { [name: string]: string | undefined };
};

/** How much of a watched child's output is kept (x.py may print hundreds of MB). */
export const TAIL_CHARS = 64 * 1024;
/** A line longer than this (output without newlines) is handed over in parts, to keep memory bounded. */
const MAX_LINE_CHARS = 1024 * 1024;
/** After a child exits, how long a leftover that escaped its group may keep the pipes open. */
const DRAIN_MS = 1000;
/** After SIGTERM, how long children get before SIGKILL, and the command before a forced exit. */
const KILL_AFTER_MS = 2000;
const EXIT_AFTER_MS = 10_000;

type StopSignal = "SIGINT" | "SIGTERM";

/** Process group ids (the leaders' pids) of the children running now. */
const running = new Set<number>();
/** Folders to remove if the process is stopped before their owner removes them. */
const removeOnStop = new Set<string>();
let stopping: StopSignal | undefined;
let signalsHandled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

function stopError(signal: StopSignal): NixifyError {
  return new NixifyError(signal === "SIGINT" ? "interrupted" : "terminated", `stopped by ${signal}: child processes stopped, temporary files removed`);
}

/** The stop error, if a signal arrived; commands that end with one report it instead of their result. */
export function stoppedBy(): NixifyError | undefined {
  return stopping && stopError(stopping);
}

/** Registers `dir` (a temp folder its caller removes in a `finally`) for removal on a forced exit too; returns it. */
export function removedOnStop(dir: string): string {
  removeOnStop.add(dir);
  return dir;
}

/** Unregisters `dir`: what is there now must survive a forced exit (a tree renamed into its place). */
export function keptOnStop(dir: string): void {
  removeOnStop.delete(dir);
}

/**
 * Removes a folder registered with removedOnStop, and unregisters it. Synchronously: no signal
 * handler runs meanwhile, so a forced exit cannot cut it short, nor remove the same folder beside
 * it (Bun's rmSync beside an unfinished rm of the same folder returns with files left).
 */
export function removeNow(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  removeOnStop.delete(dir);
}

/** Lets a signal that arrived during synchronous work be handled: handlers run only between turns of the event loop. */
export async function pendingSignalsHandled(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** Throws the stop error if a signal arrived, even during synchronous work. Long loops call it now and then. */
export async function stopPoint(): Promise<void> {
  await pendingSignalsHandled();
  const stopped = stoppedBy();
  if (stopped) throw stopped;
}

/**
 * Makes SIGINT and SIGTERM stop the children (TERM, then KILL) so the awaited spawn throws the
 * stop error and the command unwinds. A second signal, or a command that does not end in time,
 * exits at once after removing the registered folders; `report` prints the one line then.
 */
export function stopOnSignals(report: (e: NixifyError) => void): void {
  if (signalsHandled) return;
  signalsHandled = true;
  const forceExit = (signal: StopSignal) => {
    for (const pgid of running) killGroup(pgid, "SIGKILL");
    for (const dir of removeOnStop) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Best effort: we exit now either way.
      }
    }
    const e = stopError(signal);
    report(e);
    process.exit(e.code);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return forceExit(stopping);
      stopping = signal;
      process.exitCode = ExitCode[signal === "SIGINT" ? "interrupted" : "terminated"];
      for (const pgid of running) killGroup(pgid, "SIGTERM");
      setTimeout(() => {
        for (const pgid of running) killGroup(pgid, "SIGKILL");
      }, KILL_AFTER_MS).unref();
      setTimeout(() => forceExit(signal), EXIT_AFTER_MS).unref();
    });
  }
}

/** Reads a stream as text chunks until it ends or is cancelled. */
function pump(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): { done: Promise<void>; cancel: () => void } {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        onText(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Cancelled: what arrived so far is all there is.
    }
    const rest = decoder.decode();
    if (rest) onText(rest);
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}

/**
 * Runs `argv` in its own process group and hands its output to the sinks as it arrives. When the
 * child exits, what is left of its group is killed, and the pipes are read a moment longer only.
 */
async function runChild(argv: string[], opts: SpawnOptions, onStdout: (text: string) => void, onStderr: (text: string) => void): Promise<number> {
  const stopped = stoppedBy();
  if (stopped) throw stopped;
  const proc = Bun.spawn(argv, { cwd: opts.cwd, env: opts.env, stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  running.add(proc.pid);
  const out = pump(proc.stdout, onStdout);
  const err = pump(proc.stderr, onStderr);
  const drained = Promise.all([out.done, err.done]);
  let code: number;
  try {
    code = await proc.exited;
  } finally {
    running.delete(proc.pid);
    killGroup(proc.pid, "SIGKILL");
  }
  // A leftover that left the group (its own setsid) may hold the pipes forever: stop reading.
  const timer = setTimeout(() => {
    out.cancel();
    err.cancel();
  }, DRAIN_MS);
  await drained;
  clearTimeout(timer);
  const after = stoppedBy();
  if (after) throw after;
  return code;
}

/** Runs `argv` and returns all it printed (for commands whose output is parsed). */
export async function spawn(argv: string[], opts: SpawnOptions = {}): Promise<SpawnResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runChild(
    argv,
    opts,
    (t) => stdout.push(t),
    (t) => stderr.push(t),
  );
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** The last TAIL_CHARS characters of a stream, kept while it streams. */
class Tail {
  private text = "";
  add(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * TAIL_CHARS) this.text = this.text.slice(-TAIL_CHARS);
  }
  toString(): string {
    return this.text.slice(-TAIL_CHARS);
  }
}

/** Splits text chunks into lines for `onLine`. */
function lineSplitter(onLine: (line: string) => void): { add: (chunk: string) => void; end: () => void } {
  let pending = "";
  return {
    add(chunk) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
      if (pending.length > MAX_LINE_CHARS) {
        onLine(pending);
        pending = "";
      }
    },
    end() {
      if (pending) onLine(pending);
      pending = "";
    },
  };
}

/**
 * Like spawn, but for long, chatty children: each stderr line goes to `onLine` (and each stdout
 * line to `onStdoutLine`) as it arrives, and the result keeps only the last TAIL_CHARS of each.
 */
export async function spawnWatching(
  argv: string[],
  opts: SpawnOptions,
  onLine: (line: string) => void,
  onStdoutLine?: (line: string) => void,
): Promise<SpawnResult> {
  const stdout = new Tail();
  const stderr = new Tail();
  const errLines = lineSplitter(onLine);
  const outLines = lineSplitter(onStdoutLine ?? (() => {}));
  const code = await runChild(
    argv,
    opts,
    (t) => {
      stdout.add(t);
      outLines.add(t);
    },
    (t) => {
      stderr.add(t);
      errLines.add(t);
    },
  );
  errLines.end();
  outLines.end();
  return { code, stdout: stdout.toString(), stderr: stderr.toString() };
}

/**
 * Text a child printed, safe to echo on a terminal: escape sequences (CSI, OSC, DCS and the other
 * ESC forms, and their 8-bit C1 forms) and control characters other than newline and tab removed;
 * a carriage return ends a line.
 */
export function plainText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g, "") // OSC ... BEL/ST
    .replace(/(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?/g, "") // DCS, SOS, PM, APC ... ST
    .replace(/(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g, "") // CSI
    .replace(/\x1b[ -/]*[0-~]?/g, "") // other ESC sequences
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "");
}

/** The last `n` lines of a text, without escape sequences or control characters. */
export function tail(text: string, n: number): string {
  return plainText(text).trimEnd().split("\n").slice(-n).join("\n");
}
