// What every command shares: output flags, and turning a NixifyError into one line, a hint and
// its exit code (only real bugs reach citty's stack trace).
import type { ArgsDef } from "citty";
import { NixifyError } from "../errors.ts";
import { log, setVerbosity } from "../log.ts";

export const outputArgs = {
  json: { type: "boolean", description: "Print a machine-readable report on stdout" },
  verbose: { type: "boolean", description: "Show debug output (and stack traces of errors)" },
  quiet: { type: "boolean", description: "Print only errors on stderr" },
} as const satisfies ArgsDef;

export async function runReporting(
  flags: { verbose?: boolean; quiet?: boolean },
  body: () => Promise<number | void>,
): Promise<void> {
  setVerbosity(flags);
  try {
    const code = await body();
    if (code) process.exitCode = code;
  } catch (e) {
    if (!(e instanceof NixifyError)) throw e;
    log.error(e.message);
    if (e.hint) log.info(`hint: ${e.hint}`);
    if (flags.verbose) log.debug(e.stack);
    process.exitCode = e.code;
  }
}
