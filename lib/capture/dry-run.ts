// gen --depth cargo: the bootstrap binary's plan. `x.py build --dry-run -v` (1.85 and newer)
// prints each command it would run as Rust's Debug form of a Command:
//   running: cd "DIR" && env -u MAKEFLAGS K="V" ... "PROGRAM" "ARG" ...
// This turns those lines into records; the cargo calls that build something are the steps.
import { basename } from "node:path";
import { RECORD_SCHEMA_VERSION, type InvocationRecord } from "../schema.ts";

/** Words of a Debug-printed command: quoted strings (Rust escapes undone) and bare words. */
export function splitDebugCommand(text: string): Array<{ word: string; quoted: boolean }> {
  const words: Array<{ word: string; quoted: boolean }> = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    if (text[i] !== '"') {
      // A bare word ends at a space or where a quoted value starts (K="V").
      let end = i;
      while (end < text.length && text[end] !== " " && text[end] !== '"') end++;
      words.push({ word: text.slice(i, end), quoted: false });
      i = end;
      continue;
    }
    let word = "";
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] !== "\\") {
        word += text[i];
        continue;
      }
      const c = text[++i];
      if (c === "u" && text[i + 1] === "{") {
        const close = text.indexOf("}", i);
        word += String.fromCodePoint(parseInt(text.slice(i + 2, close), 16));
        i = close;
      } else {
        word += ({ n: "\n", t: "\t", r: "\r", "0": "\0" } as { [c: string]: string })[c!] ?? c;
      }
    }
    i++;
    words.push({ word, quoted: true });
  }
  return words;
}

/** One `running: ...` line as a record, or undefined if it is not a command line this knows. */
export function parseRunningLine(line: string, seq: number): InvocationRecord | undefined {
  const m = /^running: (.*)$/.exec(line);
  if (!m) return undefined;
  const words = splitDebugCommand(m[1]!);
  let cwd = "";
  let i = 0;
  if (words[0]?.word === "cd" && words[1]?.quoted && words[2]?.word === "&&") {
    cwd = words[1].word;
    i = 3;
  }
  const env: { [k: string]: string } = {};
  if (words[i]?.word === "env" && !words[i]!.quoted) {
    for (i++; i < words.length; i++) {
      const w = words[i]!;
      if (w.word === "-u" && !w.quoted) {
        i++;
        continue;
      }
      // K="V" arrives as the bare word K= followed by the quoted V.
      const key = /^([A-Za-z_][A-Za-z0-9_]*)=$/.exec(w.quoted ? "" : w.word);
      if (!key || !words[i + 1]?.quoted) break;
      env[key[1]!] = words[++i]!.word;
    }
  }
  // What follows the argv (e.g. "(failure_mode=Exit) (created at ...)") is bootstrap's own note.
  const argv: string[] = [];
  for (; i < words.length && words[i]!.quoted; i++) argv.push(words[i]!.word);
  if (argv.length === 0 || !cwd) return undefined;
  return {
    type: "rust_compiler_invocation",
    schema: RECORD_SCHEMA_VERSION,
    seq,
    command: argv[0]!,
    args: argv.slice(1),
    env,
    cwd,
    site: "bootstrap dry run",
    isBootstrap: false,
  };
}

/** The cargo calls that build (not `cargo metadata` and such queries) from a dry run's output. */
export function cargoCallsOfDryRun(output: string): InvocationRecord[] {
  const records: InvocationRecord[] = [];
  for (const line of output.split("\n")) {
    const r = parseRunningLine(line.trimEnd(), records.length + 1);
    if (r && basename(r.command) === "cargo" && ["build", "rustc", "check"].includes(r.args[0] ?? "")) records.push(r);
  }
  return records;
}
