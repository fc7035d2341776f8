// A bootstrap config (bootstrap.toml or config.toml): parsed once with Bun's TOML parser where it
// is read or made; written by line ([build] rustc and cargo, a key dropped) so the user's own text
// (comments, order) stays as it was; and which file name and change-id a checkout's bootstrap expects.
import { NixifyError } from "../errors.ts";

/** A config: its text, which x.py and the steps read, and that text parsed. */
export type Config = { text: string; table: unknown };

/** A config's text parsed; one that is not TOML is the user's to fix, in one line. */
export function parseConfig(text: string): Config {
  assertConfigText(text);
  try {
    return { text, table: Bun.TOML.parse(text) };
  } catch (e) {
    throw new NixifyError(
      "badInput",
      `the config is not TOML: ${e instanceof Error ? e.message : String(e)}`,
      "check it with x.py itself, or start from config.example.toml",
    );
  }
}

/**
 * The string at a dotted path of the config ("build.rustc", "rust.channel",
 * "target.x86_64-unknown-linux-gnu.llvm-config"), if the config sets one there.
 */
export function configValue(config: Config | undefined, path: string): string | undefined {
  // A target's table is named by its triple, dots and all.
  const names = path.startsWith("target.")
    ? ["target", path.slice("target.".length, path.lastIndexOf(".")), path.slice(path.lastIndexOf(".") + 1)]
    : path.split(".");
  let value = config?.table;
  for (const name of names) value = value !== null && typeof value === "object" ? (value as { [k: string]: unknown })[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

/** A NUL can be neither in TOML nor in a Nix string: said with its line, before any parser's word. */
function assertConfigText(config: string): void {
  const nul = config.indexOf("\0");
  if (nul < 0) return;
  const line = config.slice(0, nul).split("\n").length;
  throw new NixifyError("badInput", `the config holds a NUL character (line ${line}): neither TOML nor a Nix string can`, "remove it from the config");
}

function keyLine(key: string): RegExp {
  return new RegExp(`^(\\s*${key}\\s*=\\s*")([^"]*)(")`, "m");
}

/** The config with `key = "value"` in its [build] table: replaced where set, else added. */
export function setBuildValue(config: string, key: string, value: string): string {
  const line = `${key} = ${JSON.stringify(value)}`;
  if (keyLine(key).test(config)) return config.replace(keyLine(key), () => line);
  const header = /^\[build\][ \t]*(#.*)?$/m;
  if (header.test(config)) return config.replace(header, (h) => `${h}\n${line}`);
  return `${config.trimEnd()}\n\n[build]\n${line}\n`;
}

/** The config without `key`'s line, wherever it is set. */
export function withoutValue(config: string, key: string): string {
  return config.replace(new RegExp(`^\\s*${key}\\s*=.*\\n?`, "m"), "");
}

/**
 * The file name under which the checkout's bootstrap.py reads its config from the source root:
 * `bootstrap.toml` where it knows that name (it then prefers it to `config.toml`, Rust 1.86 and
 * newer), else `config.toml`.
 */
export function configFileName(bootstrapPy: string): "bootstrap.toml" | "config.toml" {
  return bootstrapPy.includes("bootstrap.toml") ? "bootstrap.toml" : "config.toml";
}

/**
 * The newest `change-id` a bootstrap knows (the last entry of its change tracker,
 * src/bootstrap/src/utils/change_tracker.rs), which it expects its config to name; undefined for
 * bootstraps without one (1.63 has `changelog-seen` instead).
 */
export function latestChangeId(changeTracker: string | undefined): number | undefined {
  const ids = [...(changeTracker ?? "").matchAll(/\bchange_id: (\d+)/g)];
  return ids.length > 0 ? Number(ids.at(-1)![1]) : undefined;
}
