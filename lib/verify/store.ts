// What the store holds: the only judge of whether a step was built.
import { NixifyError } from "../errors.ts";
import { spawn } from "../process.ts";
import type { NixRunner } from "./nix-settings.ts";
import { nixError } from "./nix-output.ts";

export const NIX_BROKE_HINT = "this is Nix failing, not a step: check that its store is readable, writable and not full (offline: the store under --state)";

/** Which of `outs` are not in the store: one call for all of them. An unanswered query is an error, never "none". */
export async function missing(runner: NixRunner, outs: string[]): Promise<Set<string>> {
  if (outs.length === 0) return new Set();
  const r = await spawn(["nix-store", "--check-validity", "--print-invalid", ...outs], { env: runner.env });
  if (r.code !== 0) {
    throw new NixifyError(
      "nixFailed",
      `Nix could not say which steps are in the store: nix-store --check-validity exited with ${r.code}: ${nixError(r.stderr)}`,
      NIX_BROKE_HINT,
    );
  }
  const asked = new Set(outs);
  return new Set(r.stdout.split("\n").filter((p) => asked.has(p)));
}
