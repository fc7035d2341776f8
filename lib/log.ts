import { createConsola, LogLevels } from "consola";

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
