// Every Nix setting nixify-rust uses lives here. Online, the user's Nix is used as it is (with
// flakes enabled). Offline (--offline) Nix needs no network, no root and no daemon:
//   - substituters empty: no binary cache (cache.nixos.org would cost ~4 s of retries a build);
//   - flake-registry: a local empty registry (an empty value is an error in Nix 2.8);
//   - store: a private local store under the state folder (store, state and log), no daemon;
//   - build-users-group empty and sandbox off: builds run as the calling user and may use the
//     host toolchain at its real paths;
//   - NIX_CONF_DIR and NIX_USER_CONF_FILES point away from the machine's own settings;
//   - NIX_STORE_DIR is the private store's folder, so that a remote builder's store (`ssh-ng://`,
//     whose store folder Nix would otherwise take to be /nix/store) names paths the same way.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NixifyError, unwritableFolder } from "../errors.ts";

export type NixRunner = {
  /** Environment for every nix command. */
  env: { [name: string]: string | undefined };
  /** Arguments that go before the subcommand's own (flakes on, and offline what it needs). */
  flakeArgs: string[];
  offline: boolean;
};

/**
 * A character a --state path may hold: offline, Nix 2.8 names it in a `path:` flake URL (the
 * stand-in for nixpkgs: no space, `#`, `?`, `%`, `"`, non-ASCII) and in the store URL of nix.conf
 * (no `;` or `!` there).
 */
const STATE_PATH_CHAR = /^[A-Za-z0-9._~$&'()*+,=:@\/-]$/;

export function nixInstalled(): string {
  const nix = Bun.which("nix");
  if (!nix) {
    throw new NixifyError(
      "nixMissing",
      "nix is not installed or not on PATH",
      "install Nix (Debian: apt-get install -y nix-bin; elsewhere: https://nixos.org/download)",
    );
  }
  return nix;
}

export async function nixRunner(opts: { offline: boolean; stateDir: string }): Promise<NixRunner> {
  nixInstalled();
  const flakeArgs = ["--extra-experimental-features", "nix-command flakes"];
  if (!opts.offline) return { env: { ...process.env }, flakeArgs, offline: false };
  const dir = opts.stateDir;
  const bad = [...dir].find((c) => !STATE_PATH_CHAR.test(c));
  if (bad !== undefined) {
    throw new NixifyError(
      "badInput",
      `--state ${JSON.stringify(dir)} has ${JSON.stringify(bad)}, which Nix cannot take in the store and flake URLs that name it`,
      "choose a --state whose path has only letters A-Z a-z, digits and . _ - ~ $ & ' ( ) * + , = : @ /",
    );
  }
  const conf = join(dir, "conf");
  const settings = [
    "experimental-features = nix-command flakes",
    "substituters =",
    `flake-registry = ${join(dir, "registry.json")}`,
    "build-users-group =",
    "sandbox = false",
    "download-attempts = 1",
    "connect-timeout = 5",
    `store = local?store=${dir}/store&state=${dir}/state&log=${dir}/log`,
  ];
  try {
    await mkdir(conf, { recursive: true });
    await writeFile(join(dir, "registry.json"), JSON.stringify({ flakes: [], version: 2 }));
    await writeFile(join(conf, "nix.conf"), `${settings.join("\n")}\n`);
  } catch (e) {
    throw new NixifyError(
      "badInput",
      `--state ${dir} cannot hold verify's store and settings: ${unwritableFolder(e)}`,
      "choose a writable folder with --state DIR",
    );
  }
  return {
    env: { ...process.env, NIX_CONF_DIR: conf, NIX_USER_CONF_FILES: "/dev/null", NIX_STORE_DIR: join(dir, "store"), XDG_CACHE_HOME: join(dir, "cache") },
    flakeArgs: [],
    offline: true,
  };
}
