// verify, third stage, as it runs: what the log of `nix-store --realise` has said so far, one event
// (lib/verify/nix-output.ts) at a time. A pure fold: each event comes with the time it arrived,
// so a recorded log folds to the same state every time.
//
// At Nix's default level (its debug level costs about 11 ms a build) no line names the build Nix
// is done with: its count of builds done goes up, and the fold gives the build to the one that
// ended first of those running (their steps' last lines say so): with one job, the only one.
import type { RealiseEvent } from "./nix-output.ts";

/**
 * A build Nix started: when (ms, the caller's clock), where, when its builder ended (its step's
 * last line, or Nix's word that it failed or was done) and when Nix was done with it (its output
 * registered, or copied back from a builder), and the seconds its step's command ran, as far as
 * the log has said.
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
  /** Nix's own count of builds (its first), and how many it said are done. */
  readonly countActivity?: number;
  readonly doneCount: number;
  /** The derivations Nix was done with, in its order. */
  readonly done: readonly string[];
  /** The derivations Nix said failed, in its order. */
  readonly failed: readonly string[];
  /** The first lines of Nix's own errors, and of what others printed (its children, a Nix ignoring --log-format). */
  readonly nixSaid: readonly string[];
  readonly othersSaid: readonly string[];
};

export const NOTHING_SAID: BuildLog = { builds: new Map(), activities: new Map(), doneCount: 0, done: [], failed: [], nixSaid: [], othersSaid: [] };

/** The first few lines are what a failure message needs; a Nix that ignored --log-format would print thousands. */
const LINES_KEPT = 20;

function withBuild(log: BuildLog, drv: string, build: Build): BuildLog {
  return { ...log, builds: new Map(log.builds).set(drv, build) };
}

/** Of the builds running, the one Nix is done with next: the first whose builder ended, else the first started. */
function nextDone(log: BuildLog): string | undefined {
  const failed = new Set(log.failed);
  const running = [...log.builds].filter(([drv, b]) => b.done === undefined && !failed.has(drv));
  const first = (a: [string, Build], b: [string, Build]) => (a[1].end ?? Infinity) - (b[1].end ?? Infinity) || a[1].start - b[1].start;
  return running.sort(first)[0]?.[0];
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
      // The step's last line: its builder ends now.
      const drv = log.activities.get(event.activity);
      const build = drv === undefined ? undefined : log.builds.get(drv);
      return build ? withBuild(log, drv!, { ...build, command: event.seconds, end: at }) : log;
    }
    case "count":
      return log.countActivity === undefined ? { ...log, countActivity: event.activity } : log;
    case "progress": {
      // Only Nix's own count: the copying of paths, and a remote builder's relayed count, say others.
      if (event.activity !== log.countActivity) return log;
      let next = log;
      for (let n = log.doneCount; n < event.done; n++) {
        const drv = nextDone(next);
        next = { ...next, doneCount: n + 1 };
        if (drv === undefined) continue;
        // The goal's end says nothing of the build's outcome (the store does), only when Nix was done with it.
        const build = next.builds.get(drv)!;
        next = { ...withBuild(next, drv, { ...build, end: build.end ?? at, done: at }), done: [...next.done, drv] };
      }
      return next;
    }
    case "failed": {
      // Nix says so once the builder is gone.
      const build = log.builds.get(event.drv);
      const ended = build && build.end === undefined ? withBuild(log, event.drv, { ...build, end: at }) : log;
      return { ...ended, failed: [...log.failed, event.drv] };
    }
    case "error": {
      const said = event.ours ? "nixSaid" : "othersSaid";
      return log[said].length < LINES_KEPT ? { ...log, [said]: [...log[said], event.text] } : log;
    }
  }
}
