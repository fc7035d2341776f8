// Nix's own text, read: its error messages, and the JSON log of `nix-store --realise`.
import { plainText } from "../process.ts";

/** Nix's own error in one line: its `error:` line (and where, if it says), not the --show-trace hint. */
export function nixError(stderr: string): string {
  const lines = plainText(stderr).split("\n");
  const i = lines.findIndex((l) => l.startsWith("error:"));
  if (i < 0)
    return (
      lines
        .map((l) => l.trim())
        .filter(Boolean)
        .at(-1) ?? "no message"
    );
  const at = lines
    .slice(i + 1, i + 4)
    .map((l) => /^\s+at (\S.*):$/.exec(l)?.[1])
    .find(Boolean);
  return `${lines[i]!.slice("error:".length).trim()}${at ? ` (at ${at})` : ""}`;
}

/** What verify follows in the log of `nix-store --realise --log-format internal-json` (Nix's default level). */
export type RealiseEvent =
  /** Nix started building `drv`, on `machine` (a remote builder's store URI, or "" for this machine), as its activity `activity`. */
  | { kind: "start"; drv: string; machine: string; activity: number }
  /** The build of activity `activity` said its command ran `seconds` (run-step.sh's last line, COMMAND_RAN): its builder is ending. */
  | { kind: "ran"; activity: number; seconds: number }
  /** A count of builds began as activity `activity` (Nix's own is the first; a remote builder's are relayed later). */
  | { kind: "count"; activity: number }
  /** The count of activity `activity` says `done` builds are done: their outputs registered (or copied back from a builder). */
  | { kind: "progress"; activity: number; done: number }
  /** Nix said the build of `drv` failed. */
  | { kind: "failed"; drv: string }
  /**
   * Any other error of Nix's (its first line), or a line that is not Nix's JSON (`ours` false:
   * what a child of Nix printed, such as the ssh it runs for a remote builder).
   */
  | { kind: "error"; text: string; ours: boolean };

/**
 * The line run-step.sh writes last into a step's build log: its command's seconds (the rest of the
 * build is the step's own overhead). Its `printf` format and this pattern are one contract
 * (test/unit/step-contract.test.ts).
 */
export const COMMAND_RAN = /^nixify-rust: step\d+: command ran (\d+\.\d{6}) s$/;

// Nix's activity types (its logging.hh): a count of builds, a build; and the result a count sends.
const BUILDS = 104;
const BUILD = 105;
const PROGRESS = 105;

export function parseRealiseLine(line: string): RealiseEvent | undefined {
  if (!line.startsWith("@nix {")) return line.trim() ? { kind: "error", text: plainText(line).trim(), ours: false } : undefined;
  if (line.includes('"action":"result"')) {
    // A build's log line (result 101) counts only as the seconds its step's script says its command took.
    if (line.includes("command ran")) return commandRan(line);
    if (!line.includes(`"type":${PROGRESS}`)) return undefined;
    const e = nixJson(line);
    const fields = e?.type === PROGRESS && Array.isArray(e.fields) ? e.fields : [];
    return typeof fields[0] === "number" && typeof e?.id === "number" ? { kind: "progress", activity: e.id, done: fields[0] } : undefined;
  }
  // Only activity starts and messages matter; a builder's own output ("result" lines) never
  // counts as Nix's word, whatever it prints.
  if (!line.includes('"action":"start"') && !line.includes('"action":"msg"')) return undefined;
  const e = nixJson(line);
  if (!e) return undefined;
  if (e.action === "start" && e.type === BUILDS) return { kind: "count", activity: Number(e.id) };
  // A build's fields: the derivation and the machine Nix handed it to ("" for this one). A remote
  // build shows twice: Nix's hand-over, then the builder's own activity (machine ""), relayed.
  if (e.action === "start" && e.type === BUILD && Array.isArray(e.fields) && typeof e.fields[0] === "string") {
    return { kind: "start", drv: e.fields[0], machine: typeof e.fields[1] === "string" ? e.fields[1] : "", activity: Number(e.id) };
  }
  if (e.action !== "msg" || typeof e.msg !== "string" || e.level !== 0) return undefined;
  const msg = plainText(e.msg);
  // Nix's own errors carry raw_msg; a builder's line in the shape of Nix's JSON, which Nix 2.8
  // relays as a message, does not, and must not fail another step.
  const failed = typeof e.raw_msg === "string" ? /^error: builder for '([^']+\.drv)' failed/.exec(msg) : null;
  return failed ? { kind: "failed", drv: failed[1]! } : { kind: "error", text: firstLine(msg), ours: true };
}

/** A message's first line that is not blank, trimmed. */
function firstLine(msg: string): string {
  return (
    msg
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? ""
  );
}

/** The JSON of an `@nix {...}` line, or undefined where it is none. */
function nixJson(
  line: string,
): { action?: unknown; id?: unknown; type?: unknown; fields?: unknown; level?: unknown; msg?: unknown; raw_msg?: unknown } | undefined {
  try {
    return JSON.parse(line.slice("@nix ".length));
  } catch {
    return undefined;
  }
}

function commandRan(line: string): RealiseEvent | undefined {
  const e = nixJson(line);
  if (!e) return undefined;
  const text = e.type === 101 && Array.isArray(e.fields) && typeof e.fields[0] === "string" ? e.fields[0] : "";
  const ran = COMMAND_RAN.exec(text);
  return ran && typeof e.id === "number" ? { kind: "ran", activity: e.id, seconds: Number(ran[1]) } : undefined;
}

/** `nix-store --realise` exit codes that mean some build failed: 0x60 plus Nix's failure bits (100 = a builder failed). */
export function isBuildFailureCode(code: number): boolean {
  return code > 0x60 && code < 0x70;
}
