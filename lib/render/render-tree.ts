// A manifest becomes the files of a flake tree (relative path -> text). All Nix text is built
// with lib/render/nix.ts; the only verbatim Nix is our own templates.
import pkg from "../../package.json";
import { attrs, bool, builtin, call, generatedHeader, ident, inherit, lambda, letIn, list, nul, op, path, renderFile, sel, str, type Nix } from "./nix.ts";
import { IN_SOURCE, IN_STEP, substitutions, type Placeholder } from "../placeholders.ts";
import { STEP_TOOLS } from "./tools.ts";
import { llvmPackages, type Manifest, type Step } from "../schema.ts";
import builders from "./templates/builders.nix" with { type: "text" };
import runStep from "./templates/run-step.sh" with { type: "text" };
import makeSource from "./templates/make-source.sh" with { type: "text" };
import makeSysroot from "./templates/make-sysroot.sh" with { type: "text" };
import prelude from "./templates/prelude.sh" with { type: "text" };

export const VERSION: string = pkg.version;
/** The nixpkgs a tree pins unless gen is told otherwise (--nixpkgs): its tools (bash, coreutils, cc, ...) and, below depth rustc, its rustc. */
export const DEFAULT_NIXPKGS = "github:NixOS/nixpkgs/nixos-unstable";
const HEADER = generatedHeader(VERSION);
/** The package that names the pinned compiler (--depth rustc): in packages, never a job. */
const PINNED = "toolchain";
/**
 * The store name of that compiler's folder (`nix store add-path --name` takes it). The compiler a
 * depth-rustc tree was captured with is the compiler its steps build with: the tree pins its folder
 * (the stage0 sysroot) by NAR hash, as a recursive fixed-output path that nothing can build, only
 * add (`verify --toolchain DIR` does). Another compiler is never substituted silently; swapping it
 * means editing the pin on purpose.
 */
export const TOOLCHAIN_NAME = "stage0-toolchain";

export type TreeInput = {
  manifest: Manifest;
  /** Flake URL of the source input: `path:./src` for a tree that carries its source, else `path:` + the real absolute path (any characters). */
  srcUrl: string;
  /** Files gen supplied in the source (src/ci/channel, config.toml). */
  supplied: Map<string, string>;
  /**
   * Checkout-relative paths that are no part of the source: the tree itself when it lies inside the
   * checkout. (Build dirs and `result` links are left out always; see builders.nix cleanSource.)
   */
  generated: string[];
  /** Flake URL of the nixpkgs input (default DEFAULT_NIXPKGS). */
  nixpkgs?: string;
};

/**
 * Whether Nix 2.8 can read `path:` + this path as a flake URL: its parser takes only these
 * characters (RFC 3986 pchars plus `"`), and it does not percent-decode a path, so nothing else
 * can be escaped. `%` is left out: a later Nix decodes `%XX`, so the same URL would change meaning.
 */
export function flakeUrlSafe(path: string): boolean {
  return /^[A-Za-z0-9._~!$&'"()*+,;=:@\/-]+$/.test(path);
}

/**
 * Whether Nix 2.8 (and newer) takes `url` as a flake input: a registry name (`nixpkgs`,
 * `nixpkgs/nixos-unstable`, `flake:nixpkgs`), an absolute path or `path:` URL, or a URL of one of
 * its input schemes: `github:`/`gitlab:`/`sourcehut:` OWNER/REPO[/REF], `git:`,
 * `git+{http,https,ssh,file}:`, `hg+{http,https,ssh,file}:`, or an `http(s):`/`file:` tarball
 * (.tar.gz, .zip, ...; 2.8 knows no `tarball+` prefix). Any may end in `?key=value&...`, none in
 * a `#` fragment. Held to Nix 2.8's own parser by test/gen-hostile.test.ts.
 */
export function isFlakeInputUrl(url: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(url) || /["#\\]/.test(url)) return false; // printable ASCII, no space
  const [ref = "", query] = url.split("?", 2) as [string, string | undefined];
  if (query !== undefined && !/^[^?=&]+=[^?&]*(&[^?=&]+=[^?&]*)*$/.test(query)) return false;
  const name = "[A-Za-z0-9_.-]+";
  return [
    new RegExp(`^(flake:)?[A-Za-z][A-Za-z0-9_-]*(/${name})?(/[0-9a-f]{40})?$`), // the registry
    new RegExp(`^(github|gitlab):${name}/${name}(/${name})*$`),
    new RegExp(`^sourcehut:~?${name}/${name}(/${name})*$`),
    /^\/\S*$/, // an absolute path
    /^path:\S+$/,
    /^(git|git\+(https?|ssh|file)|hg\+(https?|ssh|file)):\/{1,3}[^/]\S*$/,
    /^(https?|file):\/{1,3}[^/]\S*\.(zip|tar|tgz|tar\.gz|tar\.xz|tar\.bz2|tar\.zst)$/,
  ].some((re) => re.test(ref));
}

/** A Nix system: ARCH-OS (x86_64-linux, aarch64-darwin, riscv64-linux), never a Rust triple. */
export function isNixSystem(system: string): boolean {
  return /^[a-z][a-z0-9_]*-[a-z][a-z0-9]*$/.test(system);
}

/**
 * A flake input naming a local folder: a `path:` URL when Nix can parse one (trees stay
 * byte-identical), else the attribute form, which takes the path verbatim (space, `#`, `?`, `%`,
 * newline, non-ASCII...).
 */
function pathInput(url: string, extra: Record<string, Nix> = {}): Nix {
  const path = url.slice("path:".length);
  if (!url.startsWith("path:/") || flakeUrlSafe(path)) return attrs({ url: str(url), ...extra });
  return attrs({ type: str("path"), path: str(path), ...extra });
}

/** A derivation name may hold only these characters. */
export function storeName(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9+._?=-]+/g, "-")
      .replace(/^[-.]+|-+$/g, "")
      .slice(0, 200) || "step"
  );
}

// Jobs (checks, hydraJobs) are what a build farm builds: every step and the sysroot, not the
// pinned compiler, which no builder can build (it is only ever added to a store, and Nix copies
// it to a remote builder with the steps that use it).
// Lookups for `nix repl`: load the tree, then `lib.byId.step007`, `lib.byKind "rustc"`, ...
function lookups(): Nix {
  const s = ident("s");
  const steps = ident("steps");
  const whereEquals = (field: string) => call(builtin("filter"), lambda("s", op(sel(s, field), "==", ident(field))), steps);
  return attrs(
    [
      ["steps", sel(ident("manifest"), "steps")],
      [
        "byId",
        call(
          builtin("listToAttrs"),
          call(
            ident("map"),
            lambda(
              "s",
              attrs([
                ["name", sel(s, "id")],
                ["value", s],
              ]),
            ),
            steps,
          ),
        ),
      ],
      ["byKind", lambda("kind", whereEquals("kind"))],
      ["byEmoji", lambda("emoji", whereEquals("emoji"))],
      ["byPrime", lambda("prime", call(builtin("head"), op(whereEquals("prime"), "++", list([nul()]))))],
      ["depsOf", lambda("id", call(ident("map"), lambda("d", sel(ident("byId"), ident("d"))), sel(ident("byId"), ident("id"), "deps")))],
    ],
    { rec: true },
  );
}

/**
 * The libraries the observed steps compiled for a target (`--target T`), found by what they
 * produce: they make up that target's sysroot. Empty for trees of other depths.
 */
export function sysrootFiles(manifest: Manifest): { target: string; files: Array<{ id: string; path: string }> } | undefined {
  const files: Array<{ id: string; path: string }> = [];
  let target: string | undefined;
  for (const step of manifest.steps) {
    const i = step.args.indexOf("--target");
    if (step.kind !== "rustc" || i < 0 || !step.outputs) continue;
    target ??= step.args[i + 1];
    for (const out of step.outputs) {
      if (/\.(rlib|so)$/.test(out) && out.startsWith("@build@/")) files.push({ id: step.id, path: `build/${out.slice("@build@/".length)}` });
    }
  }
  return target && files.length > 0 ? { target, files } : undefined;
}

type Sysroot = ReturnType<typeof sysrootFiles>;

function rootFlake(input: TreeInput, sysroot: Sysroot): Nix {
  const { manifest } = input;
  const { system } = manifest;
  const last = manifest.steps.at(-1)!;
  return attrs([
    ["description", str(`Rust bootstrap as Nix steps, generated by nixify-rust (${manifest.steps.length} steps)`)],
    [
      "inputs",
      attrs({
        nixpkgs: attrs({ url: str(input.nixpkgs ?? DEFAULT_NIXPKGS) }),
        src: pathInput(input.srcUrl, { flake: bool(false) }),
      }),
    ],
    [
      "outputs",
      lambda(
        { names: ["self", "nixpkgs", "src"] },
        letIn(
          {
            steps: call(
              call(ident("import"), path("./steps.nix")),
              attrs([
                ["pkgs", sel(ident("nixpkgs"), "legacyPackages", system)],
                ["src", inherit()],
                ["system", str(system)],
              ]),
            ),
            manifest: call(builtin("fromJSON"), call(builtin("readFile"), path("./steps.json"))),
            jobs: call(builtin("removeAttrs"), ident("steps"), list([str(PINNED)])),
          },
          attrs([
            ["packages", attrs([[system, op(ident("steps"), "//", attrs({ default: sel(ident("steps"), sysroot ? "sysroot" : last.id) }))]])],
            ["checks", attrs([[system, ident("jobs")]])],
            ["hydraJobs", call(builtin("mapAttrs"), lambda("id", lambda("drv", attrs([[system, ident("drv")]]))), ident("jobs"))],
            ["lib", lookups()],
          ]),
        ),
      ),
    ],
  ]);
}

function stepsNix(input: TreeInput, sysroot: Sysroot): Nix {
  const files: Record<string, Nix> = {};
  for (const [rel, text] of input.supplied) files[rel] = str(text);
  const entries: Record<string, Nix> = {};
  for (const step of input.manifest.steps) {
    entries[step.id] = call(
      call(ident("import"), path(`./${step.id}`)),
      attrs([
        ["mkStep", inherit()],
        ["steps", inherit()],
        ["pieces", inherit()],
      ]),
    );
  }
  // The pieces of the checkout the steps read, each its own store path: a change in one piece
  // changes only the steps that read it.
  const pieces: Record<string, Nix> = {};
  for (const rel of new Set(input.manifest.steps.flatMap((s) => s.sources ?? []))) {
    pieces[rel] = call(sel(ident("builders"), "mkPiece"), ident("src"), str(rel));
  }
  // The pinned compiler, so verify can see whether it is in the store before building anything.
  if (input.manifest.toolchain) entries[PINNED] = sel(ident("builders"), "pinned");
  if (sysroot) {
    entries.sysroot = call(
      sel(ident("builders"), "mkSysroot"),
      attrs({
        target: str(sysroot.target),
        files: list(sysroot.files.map((f) => attrs({ step: sel(ident("steps"), f.id), path: str(f.path) }))),
      }),
    );
  }
  return lambda(
    { names: ["pkgs", "src", "system"] },
    letIn(
      {
        builders: call(
          call(ident("import"), path("./builders.nix")),
          attrs({
            pkgs: inherit(),
            system: inherit(),
            tools: list(STEP_TOOLS.map((t) => list(t.attr.map(str)))),
            toolchain: input.manifest.toolchain
              ? attrs({ name: str(TOOLCHAIN_NAME), version: str(input.manifest.toolchain.version), hash: str(input.manifest.toolchain.hash) })
              : nul(),
            llvm: input.manifest.llvm ? attrs({ version: str(input.manifest.llvm.version), attr: str(llvmPackages(input.manifest.llvm.version)) }) : nul(),
          }),
        ),
        source: call(
          sel(ident("builders"), "mkSource"),
          attrs({ src: call(sel(ident("builders"), "cleanSource"), ident("src"), list(input.generated.map(str))), files: attrs(files) }),
        ),
        pieces: attrs(pieces),
        mkStep: call(sel(ident("builders"), "mkStep"), ident("source")),
        steps: attrs(entries),
      },
      ident("steps"),
    ),
  );
}

/**
 * The fields of a step as builders.nix's mkStep takes them, its formals; mkStep hands them to
 * run-step.sh as `step*` attributes (test/unit/step-contract.test.ts holds the templates to this).
 */
export const MK_STEP_FIELDS = ["id", "name", "kind", "command", "args", "env", "cwd", "deps", "fetch", "outputs", "sources"] as const;

function stepNix(step: Step): Nix {
  const env: Record<string, Nix> = {};
  for (const [k, value] of Object.entries(step.env)) env[k] = str(value);
  const fields: Array<[(typeof MK_STEP_FIELDS)[number], Nix]> = [
    ["id", str(step.id)],
    ["name", str(step.fetch ? step.fetch.name : storeName(`${step.id}-${step.label}`))],
    ["kind", str(step.kind)],
    ["command", str(step.command)],
    ["args", list(step.args.map(str))],
    ["env", attrs(env)],
    ["cwd", str(step.cwd)],
    ["deps", list(step.deps.map((id) => sel(ident("steps"), id)))],
  ];
  if (step.outputs) fields.push(["outputs", list(step.outputs.map(str))]);
  if (step.sources) fields.push(["sources", attrs(Object.fromEntries(step.sources.map((rel) => [rel, sel(ident("pieces"), rel)])))]);
  if (step.fetch) {
    fields.push(["fetch", attrs({ name: str(step.fetch.name), url: str(step.fetch.url), sha256: str(step.fetch.sha256) })]);
  }
  return lambda({ names: ["mkStep", "steps", "pieces"] }, call(ident("mkStep"), attrs(fields)));
}

/**
 * A step's own flake names the tree as its parent folder, so a moved or committed tree still
 * works: Nix reads `path:..` inside a git repository (`nix build ./TREE/stepNNN`); elsewhere
 * Nix 2.8 resolves it in the store, so there `--override-input tree path:TREE` names the tree.
 */
function stepFlake(step: Step): Nix {
  return attrs([
    ["description", str(`nixify-rust ${step.id} ${step.emoji} ${step.label}`)],
    ["inputs", attrs({ tree: attrs({ url: str("path:..") }) })],
    [
      "outputs",
      lambda(
        { names: ["self", "tree"] },
        attrs({
          packages: call(
            builtin("mapAttrs"),
            lambda("system", lambda("steps", attrs({ default: sel(ident("steps"), step.id) }))),
            sel(ident("tree"), "packages"),
          ),
        }),
      ),
    ],
  ]);
}

/**
 * A step script as the tree holds it: the header, and its `#@prelude@` line replaced by what every
 * step script starts with (templates/prelude.sh: strict bash, the derivation's structured
 * attributes, its output, the tools on PATH).
 */
function stepScript(script: string): string {
  if (!/^#@prelude@$/m.test(script)) throw new Error("a step script without its #@prelude@ line");
  return HEADER + script.replace(/^#@prelude@\n/m, () => prelude);
}

/** A step script with its `#@substitutions VAR@` line written out for `placeholders` (lib/placeholders.ts). */
export function withSubstitutions(script: string, placeholders: Placeholder[]): string {
  const marker = /^( *)#@substitutions (\w+)@$/m;
  const m = marker.exec(script);
  if (!m) throw new Error("a step script without its #@substitutions VAR@ line");
  return script.replace(marker, substitutions(m[2]!, placeholders).replace(/^/gm, m[1]!));
}

export function renderTree(input: TreeInput): Map<string, string> {
  const files = new Map<string, string>();
  const sysroot = sysrootFiles(input.manifest);
  files.set("flake.nix", renderFile(rootFlake(input, sysroot), VERSION));
  files.set("steps.nix", renderFile(stepsNix(input, sysroot), VERSION));
  files.set("builders.nix", HEADER + builders);
  files.set("run-step.sh", stepScript(withSubstitutions(runStep, Object.keys(IN_STEP) as Placeholder[])));
  files.set("make-source.sh", stepScript(withSubstitutions(makeSource, IN_SOURCE)));
  files.set("make-sysroot.sh", stepScript(makeSysroot));
  files.set("steps.json", `${JSON.stringify(input.manifest, null, 2)}\n`);
  for (const step of input.manifest.steps) {
    files.set(`${step.id}/default.nix`, renderFile(stepNix(step), VERSION));
    files.set(`${step.id}/flake.nix`, renderFile(stepFlake(step), VERSION));
  }
  return files;
}
