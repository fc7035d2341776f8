import { createConsola, LogLevels } from "consola";
import { plainText } from "./process.ts";

// One logger, on stderr, so stdout carries only data (--json).
export const log = createConsola({
  stdout: process.stderr,
  stderr: process.stderr,
  formatOptions: { date: false },
  // consola would go quiet under NODE_ENV=test; the level is ours to set.
  level: LogLevels.info,
});

export function setVerbosity(opts: { verbose?: boolean; quiet?: boolean }): void {
  if (opts.verbose) log.level = LogLevels.debug;
  else if (opts.quiet) log.level = LogLevels.error;
}

/**
 * Text from a recording (a step's label, a recorded path) as one line safe to print on a terminal
 * or into a graph: escape sequences and control characters removed, as from x.py's own output,
 * and line breaks and tabs made spaces. steps.json keeps the bytes.
 */
export function printable(text: string): string {
  return plainText(text).replace(/[\t\n]+/g, " ");
}
