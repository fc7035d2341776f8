// The command line around citty: help that fits an 80-column terminal (colour only on a terminal
// that wants it), and strict flags: an unknown flag, command or value before `--` is one line with
// a suggestion and ExitCode.usage, never a silently ignored word (`gen --deph rustc` would
// otherwise hand `rustc` to x.py).
import { runCommand, type ArgDef, type ArgsDef, type CommandDef } from "citty";
import { dropDotenvVariables } from "../capture/env.ts";
import { ExitCode } from "../errors.ts";
import { log } from "../log.ts";

type AnyCommand = CommandDef<ArgsDef>;
type Resolvable<T> = T | (() => T) | (() => Promise<T>) | Promise<T>;

const WIDTH = 80;
const FLAG_COLUMN = 24;

async function resolved<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? (value as () => T | Promise<T>)() : value;
}

function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
}

/** Words of `text` on lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function flagText(name: string, def: ArgDef): string {
  if (def.type === "positional") return name.toUpperCase();
  const value = def.type === "enum" ? ` ${(def.options ?? []).join("|")}` : def.type === "string" ? ` ${def.valueHint ?? "VALUE"}` : "";
  return `--${name}${value}`;
}

/** Usage text of a command, every line within 80 columns. */
export function renderHelp(path: string, description: string, args: ArgsDef, subCommands: Array<[string, string]>, colour: boolean): string {
  const bold = (s: string) => (colour ? `\x1b[1m${s}\x1b[22m` : s);
  const out = [...wrap(description, WIDTH), ""];
  const entries = Object.entries(args);
  const positionals = entries.filter(([, d]) => d.type === "positional").map(([n]) => `[${n.toUpperCase()}]`);
  const usage =
    subCommands.length > 0 ? `${path} <${subCommands.map(([n]) => n).join("|")}> [OPTIONS]` : `${path} [OPTIONS] ${positionals.join(" ")}`.trimEnd();
  out.push(`${bold("Usage:")} ${usage}`, "");
  if (subCommands.length > 0) out.push(bold("Commands:"), ...table(subCommands), "");
  const rows: Array<[string, string]> = entries.map(([name, def]) => {
    const dflt = def.type !== "positional" && def.type !== "boolean" && def.default !== undefined ? ` (default: ${String(def.default)})` : "";
    return [flagText(name, def), `${def.description ?? ""}${dflt}`];
  });
  rows.push(["--help", "Show this help"]);
  out.push(bold("Options:"), ...table(rows));
  return `${out.join("\n")}\n`;
}

/** Two columns, the second wrapped; a first column too wide for its own gets a line of its own. */
function table(rows: Array<[string, string]>): string[] {
  const out: string[] = [];
  for (const [flag, text] of rows) {
    const body = wrap(text, WIDTH - FLAG_COLUMN - 2);
    const first = `  ${flag}`;
    if (first.length < FLAG_COLUMN) {
      out.push(`${first.padEnd(FLAG_COLUMN)}  ${body[0] ?? ""}`.trimEnd());
      body.shift();
    } else out.push(first);
    for (const line of body) out.push(`${" ".repeat(FLAG_COLUMN + 2)}${line}`);
  }
  return out;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

export function suggest(word: string, known: string[]): string | undefined {
  const best = known.map((k) => ({ k, d: distance(word, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.k : undefined;
}

export class UsageError extends Error {}

/** Throws UsageError for the first flag before `--` that `args` does not define. */
export function checkFlags(tokens: string[], args: ArgsDef, where: string): void {
  const flags = Object.entries(args).filter(([, d]) => d.type !== "positional");
  const known = new Map(flags.map(([n, d]) => [n, d]));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "--") return;
    if (!token.startsWith("-") || token === "-") continue;
    const [name = "", value] = token.replace(/^--?/, "").split(/=(.*)/s, 2);
    const def = known.get(name) ?? (name.startsWith("no-") && known.get(name.slice(3))?.type === "boolean" ? known.get(name.slice(3)) : undefined);
    if (!def) {
      const near = suggest(name, [...known.keys()]);
      throw new UsageError(`unknown option ${token.split("=")[0]} for ${where}${near ? ` (did you mean --${near}?)` : ""}`);
    }
    if (def.type === "boolean") {
      if (value !== undefined && !["true", "false"].includes(value)) throw new UsageError(`--${name} takes no value`);
      continue;
    }
    const given = value ?? tokens[++i];
    if (given === undefined || given === "--") throw new UsageError(`--${name} needs a value${def.valueHint ? ` (${def.valueHint})` : ""}`);
    if (def.type === "enum" && !(def.options ?? []).includes(given)) {
      throw new UsageError(`--${name} must be one of ${(def.options ?? []).join(", ")}, not ${given}`);
    }
  }
}

/** Runs `main` (a command with subcommands) on process.argv; exits with ExitCode.usage on bad usage. */
export async function runCli(main: AnyCommand): Promise<void> {
  // Before anything reads the environment (colour, flags): what a .env file of the current folder set is no input.
  dropDotenvVariables();
  const raw = process.argv.slice(2);
  const mainMeta = await resolved(main.meta ?? {});
  const subs = (await resolved(main.subCommands ?? {})) as { [name: string]: Resolvable<AnyCommand> };
  const names = Object.keys(subs);
  const listed: Array<[string, string]> = [];
  for (const n of names) listed.push([n, (await resolved((await resolved(subs[n]!)).meta ?? {})).description ?? ""]);
  const cut = raw.indexOf("--");
  const before = cut === -1 ? raw : raw.slice(0, cut);
  const wantsHelp = before.includes("--help") || before.includes("-h");
  try {
    const name = raw[0];
    if (name === undefined || name.startsWith("-")) {
      if (before.length === 1 && (name === "--version" || name === "-v")) return void process.stdout.write(`${mainMeta.version}\n`);
      const help = renderHelp(mainMeta.name ?? "", mainMeta.description ?? "", {}, listed, useColour(process.stdout));
      if (wantsHelp) return void process.stdout.write(help);
      throw new UsageError(name === undefined ? `no command given (one of ${names.join(", ")})` : `unknown option ${name}`);
    }
    const entry = subs[name];
    if (!entry) {
      const near = suggest(name, names);
      throw new UsageError(`unknown command ${name}${near ? ` (did you mean ${near}?)` : ""}`);
    }
    const cmd = await resolved(entry);
    const meta = await resolved(cmd.meta ?? {});
    const args = (await resolved(cmd.args ?? {})) as ArgsDef;
    if (wantsHelp) return void process.stdout.write(renderHelp(`${mainMeta.name} ${name}`, meta.description ?? "", args, [], useColour(process.stdout)));
    checkFlags(before.slice(1), args, name);
    await runCommand(cmd, { rawArgs: raw.slice(1) });
  } catch (e) {
    // citty's own usage errors (CLIError) are usage too; anything else is a bug and keeps its trace.
    if (!(e instanceof UsageError) && (e as Error)?.name !== "CLIError") throw e;
    log.error((e as Error).message);
    log.info(`hint: see ${mainMeta.name}${raw[0] && names.includes(raw[0]) ? ` ${raw[0]}` : ""} --help`);
    process.exitCode = ExitCode.usage;
  }
}
