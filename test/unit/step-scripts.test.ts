// The step scripts and lib/placeholders.ts share one table of placeholders: every placeholder a
// recording may hold is replaced by the scripts as rendered, run by real bash.
import { expect, test } from "bun:test";
import { renderTree, withSubstitutions } from "../../lib/render/render-tree.ts";
import type { Manifest } from "../../lib/schema.ts";
import { IN_SOURCE, PLACEHOLDERS } from "../../lib/placeholders.ts";
import { UNPACK_ARGS } from "../../lib/steps/steps.ts";
import { fixtureSteps } from "./fixtures.ts";

const manifest = { system: "x86_64-linux", steps: await fixtureSteps("sample.steps.json") } as Manifest;
const files = renderTree({ manifest, srcUrl: "path:./src", supplied: new Map(), generated: [] });
const vars =
  "stepSource=/S; out=/O; home=/H; tmp=/T; toolRustc=/R/rustc; toolCargo=/C/cargo; toolSysroot=/Y; toolLlvmConfig=/L/bin/llvm-config; toolLlvmLibdir=/L/lib; toolLibstdcxxDir=/G; toolCompilerRtDir=/K";
const every = Object.keys(PLACEHOLDERS).join(" ");

async function bash(script: string): Promise<string> {
  const p = Bun.spawn(["bash", "-c", script], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(err);
  return out;
}

/** One function of run-step.sh as rendered, its whole text. */
const shellFunction = (name: string) => new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?\\n\\}$`, "m").exec(files.get("run-step.sh")!)![0];

test("run-step.sh's subst replaces every placeholder, and keeps a replacement's own text literal", async () => {
  const fn = shellFunction("subst");
  expect(await bash(`${fn}\n${vars}\nsubst r ${JSON.stringify(every)}; printf %s "$r"`)).toBe(
    "/S /O/build /O /H /T /R/rustc /C/cargo /Y /L/bin/llvm-config /L/lib /G /K",
  );
  // A value holding a pattern character is not a pattern.
  expect(await bash(`${fn}\nstepSource='/a*b'\nsubst r '@src@/x'; printf %s "$r"`)).toBe("/a*b/x");
});

const jobserverFns = ["startJobserver", "feedJobserver"].map(shellFunction).join("\n");
// What a client can take from fd 3 without blocking: the tokens.
const takeTokens = "dd bs=1 count=65536 iflag=nonblock <&3 2>/dev/null | wc -c";

test("run-step.sh's jobserver: the step's own slot, and a feeder for the others where the build has more cores", async () => {
  for (const [cores, slots, fed] of [
    ["3", "3", "yes"],
    ["1", "1", "no"],
    ["0", String(navigator.hardwareConcurrency), navigator.hardwareConcurrency > 1 ? "yes" : "no"],
  ]) {
    const out = await bash(
      `${jobserverFns}\ntmp=$(mktemp -d); trap 'kill $feeder 2>/dev/null; rm -rf "$tmp"' EXIT; feeder=; NIX_BUILD_CORES=${cores}; startJobserver; echo "$jobserverEnv"; [ -n "$feeder" ] && echo yes || echo no; ${takeTokens}`,
    );
    expect(out).toBe(`CARGO_MAKEFLAGS=-j${slots} --jobserver-fds=3,3 --jobserver-auth=3,3\n${fed}\n0\n`);
  }
});

test("run-step.sh's jobserver feeder gives slots while cores are idle, holds at the cores, takes them back while threads wait", async () => {
  // /proc/loadavg's fourth field: runnable/all threads, the reading shell among the runnable. A
  // look takes what the pipe holds, as a client would, and gives it back; a change is awaited (up
  // to 5 s on a loaded machine), holding is watched for a second.
  const look = `look() { local n; n=$(${takeTokens}); printf '%*s' "$n" '' | tr ' ' x >&3; echo "$n"; }
await() { local n; for _ in $(seq 50); do n=$(look); [ "$n" = "$1" ] && break; sleep 0.1; done; echo "$n"; }`;
  const phases: [string, string, "await" | "hold"][] = [
    ["1/90", "2", "await"],
    ["3/90", "2", "hold"],
    ["6/90", "0", "await"],
    ["3/90", "0", "hold"],
  ];
  const script = phases
    .map(([running, tokens, how]) => `echo "0.5 0.5 0.5 ${running} 1" >"$tmp/load"; ${how === "await" ? `await ${tokens}` : "sleep 1; look"}`)
    .join("\n");
  const out = await bash(
    `${jobserverFns}\n${look}\ntmp=$(mktemp -d); mkfifo "$tmp/jobserver"; exec 3<>"$tmp/jobserver"; echo "0 0 0 9/90 1" >"$tmp/load"\nfeedJobserver 2 2 "$tmp/load" & feeder=$!; trap 'kill $feeder; rm -rf "$tmp"' EXIT\n${script}`,
  );
  expect(out.trim().split("\n")).toEqual(phases.map(([, tokens]) => tokens));
});

test("run-step.sh keeps what a step wrote, of an observed compiler call or hand-over only the files it names", async () => {
  const script = files.get("run-step.sh")!;
  const names = /^namesOutputs=\n^case .*$/m.exec(script)![0];
  const fns = [shellFunction("subst"), /^listFiles\(\) .*$/m.exec(script)![0], shellFunction("keepOwnFiles")].join("\n");
  // A dependency's output linked in (a symbolic link and a hard one) and one copied, then what the call writes: its log, the rlib
  // (a metadata step's empty one) and the .rmeta. As run-step.sh does: the listing or the folder set aside, before the command.
  const run = (kind: string, produces = "'@build@/d/libfoo.rmeta'") =>
    bash(`${fns}
out=$(mktemp -d); tmp=$(mktemp -d); dep=$(mktemp -d); trap 'rm -rf "$out" "$tmp" "$dep"' EXIT
mkdir -p "$dep/build/d" "$out/build/d" "$out/.nixify"
echo dep >"$dep/build/d/libdep.rmeta"; ln -s "$dep/build/d/libdep.rmeta" "$out/build/d/libdep.rmeta"; echo copy >"$out/build/copied"
echo hard >"$dep/build/d/libhard.rmeta"; ln "$dep/build/d/libhard.rmeta" "$out/build/d/libhard.rmeta"
stepKind=${kind}; stepOutputs=(${produces}); notOwn=1
${names}
[ -n "$namesOutputs" ] || listFiles >"$tmp/copied"
echo log >"$out/.nixify/step001.stderr"; echo rlib >"$out/build/d/libfoo.rlib"; echo rmeta >"$out/build/d/libfoo.rmeta"
mkdir "$out/build/e"; echo x >"$out/build/e/lib[x]*.rlib"; echo y >"$out/build/e/libx-.rlib"
keepOwnFiles; cd "$out"; find . ! -type d | sort; cat "$dep/build/d/libhard.rmeta"`);
  const dep = "hard\n";
  const all = "./build/d/libfoo.rlib\n./build/d/libfoo.rmeta\n./build/e/lib[x]*.rlib\n./build/e/libx-.rlib\n";
  expect(await run("rustc")).toBe(`./.nixify/step001.stderr\n./build/d/libfoo.rmeta\n${dep}`);
  // A name is no pattern: lib[x]*.rlib keeps that file, not libx-.rlib.
  expect(await run("rustc", "'@build@/d/libfoo.rmeta' '@build@/e/lib[x]*.rlib'")).toBe(
    `./.nixify/step001.stderr\n./build/d/libfoo.rmeta\n./build/e/lib[x]*.rlib\n${dep}`,
  );
  expect(await run("handover", "'@build@/d/libfoo.rlib' '@build@/d/gone.rlib'")).toBe(`./.nixify/step001.stderr\n./build/d/libfoo.rlib\n${dep}`);
  expect(await run("build-script")).toBe(`./.nixify/step001.stderr\n${all}${dep}`);
  // A recorded compiler call (depth shell: the sample's) names nothing it produces: it keeps all.
  expect(await run("rustc", "")).toBe(`./.nixify/step001.stderr\n${all}${dep}`);
});

test("make-source.sh fills in the toolchain's placeholders, and only those", async () => {
  const script = files.get("make-source.sh")!;
  const lines = script
    .split("\n")
    .filter((l) => /^\s*text=\$\{text\/\//.test(l))
    .join("\n");
  expect(await bash(`${vars}\ntext=${JSON.stringify(every)}\n${lines}\nprintf %s "$text"`)).toBe(
    "@src@ @build@ @work@ @home@ @tmp@ /R/rustc /C/cargo /Y /L/bin/llvm-config /L/lib @libstdcxx-dir@ /K",
  );
  // The config may name the optimized builtins archive (build.optimized-compiler-builtins).
  expect(IN_SOURCE).toEqual(["@rustc@", "@cargo@", "@sysroot@", "@llvm-config@", "@llvm-libdir@", "@compiler-rt-dir@"]);
});

test("a script without its substitutions line is refused", () => {
  expect(() => withSubstitutions("echo hi\n", ["@src@"])).toThrow("#@substitutions VAR@");
});

test("run-step.sh unpacks each (tarball, dest, match) of an unpack step's args from its downloads, several into one folder", async () => {
  const fns = [shellFunction("subst"), shellFunction("unpackTarballs")].join("\n");
  const triples = [
    { tarball: "@build@/cache/d/rustc-1.0-x.tar.xz", dest: "@build@/x/stage0", match: "rustc" },
    { tarball: "@build@/cache/d/rust-std-1.0-x.tar.xz", dest: "@build@/x/stage0", match: "rust-std-x" },
  ];
  const args = triples.flatMap((t) => UNPACK_ARGS.map((k) => JSON.stringify(t[k]))).join(" ");
  const unpack = (downloads: string) =>
    bash(`${fns}
tmp=$(mktemp -d); out=$tmp/out; stepId=step004; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/t/rustc-1.0-x/rustc/bin" "$tmp/t/rust-std-1.0-x/rust-std-x/lib/rustlib" "$tmp/store"
echo rustc >"$tmp/t/rustc-1.0-x/rustc/bin/rustc"; echo std >"$tmp/t/rust-std-1.0-x/rust-std-x/lib/rustlib/libstd.rlib"
tar -cJf "$tmp/store/0a-rustc-1.0-x.tar.xz" -C "$tmp/t" rustc-1.0-x
tar -cJf "$tmp/store/0b-rust-std-1.0-x.tar.xz" -C "$tmp/t" rust-std-1.0-x
fetched=(${downloads}); stepArgs=(${args})
unpackTarballs 2>&1 || { echo "exit $?"; exit 0; }
cd "$out/build/x/stage0"; find . -type f | sort`);
  // The downloads in any order: each tarball is found by its name.
  expect(await unpack(`"$tmp/store/0b-rust-std-1.0-x.tar.xz" "$tmp/store/0a-rustc-1.0-x.tar.xz"`)).toBe("./bin/rustc\n./lib/rustlib/libstd.rlib\n");
  expect(await unpack(`"$tmp/store/0a-rustc-1.0-x.tar.xz"`)).toBe("nixify-rust: step004: none of its downloads is rust-std-1.0-x.tar.xz\nexit 1\n");
});
