// Remote builders in Nix's own syntax (the `builders` setting, /etc/nix/machines): machines
// separated by `;` or newlines, each `URI [SYSTEMS [SSH-KEY [MAX-JOBS [SPEED [FEATURES
// [MANDATORY-FEATURES [BASE64-HOST-KEY]]]]]]]`, `-` for a field left at its default, `@FILE` for
// a file of more. verify hands the spec to Nix unchanged; it reads it only to refuse what Nix 2.8
// would reject in the middle of a build (its rules), and to know whether any
// machine can take the tree's steps when this machine builds nothing (--jobs 0).
import { existsSync, readFileSync } from "node:fs";
import { NixifyError } from "../errors.ts";

export type Machine = {
  uri: string;
  /** The systems it builds; "-" (this machine's system) when the spec leaves the field out. */
  systems: string[];
  maxJobs: number;
};

const unset = (field: string | undefined) => field === undefined || field === "" || field === "-";

export function parseMachines(spec: string, seen: ReadonlySet<string> = new Set()): Machine[] {
  const machines: Machine[] = [];
  for (const raw of spec.split(/[\n;]/)) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    if (line.startsWith("@")) {
      // Nix skips a machines file that does not exist.
      const file = line.slice(1).trim();
      if (!seen.has(file) && existsSync(file)) machines.push(...parseMachines(readFileSync(file, "utf8"), new Set([...seen, file])));
      continue;
    }
    const fields = line.split(/\s+/);
    const bad = (what: string) =>
      new NixifyError(
        "badInput",
        `--builders: ${what} in '${line}'`,
        "the fields are: URI SYSTEMS SSH-KEY MAX-JOBS SPEED FEATURES MANDATORY-FEATURES BASE64-HOST-KEY ('-' for a default), machines separated by ';'",
      );
    const count = (i: number, name: string) => {
      const f = fields[i];
      if (unset(f)) return 1;
      if (!/^\d+$/.test(f!)) throw bad(`${name} (field ${i + 1}) must be a whole number, not '${f}'`);
      return Number(f);
    };
    if (unset(fields[0])) throw bad("no store URI first");
    count(4, "the speed factor");
    const key = fields[7];
    if (!unset(key) && !/^[A-Za-z0-9+/]+={0,2}$/.test(key!))
      throw bad(`the host key (field 8) must be base64, e.g. base64 -w0 of the host's ssh_host_ed25519_key.pub, not '${key}'`);
    machines.push({ uri: fields[0]!, systems: unset(fields[1]) ? ["-"] : fields[1]!.split(","), maxJobs: count(3, "the maximum of jobs") });
  }
  return machines;
}

/** Whether some machine of the spec can build for `system` (a machine without systems builds this machine's own). */
export function canBuild(machines: readonly Machine[], system: string): boolean {
  return machines.some((m) => m.maxJobs > 0 && (m.systems.includes(system) || m.systems.includes("-")));
}
