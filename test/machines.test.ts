// The pure core of remote building, without Nix or sshd: Nix's machines syntax as verify reads it,
// and the lines of Nix 2.8's JSON log (captured from a build on a remote builder) that say where
// a derivation was built.
import { describe, expect, test } from "bun:test";
import { ExitCode, NixifyError } from "../lib/errors.ts";
import { canBuild, parseMachines } from "../lib/verify/machines.ts";
import { parseRealiseLine } from "../lib/verify/nix-output.ts";

const DRV = "/nix/store/63x4ypbsrb6lqmn8607y5d7kav5dn7rc-a.drv";

describe("parseMachines", () => {
  test.each([
    [
      "one machine, every field",
      "ssh-ng://nix@farm x86_64-linux /k 4 1 - - c3NoLWVkMjU1MTkgQUFBQQ==",
      [{ uri: "ssh-ng://nix@farm", systems: ["x86_64-linux"], maxJobs: 4 }],
    ],
    ["the URI alone: this machine's system, one job", "ssh://farm", [{ uri: "ssh://farm", systems: ["-"], maxJobs: 1 }]],
    [
      "machines by ';' and newline, comments and blanks skipped",
      "ssh://a x86_64-linux,aarch64-linux - 2; ssh://b # b\n\n",
      [
        { uri: "ssh://a", systems: ["x86_64-linux", "aarch64-linux"], maxJobs: 2 },
        { uri: "ssh://b", systems: ["-"], maxJobs: 1 },
      ],
    ],
    ["a machines file that does not exist (Nix skips it)", "@/nonexistent/machines", []],
    ["nothing", "", []],
  ])("%s", (_, spec, machines) => {
    expect(parseMachines(spec)).toEqual(machines);
  });

  test.each([
    ["a job count that is no number", "ssh://a x86_64-linux - four", "the maximum of jobs (field 4) must be a whole number, not 'four'"],
    ["a speed that is no number", "ssh://a x86_64-linux - 1 fast", "the speed factor (field 5) must be a whole number, not 'fast'"],
    ["a host key that is not base64", "ssh://a x86_64-linux - 1 1 - - not*base64", "the host key (field 8) must be base64"],
  ])("refuses %s", (_, spec, message) => {
    let error: unknown;
    try {
      parseMachines(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NixifyError);
    expect((error as NixifyError).code).toBe(ExitCode.badInput);
    expect((error as NixifyError).message).toContain(message);
  });

  test.each([
    ["a machine of the system", "ssh://a x86_64-linux", true],
    ["a machine of this machine's system (no systems field)", "ssh://a", true],
    ["machines of other systems only", "ssh://a aarch64-linux; ssh://b riscv64-linux", false],
    ["a machine that takes no jobs", "ssh://a x86_64-linux - 0", false],
  ])("canBuild: %s", (_, spec, can) => {
    expect(canBuild(parseMachines(spec), "x86_64-linux")).toBe(can);
  });
});

describe("where Nix built a derivation", () => {
  test.each([
    [
      "handed to a remote builder",
      `@nix {"action":"start","fields":["${DRV}","ssh-ng://root@localhost",1,1],"id":85474144157702,"level":3,"text":"building '${DRV}' on 'ssh-ng://root@localhost'","type":105}`,
      { kind: "start", drv: DRV, machine: "ssh-ng://root@localhost", activity: 85474144157702 },
    ],
    [
      "the builder's own activity, relayed (and a local build): no machine",
      `@nix {"action":"start","fields":["${DRV}","",1,1],"id":85474144157710,"level":3,"text":"building '${DRV}'","type":105}`,
      { kind: "start", drv: DRV, machine: "", activity: 85474144157710 },
    ],
    [
      "a builder that does not answer: Nix's own error",
      String.raw`@nix {"action":"msg","level":0,"msg":"cannot build on 'ssh-ng://root@localhost': \u001b[31;1merror:\u001b[0m cannot open connection to remote store '\u001b[35;1mssh-ng://root@localhost\u001b[0m': \u001b[35;1m\u001b[31;1merror:\u001b[0m unexpected end-of-file\u001b[0m"}`,
      {
        kind: "error",
        ours: true,
        text: "cannot build on 'ssh-ng://root@localhost': error: cannot open connection to remote store 'ssh-ng://root@localhost': error: unexpected end-of-file",
      },
    ],
    [
      "what the ssh Nix runs prints: not Nix's word",
      "ssh: connect to host 127.0.0.1 port 1: Connection refused",
      { kind: "error", ours: false, text: "ssh: connect to host 127.0.0.1 port 1: Connection refused" },
    ],
  ])("%s", (_, line, event) => {
    expect(parseRealiseLine(line)).toEqual(event as ReturnType<typeof parseRealiseLine>);
  });
});
