// The few keys of a bootstrap config (bootstrap.toml or config.toml) gen reads or sets ([build]
// rustc and cargo, [rust] channel), by line: enough for bootstrap's flat configs without a TOML
// library; and which file name and change-id a checkout's bootstrap expects.

function keyLine(key: string): RegExp {
  return new RegExp(`^(\\s*${key}\\s*=\\s*")([^"]*)(")`, "m");
}

/** The string value of `key` (e.g. build.rustc's `rustc`), if the config sets it. */
export function configValue(config: string | undefined, key: string): string | undefined {
  return config ? keyLine(key).exec(config)?.[2] : undefined;
}

/** The config with `key = "value"` in its [build] table: replaced where set, else added. */
export function setBuildValue(config: string, key: string, value: string): string {
  const line = `${key} = ${JSON.stringify(value)}`;
  if (keyLine(key).test(config)) return config.replace(keyLine(key), () => line);
  if (/^\[build\]\s*$/m.test(config)) return config.replace(/^\[build\]\s*$/m, (header) => `${header}\n${line}`);
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
