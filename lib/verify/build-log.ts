// verify, third stage, as it runs: what the log of `nix-store --realise` has said so far, one event
// (lib/verify/nix-output.ts) at a time. A pure fold: each event comes with the time it arrived,
// so a recorded log folds to the same state every time.
import type { RealiseEvent } from "./nix-output.ts";

/**
 * A build Nix started: when (ms, the caller's clock), where, when its builder exited and when Nix
 * was done with it (its output registered, or copied back from a builder), and the seconds its
 * step's command ran, as far as the log has said.
 */
export type Build = {
  readonly start: number;
  /** A remote builder's store URI, or "" for this machine. */
  readonly machine: string;
  readonly end?: number;
  readonly done?: number;
  readonly command?: number;
};

export type BuildLog = {
  /** By derivation. */
  readonly builds: ReadonlyMap<string, Build>;
  /** The derivation each build activity of Nix's is of (a build's log lines name only their activity). */
  readonly activities: ReadonlyMap<number, string>;
  /** The derivations Nix said failed, in its order. */
  readonly failed: readonly string[];
  /** The first lines of Nix's own errors, and of what others printed (its children, a Nix ignoring --log-format). */
  readonly nixSaid: readonly string[];
  readonly othersSaid: readonly string[];
};

export const NOTHING_SAID: BuildLog = { builds: new Map(), activities: new Map(), failed: [], nixSaid: [], othersSaid: [] };

/** The first few lines are what a failure message needs; a Nix that ignored --log-format would print thousands. */
const LINES_KEPT = 20;

function withBuild(log: BuildLog, drv: string, build: Build): BuildLog {
  return { ...log, builds: new Map(log.builds).set(drv, build) };
}

/** `log` after `event`, which arrived at `at`. */
export function follow(log: BuildLog, event: RealiseEvent, at: number): BuildLog {
  switch (event.kind) {
    case "start": {
      // The first start is Nix's; a remote builder's relayed one comes later and says "".
      const build = log.builds.get(event.drv);
      const started = withBuild(log, event.drv, build ? { ...build, machine: event.machine || build.machine } : { start: at, machine: event.machine });
      return { ...started, activities: new Map(log.activities).set(event.activity, event.drv) };
    }
    case "ran": {
      const drv = log.activities.get(event.activity);
      const build = drv === undefined ? undefined : log.builds.get(drv);
      return build ? withBuild(log, drv!, { ...build, command: event.seconds }) : log;
    }
    case "end": {
      // A builder that ends without a start tells nothing of its time.
      const build = log.builds.get(event.drv);
      return build ? withBuild(log, event.drv, { ...build, end: at }) : log;
    }
    case "failed":
      return { ...log, failed: [...log.failed, event.drv] };
    case "error": {
      const said = event.ours ? "nixSaid" : "othersSaid";
      return log[said].length < LINES_KEPT ? { ...log, [said]: [...log[said], event.text] } : log;
    }
    case "done": {
      // The goal's end says nothing of the build's outcome (the store does), only when Nix was done with it.
      const build = log.builds.get(event.drv);
      return build ? withBuild(log, event.drv, { ...build, done: at }) : log;
    }
  }
}
