// The records a recorder wrote (JSON lines), parsed and validated: the first bad one stops gen.
import * as v from "valibot";
import { NixifyError } from "../errors.ts";
import { RecordSchema, issueText, type Record } from "../schema.ts";

/** A string as it may be shown: undecodable bytes (Python's surrogate escapes) and controls as \xHH. */
function shown(text: string): string {
  let out = "";
  for (const c of text.slice(0, 60)) {
    const code = c.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) out += `\\x${(code - 0xdc00).toString(16)}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return text.length > 60 ? `${out}...` : out;
}

/**
 * The first string of a record (or key) that a Nix string cannot hold, and why: bytes that are not
 * UTF-8 (Python writes them as lone surrogates) or a NUL.
 */
function untextual(json: unknown, path: string): string | undefined {
  const why = (s: string) => (!s.isWellFormed() ? "is not UTF-8 text" : s.includes("\0") ? "holds a NUL character" : undefined);
  if (typeof json === "string") {
    const reason = why(json);
    return reason && `${path} ${reason} ("${shown(json)}")`;
  }
  if (Array.isArray(json)) {
    for (const [i, item] of json.entries()) {
      const bad = untextual(item, `${path}[${i}]`);
      if (bad) return bad;
    }
  } else if (typeof json === "object" && json !== null) {
    for (const [key, value] of Object.entries(json)) {
      const keyReason = why(key);
      if (keyReason) return `a name in ${path || "the record"} ${keyReason} ("${shown(key)}")`;
      const bad = untextual(value, path ? `${path}.${key}` : key);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** Parses and validates the JSON lines the recorder wrote; the first bad one stops gen. */
export async function readRecords(file: string): Promise<Record[]> {
  const text = await Bun.file(file)
    .text()
    .catch(() => "");
  const records: Record[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new NixifyError("invalidRecord", `${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const bad = untextual(json, "");
    if (bad) {
      throw new NixifyError(
        "invalidRecord",
        `${file}:${i + 1}: ${bad}`,
        "arguments and variables become Nix strings, which hold UTF-8 text without NUL: make bootstrap.py pass text",
      );
    }
    const parsed = v.safeParse(RecordSchema, json);
    if (!parsed.success) throw new NixifyError("invalidRecord", `${file}:${i + 1}: ${issueText(parsed.issues)}`);
    records.push(parsed.output);
  }
  return records;
}
