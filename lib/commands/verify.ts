import { defineCommand } from "citty";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode, NixifyError } from "../errors.ts";
import { log, printable } from "../log.ts";
import { verify } from "../verify/verify.ts";
import { type StepReport } from "../verify/report.ts";
import { outputArgs, runReporting } from "./shared.ts";

const MARK: { [S in StepReport["status"]]: string } = { passed: "✔ passed", built: "✔ already built", failed: "✖ failed", skipped: "- skipped" };

function line(r: StepReport): string {
  return `${r.id} ${r.emoji} ${printable(r.label)}`;
}

// A time Nix's log did not bound on both sides is shown as such, never as exact.
function seconds(r: StepReport): string {
  return r.timing === "unknown" ? "?" : `${r.timing === "upper-bound" ? "≤" : ""}${r.seconds.toFixed(1)}`;
}

const MAX_JOBS = 2 ** 32 - 1;

export default defineCommand({
  meta: {
    name: "verify",
    description: "Build the steps of a generated tree with Nix, in order and one at a time, and report each one's result",
  },
  args: {
    tree: { type: "positional", required: false, default: "./bootstrap", valueHint: "TREE", description: "The tree gen wrote" },
    offline: {
      type: "boolean",
      description: "No network: no substituters or flake registry, a private store, and the machine's own toolchain in place of nixpkgs",
    },
    state: { type: "string", valueHint: "DIR", description: "Where --offline keeps its store and settings (default: ~/.cache/nixify-rust/nix)" },
    toolchain: {
      type: "string",
      valueHint: "DIR",
      description:
        "A toolchain folder (bin/rustc, bin/cargo): the compiler a --depth rustc tree was captured with, added to the store; with --offline also nixpkgs' rustc and cargo (default: the machine's)",
    },
    src: {
      type: "string",
      valueHint: "DIR",
      description: "Build against this checkout instead of the tree's own (the same sources with a change: only the steps it reaches rebuild)",
    },
    from: { type: "string", valueHint: "ID", description: "First step to build (e.g. step003)" },
    to: { type: "string", valueHint: "ID", description: "Last step to build" },
    only: { type: "string", valueHint: "ID,...", description: "Build only these steps" },
    "keep-going": { type: "boolean", description: "Go on after a failure with the steps that do not depend on it" },
    jobs: { type: "string", valueHint: "N", description: "Builds Nix may run at once on this machine (its --max-jobs); 0 with --builders: build nothing here" },
    builders: {
      type: "string",
      valueHint: "SPEC",
      description:
        "Remote builders in Nix's machines syntax, e.g. 'ssh-ng://HOST x86_64-linux KEY 4' (its --builders); the report says where each step was built",
    },
    ...outputArgs,
  },
  async run({ args }) {
    await runReporting(args, async () => {
      const jobs = args.jobs === undefined ? undefined : Number(args.jobs);
      // Nix takes a max-jobs of up to 2^32 - 1, in digits only.
      if (jobs !== undefined && !(/^\d+$/.test(args.jobs!) && jobs <= MAX_JOBS))
        throw new NixifyError("badInput", `--jobs must be a whole number from 0 to ${MAX_JOBS} (0 with --builders: none here), not ${args.jobs}`);
      const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
      const report = await verify(
        {
          tree: args.tree ?? "./bootstrap",
          offline: Boolean(args.offline),
          stateDir: resolve(args.state ?? join(cache, "nixify-rust", "nix")),
          toolchain: args.toolchain === undefined ? undefined : resolve(args.toolchain),
          src: args.src === undefined ? undefined : resolve(args.src),
          from: args.from,
          to: args.to,
          only: args.only
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          keepGoing: Boolean(args["keep-going"]),
          jobs,
          builders: args.builders,
        },
        (r, n, total) => {
          const msg = `[${n}/${total}] ${line(r)} ... ${seconds(r)}s ${MARK[r.status]}${r.builtOn && r.builtOn !== "local" ? ` on ${r.builtOn}` : ""}`;
          if (r.status === "failed") {
            log.error(msg);
            if (r.reason) log.info(r.reason);
            if (r.logCommand) log.info(`whole log: ${r.logCommand}`);
          } else if (r.status === "skipped") log.warn(`${msg}: ${r.reason}`);
          else log.info(msg);
        },
      );
      const count = (s: StepReport["status"]) => report.steps.filter((r) => r.status === s).length;
      // Where each step was built is a column of its own once any was built elsewhere.
      const remote = report.steps.some((r) => r.builtOn && r.builtOn !== "local");
      log.log(
        [
          "",
          `step     kind         status           seconds${remote ? "  built on" : ""}`,
          ...report.steps.map(
            (r) => `${r.id.padEnd(8)} ${r.kind.padEnd(12)} ${MARK[r.status].padEnd(16)} ${seconds(r).padStart(7)}${remote ? `  ${r.builtOn ?? "-"}` : ""}`,
          ),
        ].join("\n"),
      );
      const summary = `${count("passed")} passed, ${count("built")} already built, ${count("failed")} failed, ${count("skipped")} skipped in ${report.totalSeconds.toFixed(1)}s (evaluation ${report.evalSeconds.toFixed(1)}s${report.evalReused ? ", reused" : ""})`;
      if (report.ok) log.success(summary);
      else log.error(summary);
      const compilers = new Map<string, number>();
      for (const r of report.steps) if (r.compiler) compilers.set(r.compiler, (compilers.get(r.compiler) ?? 0) + 1);
      if (compilers.size > 0) log.info(`compilers: ${[...compilers].map(([c, n]) => `${printable(c)} for ${n} steps`).join("; ")}`);
      if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? ExitCode.ok : ExitCode.buildFailed;
    });
  },
});
