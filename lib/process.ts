// The one wrapper around Bun.spawn: argv arrays only, never a shell string built from input.

export type SpawnResult = { code: number; stdout: string; stderr: string };

export type SpawnOptions = {
  cwd?: string;
  env?: { [name: string]: string | undefined };
  /** Stream stderr to ours instead of capturing it (long runs the user wants to watch). */
  inheritStderr?: boolean;
};

export async function spawn(argv: string[], opts: SpawnOptions = {}): Promise<SpawnResult> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: opts.inheritStderr ? "inherit" : "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    opts.inheritStderr ? Promise.resolve("") : new Response(proc.stderr as ReadableStream).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** The last `n` lines of a text, without ANSI colour codes. */
export function tail(text: string, n: number): string {
  const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").trimEnd();
  return clean.split("\n").slice(-n).join("\n");
}
