// A second machine for the tests, on this one: Debian's sshd (openssh-server; scripts/test.sh
// installs it) on a free port of its own, with its own host key and one throwaway authorized key,
// in front of a Nix store of its own. What a build machine's administrator sets up is its
// nix.conf, which sshd hands to every session (SetEnv NIX_CONF_DIR): that store, and a sandbox.
//
// The store has the same store folder as the client's offline store (paths must be the same on
// both sides) but lies elsewhere (`local?root=DIR`): Nix builds in such a store only in its
// sandbox, which mounts the real folder at the store folder. The sandbox sees the machine's tools
// at their real paths (the offline stand-in for nixpkgs names them), as a farm machine with the
// same tools installed would. sshd runs in the foreground as our child (not through
// lib/process.ts, whose children end before it returns) until stop().
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "../../lib/process.ts";

export const SSHD = "/usr/sbin/sshd";

export type Builder = {
  /** The builder's store URI, as Nix names the machine in its log and verify in its report. */
  uri: string;
  /** Nix's machines syntax for this builder: URI, system, key, max jobs, speed, features, mandatory features, host key. */
  spec: (system: string) => string;
  /** The client's environment for reaching it: the port goes to Nix's ssh in NIX_SSHOPTS. */
  env: { NIX_SSHOPTS: string };
  /** The builder's own store, to open from this side (`nix path-info --store ...`). */
  store: string;
  stop: () => Promise<void>;
};

async function run(argv: string[]): Promise<string> {
  const r = await spawn(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A port nothing listens on now. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** The folders a sandbox must show: the system's, and the tools' prefixes not already below one of them. */
function sandboxPaths(toolPrefixes: string[]): string[] {
  const paths = ["/bin", "/lib", "/lib64?", "/usr", "/etc/alternatives"];
  for (const p of [...new Set(toolPrefixes)].sort()) {
    if (p !== "/" && !paths.some((q) => p === q.replace(/\?$/, "") || p.startsWith(`${q.replace(/\?$/, "")}/`))) paths.push(p);
  }
  return paths;
}

/**
 * Starts the builder in `dir`: its store shares `storeDir` (the client's store folder) and its
 * sandbox shows `toolPrefixes`.
 */
export async function startBuilder(dir: string, storeDir: string, toolPrefixes: string[]): Promise<Builder> {
  if (!(await Bun.file(SSHD).exists())) throw new Error(`${SSHD} is missing: install openssh-server (scripts/test.sh does)`);
  const ssh = join(dir, "ssh");
  const conf = join(dir, "conf");
  await mkdir(ssh, { recursive: true });
  await mkdir(conf, { recursive: true });
  const hostKey = join(ssh, "host_ed25519_key");
  const clientKey = join(ssh, "client_ed25519_key");
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nixify-test-builder", "-f", hostKey]);
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nixify-test-client", "-f", clientKey]);
  await Bun.write(join(ssh, "authorized_keys"), await Bun.file(`${clientKey}.pub`).text());
  // As root, sshd wants its privilege-separation folder (Debian's service makes it at boot).
  if (process.getuid?.() === 0) await mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  const store = `local?root=${join(dir, "root")}&store=${storeDir}`;
  await Bun.write(
    join(conf, "nix.conf"),
    [
      "experimental-features = nix-command flakes",
      "substituters =",
      "build-users-group =",
      "sandbox = true",
      "sandbox-fallback = false",
      `sandbox-paths = ${sandboxPaths(toolPrefixes).join(" ")}`,
      `store = ${store}`,
      "",
    ].join("\n"),
  );
  const port = freePort();
  const config = join(ssh, "sshd_config");
  await Bun.write(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(ssh, "authorized_keys")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      // The temp folders' modes are not sshd's business here.
      "StrictModes no",
      "PidFile none",
      `SetEnv NIX_CONF_DIR=${conf} NIX_USER_CONF_FILES=/dev/null XDG_CACHE_HOME=${join(dir, "cache")}`,
      "",
    ].join("\n"),
  );

  const sshd = Bun.spawn([SSHD, "-D", "-e", "-f", config], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  // Its log is read to the end, so that a full pipe never stops it; the tail explains a failure.
  let said = "";
  const listening = Promise.withResolvers<void>();
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of sshd.stderr) {
      said = (said + decoder.decode(chunk, { stream: true })).slice(-8000);
      if (said.includes(`Server listening on 127.0.0.1 port ${port}`)) listening.resolve();
    }
  })();
  const timeout = setTimeout(() => listening.reject(new Error(`sshd did not listen within 10 s: ${said}`)), 10_000);
  void sshd.exited.then((code) => listening.reject(new Error(`sshd exited (${code}): ${said}`)));
  try {
    await listening.promise;
  } catch (e) {
    sshd.kill();
    throw e;
  } finally {
    clearTimeout(timeout);
  }

  const user = (await run(["id", "-un"])).trim();
  // With a user: Nix opens a plain `ssh-ng://localhost` without ssh, as this machine's own store.
  const uri = `ssh-ng://${user}@localhost`;
  // The host key field is `base64 -w0` of the host's public key file, as docs/build-farm.md shows.
  const hostKeyField = (await run(["base64", "-w0", `${hostKey}.pub`])).trim();
  return {
    uri,
    spec: (system) => `${uri} ${system} ${clientKey} 2 1 - - ${hostKeyField}`,
    // Nix writes the host key for the host name; on a port of its own ssh would look it up as
    // [localhost]:PORT unless told the name to look for.
    env: { NIX_SSHOPTS: `-p ${port} -o HostKeyAlias=localhost` },
    store,
    stop: async () => {
      sshd.kill();
      await sshd.exited;
    },
  };
}
