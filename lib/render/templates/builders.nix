# The two builders every generated tree uses. Strings from the recording travel as structured
# attributes (argv lists and env maps, never a shell line) to run-step.sh and make-source.sh.
{ pkgs, system, tools, toolchain ? null, llvm ? null }:
let
  # The LLVM the build linked, where it was the machine's (`llvm`: its version and nixpkgs'
  # attribute of that major version, e.g. llvmPackages_22). A nixpkgs without it fails only the
  # steps that name LLVM, each with what is missing.
  llvmPackages = pkgs.${llvm.attr} or (throw "this tree's steps link LLVM ${llvm.version} (the machine's when gen ran), and its nixpkgs has no ${llvm.attr}: generate the tree with --nixpkgs naming one that has it");
  # Depth rustc: the compiler the tree was captured with, pinned by hash. Nothing builds it: it is
  # in the store once added (nixify-rust verify --toolchain DIR), else its build says how.
  pinned = derivation {
    inherit system;
    inherit (toolchain) name;
    builder = "/bin/sh";
    args = [ "-c" "echo 'this tree builds with the compiler it was captured with (${toolchain.version}); add that toolchain folder: nixify-rust verify --toolchain DIR, or nix store add-path --name ${toolchain.name} DIR' >&2; exit 1" ];
    outputHashMode = "recursive";
    outputHashAlgo = "sha256";
    outputHash = toolchain.hash;
  };
  # The tools a step finds on PATH (`tools`: attribute paths in pkgs, lib/render/tools.ts); a user's
  # nixpkgs provides them, offline a host stand-in does.
  toolPackages = map (path: builtins.foldl' (set: name: set.${name}) pkgs path) tools;
  common = {
    inherit system;
    builder = "${pkgs.bash}/bin/bash";
    __structuredAttrs = true;
    toolPath = builtins.concatStringsSep ":" (map (p: "${p}/bin") toolPackages);
    toolRustc = if toolchain == null then "${pkgs.rustc}/bin/rustc" else "${pinned}/bin/rustc";
    toolCargo = "${pkgs.cargo}/bin/cargo";
    toolSysroot = if toolchain == null then "${pkgs.rustc}" else "${pinned}";
  };
  # That LLVM's llvm-config (nixpkgs' names its split outputs) and its compiler-rt (the builtins
  # archive a std links). Only what names one gets it, so a step that does not link LLVM does not
  # depend on it.
  names = placeholder: strings: builtins.any (s: builtins.length (builtins.split placeholder s) > 1) strings;
  llvmFor = strings:
    (if llvm != null && names "@llvm-(config|libdir)@" strings
     then { toolLlvmConfig = "${llvmPackages.llvm.dev}/bin/llvm-config"; toolLlvmLibdir = "${llvmPackages.llvm.lib}/lib"; }
     else { })
    // (if llvm != null && names "@compiler-rt-dir@" strings
     then { toolCompilerRtDir = "${llvmPackages.compiler-rt}/lib/linux"; }
     else { });
in
rec {
  inherit pinned;

  # The checkout with the files gen supplied (src/ci/channel, config.toml) laid over it.
  mkSource = { src, files }:
    if files == { } then src
    else derivation (common // {
      name = "source";
      args = [ ./make-source.sh ];
      sourceRoot = "${src}";
      sourceFiles = files;
    } // llvmFor (builtins.attrValues files));

  # The checkout without what is no part of it: the generated tree if it lies inside (`generated`,
  # checkout-relative), x.py's default build dir, and `result` links of nix build.
  # `src` is the flake input, or the checkout's own path (verify offline): never "${src}", which
  # would copy a whole checkout to the store to name it.
  cleanSource = src: generated: builtins.path {
    path = src;
    name = "source";
    filter = path: type:
      let rel = builtins.substring (builtins.stringLength (toString src) + 1) (-1) path;
      in !(builtins.elem rel ([ "build" ] ++ generated)
        || (type == "symlink" && builtins.match "result(-.*)?" (baseNameOf path) != null));
  };

  # One piece of the checkout (a package folder, or a file) as its own store path. Where `src`
  # comes with the pieces' NAR hashes (verify --offline keeps them), Nix takes a piece it already
  # has by its hash, without reading it.
  mkPiece = src: rel: builtins.path ({
    path = "${toString src}/${rel}";
    name = "src-" + builtins.replaceStrings [ "/" ] [ "-" ] (baseNameOf rel);
  } // (if src ? pieceHashes && src.pieceHashes ? ${rel} then { sha256 = src.pieceHashes.${rel}; } else { }));

  # One recorded step. A download is a fixed-output fetch whose sha256 comes from the checkout's
  # stage0 list; anything else runs its command on top of the outputs of the steps it depends on.
  # An observed step (gen --depth rustc) names its `outputs`: it sees the outputs of the steps
  # below it (down to hand-overs) as links and keeps only its own files, so no output copies another.
  # An observed step reads only its `sources` (pieces of the checkout, by relative path), not the whole source.
  mkStep = source: { id, name, kind, command, args, env, cwd, deps ? [ ], fetch ? null, outputs ? null, sources ? null }:
    let
      drv =
        if fetch != null then
          derivation {
            inherit system;
            inherit (fetch) name url;
            builder = "builtin:fetchurl";
            outputHashMode = "flat";
            outputHashAlgo = "sha256";
            outputHash = fetch.sha256;
            unpack = false;
            executable = false;
          }
        else
          derivation (common // {
            inherit name;
            args = [ ./run-step.sh ];
            stepId = id;
            stepKind = kind;
            stepCommand = command;
            stepArgs = args;
            stepEnv = env;
            stepCwd = cwd;
            stepDeps = map toString (if outputs == null then deps else closureOf deps);
            stepLinkDeps = outputs != null;
            stepOutputs = if outputs == null then [ ] else outputs;
            stepSource = if sources == null then "${source}" else "";
            stepSources = if sources == null then { } else sources;
          } // llvmFor ([ command cwd ] ++ args ++ builtins.attrValues env));
    in
    # A hand-over's output holds real copies of what it read: the steps that read it need nothing
    # below it, so what a step links (closureOf) stops there.
    drv // { nixifyId = id; nixifyDeps = if kind == "handover" then [ ] else deps; };

  # The standard library built by the steps, as a sysroot for `rustc --sysroot`.
  mkSysroot = { target, files }: derivation (common // {
    name = "sysroot-${target}";
    args = [ ./make-sysroot.sh ];
    sysrootTarget = target;
    sysrootFiles = map (f: "${f.step}/${f.path}") files;
  });

  # A step's dependencies and theirs, each once, down to hand-overs.
  closureOf = deps: map (e: e.step) (builtins.genericClosure {
    startSet = map (d: { key = d.nixifyId; step = d; }) deps;
    operator = e: map (d: { key = d.nixifyId; step = d; }) e.step.nixifyDeps;
  });
}
