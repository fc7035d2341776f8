// What every command shares: output flags, and turning a NixifyError into one line, a hint and
// its exit code (only real bugs reach citty's stack trace). SIGINT and SIGTERM stop the command's
// children and end it the same way (lib/process.ts), with 130 or 143.
import type { ArgsDef } from "citty";
import { dropDotenvVariables } from "../capture/env.ts";
import { NixifyError } from "../errors.ts";
import { log, setVerbosity } from "../log.ts";
import { pendingSignalsHandled, stopOnSignals, stoppedBy } from "../process.ts";

export const outputArgs = {
  json: { type: "boolean", description: "Print a machine-readable report on stdout" },
  verbose: { type: "boolean", description: "Show debug output (and stack traces of errors)" },
  quiet: { type: "boolean", description: "Print only errors on stderr" },
} as const satisfies ArgsDef;

export async function runReporting(flags: { verbose?: boolean; quiet?: boolean }, body: () => Promise<number | void>): Promise<void> {
  setVerbosity(flags);
  dropDotenvVariables();
  const report = (e: NixifyError) => {
    log.error(e.message);
    if (e.hint) log.info(`hint: ${e.hint}`);
    if (flags.verbose) log.debug(e.stack);
    process.exitCode = e.code;
  };
  stopOnSignals(report);
  try {
    const code = await body();
    if (code) process.exitCode = code;
  } catch (e) {
    // Once stopped by a signal, whatever failed on the way out is the signal's doing.
    const stopped = stoppedBy();
    if (!stopped && !(e instanceof NixifyError)) throw e;
    return report(stopped ?? (e as NixifyError));
  }
  // Stopped where no child was running: the work may be done, but the user asked to stop. (A
  // signal that came during the last synchronous work, removing a replaced tree, is seen only now.)
  await pendingSignalsHandled();
  const stopped = stoppedBy();
  if (stopped) report(stopped);
}
