// The few config.toml keys gen reads or sets ([build] rustc and cargo, [rust] channel), by line:
// enough for bootstrap's flat configs without a TOML library.

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
