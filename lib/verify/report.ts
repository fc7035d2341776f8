// What verify says of a tree, step by step: the contract of `verify --json` (docs/schemas.md).
import * as v from "valibot";
import { StepKindSchema } from "../schema.ts";

export const STEP_STATUSES = ["passed", "failed", "skipped", "built"] as const;

export const StepReportSchema = v.object({
  id: v.string(),
  kind: StepKindSchema,
  emoji: v.string(),
  label: v.string(),
  /** passed: built now, its output in the store; built: already in the store; failed; skipped: not built. */
  status: v.picklist(STEP_STATUSES),
  /** Its own build time: from Nix's "building" line to the end of its builder, as Nix's log shows them. */
  seconds: v.number(),
  /** When that build started, in seconds after verify asked Nix to build: with `seconds`, the build's timeline. */
  startSeconds: v.optional(v.number()),
  /**
   * Set when the log did not show both ends: "upper-bound" (no end seen; `seconds` runs until
   * verify learned the result), "unknown" (no start seen; `seconds` is 0).
   */
  timing: v.optional(v.picklist(["upper-bound", "unknown"])),
  /** The seconds its command ran, as its step's script timed it (a copy or an unpack runs none). */
  commandSeconds: v.optional(v.number()),
  /**
   * The rest of its build until Nix was done with it, its own overhead: preparing its inputs,
   * linking its dependencies' outputs, dropping what it did not write, Nix registering its output
   * (from a builder: copying it back).
   */
  overheadSeconds: v.optional(v.number()),
  outPath: v.optional(v.string()),
  drvPath: v.optional(v.string()),
  /** Why it failed or was skipped: the log's tail, or the step it waited for. */
  reason: v.optional(v.string()),
  logCommand: v.optional(v.string()),
  /** The compiler a rustc step runs: the pinned (or nixpkgs') one, or one the tree builds, named by where it lies. */
  compiler: v.optional(v.string()),
  /** Where Nix built it: "local" (this machine), or the store URI of the remote builder it handed the step to. */
  builtOn: v.optional(v.string()),
});
export type StepReport = v.InferOutput<typeof StepReportSchema>;
export type StepStatus = StepReport["status"];

export const VerifyReportSchema = v.object({
  tree: v.string(),
  system: v.string(),
  /** Seconds evaluating the tree; when `evalReused`, the seconds checking that the kept evaluation still holds. */
  evalSeconds: v.number(),
  /** The evaluation kept in --state was used: nothing the evaluation reads had changed (offline only). */
  evalReused: v.boolean(),
  totalSeconds: v.number(),
  /** The chosen steps, in the tree's order. */
  steps: v.array(StepReportSchema),
  /** Every chosen step passed or was already built. */
  ok: v.boolean(),
});
export type VerifyReport = v.InferOutput<typeof VerifyReportSchema>;
