// One error class for every mistake a user can make or meet: a one-line message, a hint, and an
// exit code from the table below, so scripts can tell failures apart. Anything else is a bug.

export const ExitCode = {
  ok: 0,
  internal: 1,
  invalidRecord: 2,
  notRustCheckout: 3,
  unknownBootstrap: 4,
  xpyFailed: 5,
  pythonMissing: 6,
  outDirUnwritable: 7,
  outDirNotOurs: 8,
  badInput: 9,
  buildFailed: 10,
  evalFailed: 11,
  nixMissing: 12,
  notATree: 13,
  /** gen --force would remove or replace the source, a folder holding it, or something gen did not make. */
  wouldLoseSource: 14,
  /** Nix itself failed (not a step's build): a crashed realise, an unanswered validity query. */
  nixFailed: 15,
  /** A capture that observed no compiler call at a depth that needs them. */
  nothingObserved: 16,
  /** Bad command-line usage: an unknown flag, a missing value. */
  usage: 17,
  /** verify: no builder could take a step (a remote builder that does not answer, or none for the tree's system with --jobs 0). */
  noBuilder: 18,
  /** Stopped by SIGINT or SIGTERM (128 + the signal's number, as shells report it). */
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export class NixifyError extends Error {
  readonly code: number;
  constructor(
    code: ExitCodeName,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "NixifyError";
    this.code = ExitCode[code];
  }
}

/** Why a folder named by an option could not be made or written, from the error making or writing it. */
export function unwritableFolder(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOTDIR" || code === "EEXIST" ? "it, or a folder above it, is a file" : `it cannot be made or written (${code ?? (e as Error).message})`;
}
