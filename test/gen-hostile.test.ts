// gen against a hostile user: --force aimed at the source, paths full of URL syntax, read-only
// and immutable out dirs, leftovers of killed runs, symlinked out dirs, 1000+ steps. Real CLI,
// real file system (bind mounts and chattr where this machine allows them), real Nix offline.
import { describe, expect, test } from "bun:test";
import { chmod, lstat, mkdir, readdir, readlink, rename, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ExitCode } from "../lib/errors.ts";
import { spawn } from "../lib/process.ts";
import { writeSample } from "../lib/capture/sample.ts";
import { writeStandIn } from "../lib/verify/standin.ts";
import { isFlakeInputUrl } from "../lib/render/render-tree.ts";
import { MAX_CHAIN } from "../lib/steps/graph.ts";
import { cli, listing, nixEval, offlineNixEnv, tempDir } from "./helpers.ts";

/** A copy of the sample at `src` whose x.py leaves `sentinel` when it runs (so a test can tell it did not). */
async function checkout(src: string, sentinel: string, edit: (py: string) => string = (py) => py): Promise<string> {
  await writeSample(src);
  const py = join(src, "src/bootstrap/bootstrap.py");
  const text = (await Bun.file(py).text()).replace("def main():", `def main():\n    open(${JSON.stringify(sentinel)}, "w").close()`);
  await Bun.write(py, edit(text));
  return src;
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** One line and a hint, no stack trace. */
function expectOneLine(stderr: string) {
  expect(stderr).not.toContain("    at ");
  expect(stderr.split("\n").filter((l) => /\[error\]|ERROR/.test(l)).length).toBe(1);
}

/** Folders of half-written or replaced trees beside `dir`'s entries. */
const leftovers = async (dir: string) => (await readdir(dir)).filter((f) => /\.nixify-(new|old)-/.test(f));

async function verifyOffline(tree: string, state: string) {
  const r = await cli(["verify", tree, "--offline", "--state", state]);
  expect({ code: r.code, err: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, err: "" });
  expect(r.stderr).toMatch(/4 passed, 0 already built, 0 failed/);
}

describe("--force never loses the source or anything gen did not make", () => {
  test("--out equal to --src, a folder holding it, or one of its folders: refused before x.py runs, the checkout untouched", async () => {
    const dir = await tempDir();
    const src = await checkout(join(dir, "work/rust"), join(dir, "ran"));
    const before = await listing(dir);
    for (const out of [src, join(dir, "work"), dir, join(src, "src"), join(src, "library/greeting")]) {
      const r = await cli(["gen", "--src", src, "--out", out, "--force"], { cwd: dir });
      expect({ out, code: r.code }).toEqual({ out, code: ExitCode.wouldLoseSource });
      expect(r.stderr).toContain("refusing to replace");
      expectOneLine(r.stderr);
    }
    // Without --force too: a folder holding the source is never replaced.
    expect((await cli(["gen", "--src", src, "--out", src], { cwd: dir })).code).toBe(ExitCode.wouldLoseSource);
    expect(await listing(dir)).toEqual(before);
    expect(await exists(join(dir, "ran"))).toBe(false);
  });

  test("real paths are compared: an --out that is a link to a folder holding the source, or a --src through a link", async () => {
    const dir = await tempDir();
    const src = await checkout(join(dir, "work/rust"), join(dir, "ran"));
    await symlink(join(dir, "work"), join(dir, "link-to-work"));
    await symlink(src, join(dir, "link-to-rust"));
    const before = await listing(dir);
    for (const [s, out] of [
      [src, join(dir, "link-to-work")],
      [join(dir, "link-to-rust"), join(dir, "work")],
      [join(dir, "link-to-rust"), join(dir, "link-to-rust")],
    ]) {
      const r = await cli(["gen", "--src", s!, "--out", out!, "--force"], { cwd: dir });
      expect({ out, code: r.code }).toEqual({ out, code: ExitCode.wouldLoseSource });
    }
    expect(await listing(dir)).toEqual(before);
    expect(await exists(join(dir, "ran"))).toBe(false);
  });

  test("--force never replaces the home folder, /, a top-level folder or the current folder", async () => {
    const dir = await tempDir();
    const home = join(dir, "home");
    await Bun.write(join(home, "notes.txt"), "precious");
    const env = { ...process.env, HOME: home };
    for (const [out, cwd] of [
      [home, dir],
      [dir, dir],
      ["/", dir],
      [".", home],
      ["..", home],
    ]) {
      const r = await cli(["gen", "--out", out!, "--force"], { cwd, env });
      expect({ out, code: r.code }).toEqual({ out, code: ExitCode.wouldLoseSource });
      expectOneLine(r.stderr);
    }
    expect(await Bun.file(join(home, "notes.txt")).text()).toBe("precious");
    expect(await readdir(dir)).toEqual(["home"]);
  });

  test("the default ./bootstrap inside a checkout is fine, and a folder gen did not make is moved aside, not deleted", async () => {
    const dir = await tempDir();
    const src = await checkout(join(dir, "rust"), join(dir, "ran"));
    for (let i = 0; i < 2; i++) expect((await cli(["gen"], { cwd: src })).code).toBe(0);
    expect(await Bun.file(join(src, "bootstrap/steps.json")).exists()).toBe(true);
    await Bun.write(join(dir, "mine/notes.txt"), "precious");
    const r = await cli(["gen", "--src", src, "--out", "mine", "--force"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("was not made by nixify-rust: it was moved to");
    expect(await Bun.file(join(dir, "mine.kept-by-nixify-rust/notes.txt")).text()).toBe("precious");
    expect(await Bun.file(join(dir, "mine/steps.json")).exists()).toBe(true);
  });
});

describe("paths with spaces, URL syntax, newlines and non-ASCII letters", () => {
  test("a checkout at such a path gives a tree that verify builds offline", async () => {
    const dir = await tempDir();
    const src = await checkout(join(dir, "we ird#?%{`é\nx", "rust checkout"), join(dir, "ran"));
    const r = await cli(["gen", "--src", src, "--out", join(dir, "out")], { cwd: dir });
    expect(r.code).toBe(0);
    await verifyOffline(join(dir, "out"), join(dir, "state"));
    // Refusals that name such a source stay one line.
    const refused = await cli(["gen", "--src", src, "--out", dir, "--force"], { cwd: dir });
    expect(refused.code).toBe(ExitCode.wouldLoseSource);
    expectOneLine(refused.stderr);
    expect(refused.stderr).toContain(JSON.stringify(src));
  });

  test("an --out that no Nix flake URL can name is refused up front, with nothing written", async () => {
    const dir = await tempDir();
    await checkout(join(dir, "rust"), join(dir, "ran"));
    for (const name of ["a b", "a\nb", "a#b", "a?b", "a%b", "a%20b", "a{b", "a`b", "é"]) {
      const r = await cli(["gen", "--src", join(dir, "rust"), "--out", join(dir, "t", name, "out")], { cwd: dir });
      expect({ name, code: r.code }).toEqual({ name, code: ExitCode.badInput });
      expect(r.stderr).toContain("which a Nix flake URL cannot hold");
      expectOneLine(r.stderr);
    }
    expect(await readdir(dir)).toEqual(["rust"]);
  });

  test("an --out with shell syntax Nix accepts builds, and the printed nix build line is one shell word", async () => {
    const dir = await tempDir();
    const out = join(dir, "it's(a)&b;$c!\"d");
    const r = await cli(["gen", "--out", out], { cwd: dir });
    expect(r.code).toBe(0);
    const line = r.stderr.split("\n").find((l) => l.includes("build the last step with: "))!;
    const command = line.slice(line.indexOf("with: ") + "with: ".length);
    const words = await spawn(["bash", "-c", `printf '%s\\n' ${command}`]);
    expect(words.stdout).toBe(`nix\nbuild\npath:${out}\n`);
    await verifyOffline(out, join(dir, "state"));
  });
});

test("escape sequences in a recorded argument reach no terminal: gen, verify and graph print its label stripped, steps.json keeps it", async () => {
  const dir = await tempDir();
  // A window title set, the screen cleared, the cursor sent home, a colour in 8-bit CSI.
  const hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[Hcleared\x9b31m";
  const src = await checkout(join(dir, "rust"), join(dir, "ran"), (py) =>
    py.replace("def bootstrap():", `def bootstrap():\n    run(["echo", ${JSON.stringify(hostile)}])`),
  );
  const control = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
  const g = await cli(["gen", "--src", src, "--out", "out"], { cwd: dir });
  expect(g.code).toBe(0);
  const steps: Array<{ id: string; label: string }> = (await Bun.file(join(dir, "out/steps.json")).json()).steps;
  expect(steps[0]!.label).toBe(`other echo ${hostile}`);
  expect(g.stderr).not.toMatch(control);
  expect(g.stderr).toContain("step001 ⚙️ other echo cleared");
  const v = await cli(["verify", "out", "--offline", "--state", join(dir, "state")], { cwd: dir });
  expect({ code: v.code, err: v.code === 0 ? "" : v.stderr }).toEqual({ code: 0, err: "" });
  expect(v.stderr).not.toMatch(control);
  expect(v.stderr).toMatch(/step001 ⚙️ other echo cleared \.\.\. [\d.]+s ✔ passed/);
  for (const [format, line] of [
    ["mermaid", '  step001["step001 ⚙️ other echo cleared"]'],
    ["dot", '  step001 [label="step001 ⚙️ other echo cleared"];'],
  ]) {
    const r = await cli(["graph", "out", "--format", format!], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(control);
    expect(r.stdout.split("\n")).toContain(line!);
  }
});

describe("gen writes no tree that can never evaluate", () => {
  test("--nixpkgs: gen takes exactly the flake URLs Nix takes; --system: only ARCH-OS; the rest is one line, exit usage, nothing written", async () => {
    const dir = await tempDir();
    await writeStandIn(join(dir, "standin"), "x86_64-linux");
    const env = await offlineNixEnv(join(dir, "nix"));
    // Nix's own verdict: a flake with that input, overridden as verify --offline overrides it
    // (Nix still parses the URL, so foo:bar failed every verify, --offline too).
    const nixTakes = async (url: string, i: number) => {
      const flake = join(dir, `probe${i}`);
      await Bun.write(join(flake, "flake.nix"), `{ inputs.nixpkgs.url = ${JSON.stringify(url)}; outputs = { self, nixpkgs }: { x = 1; }; }`);
      const r = await nixEval(env, `path:${flake}#x`, { inputs: { nixpkgs: join(dir, "standin") } });
      return r.code === 0;
    };
    const urls = [
      "github:NixOS/nixpkgs/nixos-unstable",
      "github:NixOS/nixpkgs?dir=lib",
      "gitlab:owner/nixpkgs",
      "sourcehut:~owner/nixpkgs",
      "nixpkgs",
      "nixpkgs/nixos-24.05",
      "flake:nixpkgs",
      "path:/nix/nixpkgs",
      "path:./nixpkgs",
      "git+https://github.com/NixOS/nixpkgs?ref=nixos-unstable",
      "git+ssh://git@github.com/NixOS/nixpkgs",
      "git+file:///srv/nixpkgs",
      "hg+https://example.org/nixpkgs",
      "https://github.com/NixOS/nixpkgs/archive/master.tar.gz",
      "foo:bar",
      "github:NixOS",
      "github:/nixpkgs",
      "github:NixOS/nixpkgs#x",
      "nixpkgs/a/b",
      "./nixpkgs",
      "git+ftp://example.org/nixpkgs",
      "https://example.org/nixpkgs",
      "tarball+https://example.org/nixpkgs.tar.gz",
      "https:",
      "not a url",
      'x"y',
    ];
    // One at a time: evaluations side by side in one store fail now and then for reasons of their own.
    const verdicts: Array<{ url: string; nix: boolean; gen: boolean }> = [];
    for (const [i, url] of urls.entries()) verdicts.push({ url, nix: await nixTakes(url, i), gen: isFlakeInputUrl(url) });
    expect(verdicts.filter((v) => v.nix !== v.gen)).toEqual([]);
    expect(verdicts.filter((v) => v.nix).length).toBe(14);
    // The CLI: refused before x.py runs, nothing written.
    const src = await checkout(join(dir, "rust"), join(dir, "ran"));
    for (const args of [
      ["--nixpkgs", "foo:bar"],
      ["--nixpkgs", "github:NixOS"],
      ["--system", 'x"y'],
      ["--system", "x86_64-unknown-linux-gnu"],
      ["--system", "x86_64"],
    ]) {
      const r = await cli(["gen", "--src", src, "--out", "out", ...args], { cwd: dir });
      expect({ args, code: r.code }).toEqual({ args, code: ExitCode.usage });
      expectOneLine(r.stderr);
    }
    expect(await exists(join(dir, "out"))).toBe(false);
    expect(await exists(join(dir, "ran"))).toBe(false);
    // What is taken is written as it was given, and the tree evaluates.
    const r = await cli(
      ["gen", "--src", src, "--out", "out", "--nixpkgs", "git+https://github.com/NixOS/nixpkgs?ref=nixos-unstable", "--system", "aarch64-linux"],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(await Bun.file(join(dir, "out/flake.nix")).text()).toContain('url = "git+https://github.com/NixOS/nixpkgs?ref=nixos-unstable";');
    await writeStandIn(join(dir, "standin-arm"), "aarch64-linux");
    const e = await nixEval(env, `path:${join(dir, "out")}#packages.aarch64-linux.default.system`, {
      inputs: { nixpkgs: join(dir, "standin-arm") },
      raw: true,
    });
    expect({ code: e.code, out: e.stdout, err: e.code === 0 ? "" : e.stderr }).toEqual({ code: 0, out: "aarch64-linux", err: "" });
  });

  /** The sample, with first a chain of n steps, each naming the file of the one before. */
  const chainOf = (n: number) => (py: string) =>
    py.replace(
      "def bootstrap():",
      [
        "def bootstrap():",
        '    chain = os.path.abspath("build")',
        "    os.makedirs(chain, exist_ok=True)",
        `    for i in range(${n}):`,
        '        run(["echo", str(i)] + (["--in", os.path.join(chain, "c%d" % (i - 1))] if i else []) + ["-o", os.path.join(chain, "c%d" % i)])',
      ].join("\n"),
    );

  test(`a chain of steps longer than ${MAX_CHAIN} is refused, naming the limit; one of ${MAX_CHAIN} evaluates at its far end`, async () => {
    const dir = await tempDir();
    const long = await checkout(join(dir, "long"), join(dir, "ran"), chainOf(MAX_CHAIN + 1));
    const r = await cli(["gen", "--src", long, "--out", "out"], { cwd: dir });
    expect(r.code).toBe(ExitCode.badInput);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`the steps form a chain of ${MAX_CHAIN + 1} (step0001 to step${MAX_CHAIN + 1}`);
    expect(r.stderr).toContain(`longer than the ${MAX_CHAIN} a tree may hold`);
    expect(await exists(join(dir, "out"))).toBe(false);
    const limit = await checkout(join(dir, "limit"), join(dir, "ran"), chainOf(MAX_CHAIN));
    expect((await cli(["gen", "--src", limit, "--out", "out"], { cwd: dir })).code).toBe(0);
    await writeStandIn(join(dir, "standin"), "x86_64-linux");
    const e = await nixEval(await offlineNixEnv(join(dir, "nix")), `path:${join(dir, "out")}#packages.x86_64-linux.step${MAX_CHAIN}.drvPath`, {
      inputs: { nixpkgs: join(dir, "standin") },
      raw: true,
    });
    expect({ code: e.code, err: e.code === 0 ? "" : e.stderr.slice(-500) }).toEqual({ code: 0, err: "" });
    expect(e.stdout).toEndWith(`-step${MAX_CHAIN}-other-echo-${MAX_CHAIN - 1}.drv`);
  });
});

/** Whether this machine lets a test make a read-only bind mount (root with CAP_SYS_ADMIN), and chattr +i in the temp dir. */
async function probe(): Promise<{ mount: boolean; chattr: boolean }> {
  const dir = await tempDir();
  await mkdir(join(dir, "m"));
  const mount = (await spawn(["mount", "--bind", join(dir, "m"), join(dir, "m")]).catch(() => ({ code: 1 }))).code === 0;
  if (mount) await spawn(["umount", join(dir, "m")]);
  const chattr = (await spawn(["chattr", "+i", join(dir, "m")]).catch(() => ({ code: 1 }))).code === 0;
  if (chattr) await spawn(["chattr", "-i", join(dir, "m")]);
  return { mount, chattr };
}
const can = await probe();

describe("an --out that cannot be written: one line, exit outDirUnwritable, no staging or old folder", () => {
  async function expectUnwritable(dir: string, out: string) {
    const r = await cli(["gen", "--out", out], { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: ExitCode.outDirUnwritable, stderr: expect.stringContaining("cannot write the tree at") });
    expectOneLine(r.stderr);
    for (const d of [dir, dirname(out)]) expect(await leftovers(d).catch(() => [])).toEqual([]);
  }

  test("a path whose parent is a file", async () => {
    const dir = await tempDir();
    await Bun.write(join(dir, "file"), "x");
    await expectUnwritable(dir, join(dir, "file/out"));
  });

  test.skipIf(!can.mount)("a read-only bind mount: as the --out itself (a tree of ours) and as its parent", async () => {
    const dir = await tempDir();
    const ro = join(dir, "ro");
    expect((await cli(["gen", "--out", join(ro, "tree")], { cwd: dir })).code).toBe(0);
    const before = await listing(ro);
    try {
      for (const m of [ro, join(ro, "tree")]) {
        expect((await spawn(["mount", "--bind", m, m])).code).toBe(0);
        expect((await spawn(["mount", "-o", "remount,ro,bind", m])).code).toBe(0);
        await expectUnwritable(dir, join(ro, "tree")); // parent read-only, then the mount point itself
        expect((await spawn(["umount", m])).code).toBe(0);
      }
    } finally {
      await spawn(["umount", join(ro, "tree")]);
      await spawn(["umount", ro]);
    }
    expect(await listing(ro)).toEqual(before);
  });

  test.skipIf(!can.chattr)("an immutable folder (chattr +i): the tree of ours there, and a folder inside it", async () => {
    const dir = await tempDir();
    const out = join(dir, "tree");
    expect((await cli(["gen", "--out", out], { cwd: dir })).code).toBe(0);
    const before = await listing(dir);
    try {
      expect((await spawn(["chattr", "+i", out])).code).toBe(0);
      await expectUnwritable(dir, out);
      await expectUnwritable(dir, join(out, "inner"));
    } finally {
      await spawn(["chattr", "-i", out]);
    }
    expect(await listing(dir)).toEqual(before);
  });
});

test("staging folders and replaced trees of killed runs are removed by the next run for that --out, and only those", async () => {
  const dir = await tempDir();
  // A pid that is surely dead: a process that ran and was waited for. (The kill -9 itself is
  // simulated: the folders are what such a run leaves, named as it names them.)
  const child = Bun.spawn(["true"]);
  await child.exited;
  const dead = child.pid;
  const stale = [`.out.nixify-new-${dead}`, `.out.nixify-del-${dead}`];
  const kept = [`.out.nixify-new-${process.pid}`, `.other.nixify-new-${dead}`, `.out.nixify-new-x${dead}`, `.out.nixify-kept-${dead}`];
  for (const name of [...stale, ...kept]) await Bun.write(join(dir, name, "flake.nix"), "# @generated by nixify-rust\n");
  const r = await cli(["gen", "--out", "out"], { cwd: dir });
  expect(r.code).toBe(0);
  expect((await readdir(dir)).sort()).toEqual([...kept, "out"].sort());
});

describe("the tree a killed run had moved aside (.NAME.nixify-old-PID, the only copy) is never deleted", () => {
  /** `dir/out` made by gen, then moved aside as a run killed in the middle of its swap leaves it. */
  async function killedInSwap(dir: string): Promise<{ aside: string; before: string[] }> {
    expect((await cli(["gen", "--out", "out", "--mode", "first"], { cwd: dir })).code).toBe(0);
    const child = Bun.spawn(["true"]);
    await child.exited;
    const aside = join(dir, `.out.nixify-old-${child.pid}`);
    await rename(join(dir, "out"), aside);
    return { aside, before: await listing(aside) };
  }

  test("with --out missing it is put back, even by a run that then fails", async () => {
    const dir = await tempDir();
    const { before } = await killedInSwap(dir);
    const r = await cli(["gen", "--src", join(dir, "no-checkout"), "--out", "out"], { cwd: dir });
    expect(r.code).toBe(ExitCode.notRustCheckout);
    expect(r.stderr).toContain("restored the tree a stopped run had moved aside");
    expect(await readdir(dir)).toEqual(["out"]);
    expect(await listing(join(dir, "out"))).toEqual(before);
  });

  test("with a tree at --out it is left, and named", async () => {
    const dir = await tempDir();
    const { aside, before } = await killedInSwap(dir);
    expect((await cli(["gen", "--out", "other"], { cwd: dir })).code).toBe(0);
    await rename(join(dir, "other"), join(dir, "out"));
    const r = await cli(["gen", "--out", "out"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`a stopped run left a tree at ${aside}; it is left as it is`);
    expect(await listing(aside)).toEqual(before);
  });
});

describe("a symlinked --out", () => {
  test("the tree is written into the folder the link points to, and the link stays", async () => {
    const dir = await tempDir();
    const real = join(dir, "trees/real");
    expect((await cli(["gen", "--out", real], { cwd: dir })).code).toBe(0);
    await symlink("trees/real", join(dir, "out"));
    const r = await cli(["gen", "--out", "out", "--mode", "first"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await readlink(join(dir, "out"))).toBe("trees/real");
    expect((await Bun.file(join(real, "steps.json")).json()).mode).toBe("first");
    expect(await readdir(join(dir, "trees"))).toEqual(["real"]);
    expect(r.stderr).toContain(`nix build path:${real}`);
    // The tree written through the link builds as a flake (its step flakes name it as their parent folder).
    await writeStandIn(join(dir, "standin"), "x86_64-linux");
    const env = await offlineNixEnv(join(dir, "nix"));
    const system = (await Bun.file(join(real, "steps.json")).json()).system;
    const e = await nixEval(env, `path:${real}/step001#packages.${system}.default.name`, {
      inputs: { tree: real, "tree/nixpkgs": join(dir, "standin") },
      raw: true,
    });
    expect({ code: e.code, out: e.stdout, err: e.code === 0 ? "" : e.stderr }).toEqual({ code: 0, out: "step001-rustc-greeting", err: "" });
  });

  test("a dangling link: the folder it names is made", async () => {
    const dir = await tempDir();
    await symlink("made/here", join(dir, "out"));
    await mkdir(join(dir, "made"));
    expect((await cli(["gen", "--out", "out"], { cwd: dir })).code).toBe(0);
    expect((await lstat(join(dir, "out"))).isSymbolicLink()).toBe(true);
    expect(await Bun.file(join(dir, "made/here/steps.json")).exists()).toBe(true);
  });
});

test("step ids are padded to the width the step count needs, so they sort in step order", async () => {
  const dir = await tempDir();
  const src = await checkout(join(dir, "rust"), join(dir, "ran"), (py) =>
    py.replace("def bootstrap():", "def bootstrap():\n    for i in range(997):\n        run(['true', str(i)])"),
  );
  expect((await cli(["gen", "--src", src, "--out", "out"], { cwd: dir })).code).toBe(0);
  const steps: Array<{ id: string; index: number; deps: string[] }> = (await Bun.file(join(dir, "out/steps.json")).json()).steps;
  expect(steps.length).toBe(1001);
  expect([steps[0]!.id, steps[998]!.id, steps.at(-1)!.id]).toEqual(["step0001", "step0999", "step1001"]);
  expect(steps.map((s) => s.id)).toEqual(steps.map((s) => s.id).sort());
  expect(steps.at(-1)!.deps).toEqual(["step0999"]);
  const dirs = (await readdir(join(dir, "out"))).filter((f) => /^step\d+$/.test(f)).sort();
  expect(dirs).toEqual(steps.map((s) => s.id));
  // Nix sees the same ids.
  await writeStandIn(join(dir, "standin"), "x86_64-linux");
  const env = await offlineNixEnv(join(dir, "nix"));
  const system = (await Bun.file(join(dir, "out/steps.json")).json()).system;
  const e = await nixEval(env, `path:${join(dir, "out")}#packages.${system}`, { inputs: { nixpkgs: join(dir, "standin") }, apply: "builtins.attrNames" });
  expect(e.code).toBe(0);
  expect(JSON.parse(e.stdout)).toEqual(["default", ...steps.map((s) => s.id)]);
});

describe("gen's folders and files that are not what they must be: one line, exit badInput, before x.py runs", () => {
  async function expectRefused(args: string[], message: string, env: { [k: string]: string | undefined } = process.env) {
    const dir = await tempDir();
    const src = await checkout(join(dir, "rust"), join(dir, "ran"));
    await Bun.write(join(dir, "file"), "x");
    const r = await cli(["gen", "--src", src, "--out", "out", ...args.map((a) => a.replace("DIR", dir))], { cwd: dir, env });
    expect({ args, code: r.code }).toEqual({ args, code: ExitCode.badInput });
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(message.replace("DIR", dir));
    expect(await exists(join(dir, "ran"))).toBe(false);
    expect(await exists(join(dir, "out"))).toBe(false);
  }

  test("TMPDIR missing", async () => {
    await expectRefused([], "cannot make a temporary folder in /nonexistent-tmp: ENOENT", { ...process.env, TMPDIR: "/nonexistent-tmp" });
  });

  test.skipIf(!can.mount)("TMPDIR read-only", async () => {
    const ro = await tempDir();
    expect((await spawn(["mount", "--bind", ro, ro])).code).toBe(0);
    try {
      expect((await spawn(["mount", "-o", "remount,ro,bind", ro])).code).toBe(0);
      await expectRefused([], `cannot make a temporary folder in ${ro}: EROFS`, { ...process.env, TMPDIR: ro });
    } finally {
      await spawn(["umount", ro]);
    }
  });

  test("--build-dir naming a file, or a folder under one", async () => {
    await expectRefused(["--build-dir", "DIR/file"], "--build-dir DIR/file cannot be x.py's build dir: it, or a folder above it, is a file");
    await expectRefused(["--build-dir", "DIR/file/build"], "it, or a folder above it, is a file");
  });

  test("--run-toolchain without bin/cargo, or with one that is not executable", async () => {
    const tc = join(await tempDir(), "toolchain");
    await Bun.write(join(tc, "bin/rustc"), "#!/bin/sh\n");
    await chmod(join(tc, "bin/rustc"), 0o755);
    await expectRefused(["--depth", "cargo", "--run-toolchain", tc], `--run-toolchain ${tc} has no bin/cargo`);
    await Bun.write(join(tc, "bin/cargo"), "#!/bin/sh\n");
    await expectRefused(["--depth", "cargo", "--run-toolchain", tc], `--run-toolchain ${tc} has a bin/cargo that is not an executable file`);
  });

  test("--config naming a folder or a device says what it is", async () => {
    await expectRefused(["--config", "DIR"], "config file DIR is a folder");
    await expectRefused(["--config", "/dev/zero"], "config file /dev/zero is not a file (a device or a socket)");
  });
});
