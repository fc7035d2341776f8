// lib/render/nix.ts against the real nix-instantiate: every string form must read back byte-exact,
// every structure must parse. Generated expressions are batched into one file per test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GENERATED_MARKER,
  type Nix,
  attrName,
  attrs,
  bool,
  call,
  ident,
  lambda,
  letIn,
  list,
  nul,
  op,
  builtin,
  render,
  renderFile,
  sel,
  str,
} from "../lib/render/nix.ts";

let dir = "";
let files = 0;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "nixify-nix-test-")));
  for (const d of ["conf", "home", "cache"]) await mkdir(join(dir, d));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Isolated, offline Nix: empty config, private store/state/log, no substituters, no daemon.
async function nix(args: string[], source: string): Promise<string> {
  const file = join(dir, `expr${files++}.nix`);
  await writeFile(file, source);
  const proc = Bun.spawn(
    ["nix-instantiate", ...args, "--option", "store", `local?store=${dir}/store&state=${dir}/state&log=${dir}/log`, "--option", "substituters", "", file],
    {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NIX_CONF_DIR: join(dir, "conf"),
        NIX_USER_CONF_FILES: "/dev/null",
        XDG_CACHE_HOME: join(dir, "cache"),
        HOME: join(dir, "home"),
        TMPDIR: dir,
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`nix-instantiate ${args.join(" ")} exited ${code}:\n${err}\n--- ${file}`);
  return out;
}
const evalJson = async (e: Nix): Promise<unknown> => JSON.parse(await nix(["--eval", "--strict", "--json"], render(e)));

// Compare item by item first so a failure names the offending string, not a 100 kB diff.
function expectSame(got: unknown, want: string[], exprs: Nix[]) {
  expect(Array.isArray(got)).toBe(true);
  const g = got as unknown[];
  for (let i = 0; i < want.length; i++) {
    if (g[i] !== want[i]) {
      throw new Error(`item ${i}: want ${JSON.stringify(want[i])} got ${JSON.stringify(g[i])}\n${render(exprs[i]!)}`);
    }
  }
  expect(g).toEqual(want);
}

// mulberry32: tiny seeded PRNG so failures reproduce.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTROLS = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).concat("\x7f");
const ALPHABET = [
  '"',
  "\\",
  "$",
  "{",
  "}",
  "'",
  "''",
  "'''",
  "''${",
  "${",
  "$${",
  "$$",
  "\\$",
  "$\\",
  "''\\",
  "'$",
  "$'",
  "\n",
  "\r",
  "\r\n",
  "\t",
  " ",
  "  ",
  "\n ",
  "\n   ",
  "\n\t",
  "a",
  "xy",
  "é",
  "日本",
  "🦀",
  "e\u0301",
  "\u0301",
  "\u200b",
  "\ufeff",
  "\\n",
  "\\${",
  "}}",
  "''\n",
  ...CONTROLS,
];
// NUL is absent on purpose: Nix strings are C strings and cannot hold it (str() throws).
// Lone surrogates are absent too: they have no UTF-8 encoding (str() throws).

const EDGE_CASES = [
  "",
  "$",
  "$$",
  "$$$",
  "$${x}",
  "$$${x}",
  "${x}",
  "\\${x}",
  "$\\{x}",
  "a$",
  "a$$",
  "${",
  "$}",
  "{",
  "'",
  "''",
  "'''",
  "''''",
  "'''''",
  "a'",
  "a''",
  "''${",
  "''${x}",
  "$''",
  "'$",
  "'${",
  "'$'",
  "''$",
  "'\\",
  "''\\n",
  "'\r",
  "'\t",
  "' ",
  " ",
  "  ",
  "  a",
  " a\n b",
  "  a\n    b\n",
  "\n",
  "\n\n",
  " \n ",
  "a\n",
  "a\n  ",
  "a\n ''",
  "\n  a",
  "  \n  ",
  "\t",
  "\r",
  "\r\n",
  "\n\r",
  "\t a",
  " \ta",
  "x\n\ty",
  "'\n'",
  "''\n''",
  '"',
  "\\",
  "\\\\",
  '\\"',
  '"${x}"',
  "echo 'hi' \"$HOME\" ${PWD}\n",
  "é日本🦀e\u0301",
  "\x01\x1f\x7f",
  "a'''b",
  "$'''",
  "'''$",
  "'''${",
];

function corpus(): string[] {
  const rnd = prng(0x5eed);
  const out = [...EDGE_CASES];
  for (let i = 0; i < 400; i++) {
    let s = "";
    const n = Math.floor(rnd() * 16);
    for (let j = 0; j < n; j++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    out.push(s);
  }
  return out;
}

describe("strings round-trip through nix-instantiate", () => {
  const strings = corpus();

  test("str", async () => {
    const es = strings.map(str);
    expectSame(await evalJson(list(es)), strings, es);
  });

  test("unrepresentable text is refused, not mangled", () => {
    expect(() => str("a\0b")).toThrow();
    expect(() => str("\ud800")).toThrow();
  });
});

describe("attribute names", () => {
  const names = [
    "if",
    "then",
    "else",
    "assert",
    "with",
    "let",
    "in",
    "rec",
    "inherit",
    "or",
    "a.b",
    "a.b.c",
    "1abc",
    "with space",
    '"quote',
    "${x}",
    "$",
    "\\",
    "'",
    "a'b",
    "a-b",
    "-a",
    "_",
    "é",
    "日本",
    "🦀",
    "",
    "true",
    "null",
    "x\ny",
    "tab\there",
    "''${",
    "plain",
  ];

  test("bare only when Nix allows it", () => {
    expect(attrName("plain")).toBe("plain");
    expect(attrName("a'b")).toBe("a'b");
    expect(attrName("a.b")).toBe('"a.b"');
    expect(attrName("if")).toBe('"if"');
    expect(attrName("")).toBe('""');
    expect(attrName("${x}")).toBe('"\\${x}"');
    expect(() => ident("let")).toThrow();
    expect(() => ident("a.b")).toThrow();
    expect(() => ident("1a")).toThrow();
  });

  test("hostile keys evaluate to exactly themselves", async () => {
    const rec: Record<string, Nix> = {};
    names.forEach((n, i) => (rec[n] = str(String(i))));
    const set = attrs(rec);
    const e = letIn(
      { s: set },
      attrs({
        names: call(builtin("attrNames"), ident("s")),
        values: list(names.map((n) => sel(ident("s"), n))),
        ordered: call(builtin("attrNames"), attrs(names.map((n, i): [string, Nix] => [n, str(String(i))]))),
        recursive: sel(
          attrs(
            [
              ["a b", str("1")],
              ["in", sel(ident("self"), "a b")],
              ["self", attrs([["a b", str("2")]])],
            ],
            { rec: true },
          ),
          "in",
        ),
      }),
    );
    const got = (await evalJson(e)) as { names: string[]; values: string[]; ordered: string[]; recursive: string };
    expect([...got.names].sort()).toEqual([...names].sort());
    expect([...got.ordered].sort()).toEqual([...names].sort());
    expect(got.values).toEqual(names.map((_, i) => String(i)));
    expect(got.recursive).toBe("2");
  });
});

// Every constructor, nested; built fresh each call to check determinism.
function sample(order: "fwd" | "rev" = "fwd"): Nix {
  const entries: [string, Nix | undefined][] = [
    ["description", str('demo "flake"')],
    ["dropped", undefined],
    ["inputs", attrs({ nixpkgs: attrs({ url: str("github:NixOS/nixpkgs") }) })],
    [
      "outputs",
      lambda(
        { names: ["self", "nixpkgs"], ellipsis: true, at: "inputs" },
        letIn(
          { pkgs: sel(ident("nixpkgs"), "legacyPackages", "x86_64-linux"), n: str("-3") },
          attrs({
            script: str("set -eu\necho '${self}'\n  indented $x ${y}\n"),
            calls: list([
              call(ident("f"), call(ident("g"), str("1")), lambda("x", ident("x")), nul(), str("2.5")),
              call(lambda("x", ident("x")), letIn({ a: str("1") }, ident("a"))),
              call(sel(call(ident("f"), ident("x")), "a.b", "c"), sel(ident("p"), "q")),
              op(sel(ident("pkgs"), "hello"), "++", list([ident("pkgs"), str("x")])),
              call(builtin("mapAttrs"), lambda("n", lambda("v", ident("v"))), attrs({})),
              lambda({ names: [] }, nul()),
              lambda({ names: [], ellipsis: true }, bool(true)),
            ]),
            nested: attrs({
              rec: attrs(
                [
                  ["b", str("1")],
                  ["a", ident("b")],
                ],
                { rec: true },
              ),
              e: list([]),
            }),
          }),
        ),
      ),
    ],
  ];
  const ordered = order === "fwd" ? entries : [...entries].reverse();
  return attrs(Object.fromEntries(ordered));
}

describe("structures", () => {
  test("render is deterministic and independent of Record key order", () => {
    expect(render(sample())).toBe(render(sample()));
    expect(render(sample("rev"))).toBe(render(sample()));
  });

  test("every structure kind passes nix-instantiate --parse", async () => {
    // --parse also resolves variables: bind the free ones the sample uses.
    const closed = lambda({ names: ["f", "g", "p", "x"] }, sample());
    const file = renderFile(closed, "1.2.3");
    await nix(["--parse"], file);
    expect(file.startsWith(`${GENERATED_MARKER} 1.2.3\n`)).toBe(true);
    expect(file.endsWith("}\n")).toBe(true);
    expect(() => renderFile(nul(), "1\n2")).toThrow();
  });

  test("precedence is kept: evaluation gives the intended values", async () => {
    const id = lambda("x", ident("x"));
    const e = list([
      call(id, list([str("1")])), // (x: x) [ "1" ]
      call(builtin("head"), list([call(id, str("2"))])), // builtins.head [ ((x: x) "2") ], not a list of two
      call(call(lambda("a", lambda("b", ident("b"))), str("1")), call(id, str("7"))),
      sel(call(id, attrs({ "a.b": attrs({ c: str("4") }) })), "a.b", "c"),
      call(lambda({ names: ["a"], ellipsis: true, at: "all" }, sel(ident("all"), "b")), attrs({ a: str("0"), b: str("5") })),
      letIn({ x: str("2"), y: letIn({ z: str("3") }, ident("z")) }, list([ident("x"), ident("y")])),
      call(builtin("head"), op(list([str("6")]), "++", list([str("x")]))), // head ([ "6" ] ++ [ "x" ])
      sel(attrs({ a: str("1"), b: str("2") }, { rec: false }), "a"),
      call(builtin("map"), id, list([str("a"), str("b")])),
    ]);
    expect(await evalJson(e)).toEqual([["1"], "2", "7", "4", "5", ["2", "3"], "6", "1", ["a", "b"]]);
  });

  test("golden rendering", () => {
    const e = lambda(
      { names: ["self", "nixpkgs"], ellipsis: true },
      letIn(
        { pkgs: sel(ident("nixpkgs"), "legacyPackages", "x86_64-linux") },
        attrs({
          packages: attrs({
            "x86_64-linux": attrs({
              default: call(sel(ident("pkgs"), "writeShellScript"), str("hi"), str("echo 'hi' ${HOME}\n  done\n")),
            }),
          }),
          "a.b": list([str("1"), call(ident("f"), ident("x")), str("x"), bool(false), nul()]),
          short: attrs({ z: bool(true), a: str("$") }),
        }),
      ),
    );
    expect(render(e)).toBe(
      [
        "{ self, nixpkgs, ... }: let",
        "  pkgs = nixpkgs.legacyPackages.x86_64-linux;",
        "in",
        "{",
        '  "a.b" = [ "1" (f x) "x" false null ];',
        "  packages = {",
        '    x86_64-linux = { default = pkgs.writeShellScript "hi" "echo \'hi\' \\${HOME}\\n  done\\n"; };',
        "  };",
        '  short = { a = "$"; z = true; };',
        "}",
      ].join("\n"),
    );
  });
});
