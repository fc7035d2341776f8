// lib/render/nix.ts without Nix: the exact text each escape and structure renders to. test/nix.test.ts
// checks with nix-instantiate that these texts read back as the values they stand for.
import { describe, expect, test } from "bun:test";
import {
  type Nix, attrName, attrs, bool, inherit, op, path, call, ident, iinterp, interp, istr, lambda, letIn, list, nul, num, builtin, render, renderFile, sel, str, withExpr,
} from "../../lib/render/nix.ts";

describe("double-quoted strings", () => {
  test.each<[string, Nix, string]>([
    ["plain text", str("hello"), String.raw`"hello"`],
    ["a quote and a backslash", str('say "hi" \\ there'), String.raw`"say \"hi\" \\ there"`],
    ["${ escaped, a lone $ and $$ kept", str("${x} $y $${z}"), '"\\${x} $y $\\${z}"'],
    ["newline, CR and tab", str("a\nb\rc\td"), String.raw`"a\nb\rc\td"`],
    ["a $ right before an interpolation", interp(["cost $", ident("x")]), '"cost \\$${x}"'],
    ["text on both sides of an interpolation", interp(["a-", ident("x"), "-b"]), '"a-${x}-b"'],
    ["a real step argument", str("--remap-path-prefix=@src@=/rustc/nixify-src"), String.raw`"--remap-path-prefix=@src@=/rustc/nixify-src"`],
  ])("%s", (_, e, text) => expect(render(e)).toBe(text));
});

describe("indented strings", () => {
  test.each<[string, Nix, string]>([
    ["'' and ${ escaped on one line", istr("it's ''quoted'' ${x}"), "''it's '''quoted''' ''${x}''"],
    ["lines indented, a leading space pinned", istr("line1\n  indented\n"), "''\n  line1\n  ''\\  indented\n''"],
    ["a ' before the closing ''", istr("ends with '"), "''ends with ''\\'''"],
    ["CR and tab escaped", istr("a\rb\tc"), "''a''\\rb''\\tc''"],
    ["empty", istr(""), '""'],
    ["an interpolation on its own line", iinterp(["x\n", ident("y"), "\n"]), "''\n  x\n  ${y}\n''"],
  ])("%s", (_, e, text) => expect(render(e)).toBe(text));
});

describe("structures", () => {
  test.each<[string, Nix, string]>([
    ["attrs sorted, names quoted where Nix needs it", attrs({ b: num(1), a: str("x"), "a.b": bool(true), if: nul() }), '{ a = "x"; "a.b" = true; b = 1; "if" = null; }'],
    ["an undefined attribute is left out", attrs({ z: num(1), gone: undefined }), "{ z = 1; }"],
    ["list items parenthesised where they would split", list([num(-1), call(ident("f"), ident("x")), sel(num(1), "a")]), "[ (-1) (f x) (1).a ]"],
    ["a selection with a quoted name", sel(ident("packages"), "x86_64-linux", "step.001"), 'packages.x86_64-linux."step.001"'],
    ["a pattern lambda", lambda({ names: ["a", "b"], ellipsis: true, at: "args" }, ident("a")), "{ a, b, ... }@args: a"],
    ["an empty pattern", lambda({ names: [] }, nul()), "{ }: null"],
    ["let, bindings sorted", letIn({ z: num(1), a: num(2) }, ident("a")), "let\n  a = 2;\n  z = 1;\nin\na"],
    ["let without bindings is its body", letIn({}, ident("a")), "a"],
    ["with", withExpr(ident("pkgs"), list([ident("rustc")])), "with pkgs; [ rustc ]"],
    ["a call of a call's result", call(call(ident("f"), ident("x")), builtin("y")), "f x builtins.y"],
    ["import of a path, called", call(call(ident("import"), path("./steps.nix")), attrs({})), "import ./steps.nix { }"],
    ["neighbouring inherits share one", attrs([["a", inherit()], ["b", inherit()], ["c", num(1)], ["d", inherit()]]), "{ inherit a b; c = 1; inherit d; }"],
    ["an inherit from somewhere", attrs([["x", inherit(ident("pkgs"))], ["y", inherit(ident("pkgs"))]]), "{ inherit (pkgs) x y; }"],
    ["a selection by a value", sel(ident("byId"), ident("id"), "deps"), "byId.${id}.deps"],
    ["an operator's call operands stay bare", op(call(ident("f"), ident("x")), "++", list([nul()])), "f x ++ [ null ]"],
    ["an operator as an argument is parenthesised", call(ident("head"), op(ident("a"), "//", ident("b"))), "head (a // b)"],
    ["a float gets its dot", num(1e-7), "1.0e-7"],
    ["negative zero", num(-0), "-0.0"],
    ["a long list breaks into lines", list(Array.from({ length: 12 }, (_, i) => str(`step${i}`))), `[\n${Array.from({ length: 12 }, (_, i) => `  "step${i}"`).join("\n")}\n]`],
  ])("%s", (_, e, text) => expect(render(e)).toBe(text));

  test.each<[string, () => unknown]>([
    ["a path that climbs out", () => path("./a/../../b")],
    ["an absolute path", () => path("/etc/passwd")],
    ["a path with a space", () => path("./a b")],
    ["inherit of a name that is no identifier", () => render(attrs([["a b", inherit()]]))],
    ["inherit on its own", () => render(inherit())],
  ])("refused: %s", (_, fn) => expect(fn).toThrow());

  test.each([
    ["a plain name is bare", "plain", "plain"],
    ["a quote may stand in a bare name", "a'b", "a'b"],
    ["a dotted name is quoted", "a.b", '"a.b"'],
    ["a keyword is quoted", "if", '"if"'],
    ["the empty name is quoted", "", '""'],
    ["an interpolation is escaped", "${x}", '"\\${x}"'],
  ])("attrName: %s", (_, name, text) => expect(attrName(name)).toBe(text));

  test("a file starts with the marker and its version", () => {
    expect(renderFile(attrs({ a: num(1) }), "0.1.0")).toBe("# @generated by nixify-rust 0.1.0\n{ a = 1; }\n");
  });
});

describe("what Nix cannot hold is refused", () => {
  test.each<[string, () => unknown]>([
    ["a NUL in a string", () => str("a\0b")],
    ["a lone surrogate", () => istr("\ud800")],
    ["a NUL in an interpolated part", () => interp(["ok", "\0"])],
    ["a keyword as an identifier", () => ident("let")],
    ["a dotted identifier", () => ident("a.b")],
    ["a duplicate attribute", () => attrs([["a", num(1)], ["a", num(2)]])],
    ["an integer beyond 2^53", () => num(2 ** 53)],
    ["NaN", () => num(Number.NaN)],
    ["a version of two lines", () => renderFile(nul(), "1\n2")],
    ["a lambda parameter that is a keyword", () => lambda("in", nul())],
  ])("%s", (_, make) => expect(make).toThrow());
});
