// The one wrapper around Bun.spawn: argv arrays only, never a shell string built from input.

export type SpawnResult = { code: number; stdout: string; stderr: string };

export type SpawnOptions = {
  cwd?: string;
  env?: { [name: string]: string | undefined };
};

export async function spawn(argv: string[], opts: SpawnOptions = {}): Promise<SpawnResult> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** The last `n` lines of a text, without ANSI colour codes. */
export function tail(text: string, n: number): string {
  const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").trimEnd();
  return clean.split("\n").slice(-n).join("\n");
}

/** Like spawn, but hands each stderr line to `onLine` as it arrives (for live progress). */
export async function spawnWatching(argv: string[], opts: SpawnOptions, onLine: (line: string) => void): Promise<SpawnResult> {
  const proc = Bun.spawn(argv, { cwd: opts.cwd, env: opts.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const stdout = new Response(proc.stdout).text();
  let stderr = "";
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    stderr += text;
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) onLine(line);
  }
  if (pending) onLine(pending);
  return { code: await proc.exited, stdout: await stdout, stderr };
}
