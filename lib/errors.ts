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
