# nixify-rust's own flake (not a generated tree): the CLI built from source, a dev shell, and the
# unit tests that need no network as a check.
{
  description = "nixify-rust: the Rust compiler's x.py bootstrap as a tree of Nix flakes";

  # Bun is nixpkgs' own (pkgs.bun), from nixos-unstable: this bun.lock and the
  # --no-compile-autoload-* flags need a recent bun (nixos-24.11's cannot read the lock).
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      version = (builtins.fromJSON (builtins.readFile ./package.json)).version;
      systems = [ "aarch64-darwin" "aarch64-linux" "x86_64-darwin" "x86_64-linux" ];

      # Must equal COMPILE_FLAGS in scripts/build.ts (test/flake.test.ts checks): the executable
      # ignores the user's .env and bunfig.toml.
      compileFlags = [ "--compile" "--no-compile-autoload-dotenv" "--no-compile-autoload-bunfig" ];

      # Only the runtime dependencies, which are plain JavaScript, so the output is the same on
      # every system. (Without --omit=peer bun also installs typescript, valibot's optional peer,
      # whose native part differs per platform.)
      installFlags = [ "install" "--frozen-lockfile" "--production" "--ignore-scripts" "--omit=peer" "--omit=optional" "--linker=hoisted" "--backend=copyfile" "--no-progress" ];
      # NAR hash of that node_modules. Update it whenever bun.lock changes: run `bun <installFlags>`
      # in a folder holding only package.json and bun.lock, then
      # `nix --extra-experimental-features nix-command hash path node_modules`
      # (test/flake.test.ts does this and fails naming the new hash), or `nix build .#node-modules`.
      nodeModulesHash = "sha256-AuVFbaKbGws5zEuCfgJk72oxiGtQQ8uG5/nydtCuduI=";

      forAllSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});

      perSystem = system: pkgs:
        let
          inherit (pkgs) bun;

          nodeModules = pkgs.stdenvNoCC.mkDerivation {
            pname = "nixify-rust-node-modules";
            inherit version;
            src = lib.fileset.toSource { root = ./.; fileset = lib.fileset.unions [ ./package.json ./bun.lock ]; };
            nativeBuildInputs = [ bun pkgs.cacert ];
            impureEnvVars = lib.fetchers.proxyImpureEnvVars;
            dontConfigure = true;
            buildPhase = ''
              export HOME=$TMPDIR BUN_INSTALL_CACHE_DIR=$TMPDIR/bun-cache
              bun ${lib.escapeShellArgs installFlags}
            '';
            installPhase = "cp -R node_modules $out";
            dontFixup = true;
            outputHashMode = "recursive";
            outputHashAlgo = "sha256";
            outputHash = nodeModulesHash;
          };

          source = extra: lib.fileset.toSource {
            root = ./.;
            fileset = lib.fileset.unions ([ ./main.ts ./package.json ./bun.lock ./tsconfig.json ./lib ./sample ] ++ extra);
          };

          nixify-rust = pkgs.stdenvNoCC.mkDerivation {
            pname = "nixify-rust";
            inherit version;
            src = source [ ];
            nativeBuildInputs = [ bun ];
            dontConfigure = true;
            buildPhase = ''
              runHook preBuild
              export HOME=$TMPDIR
              ln -s ${nodeModules} node_modules
              bun build ${lib.escapeShellArgs compileFlags} main.ts --outfile nixify-rust
              runHook postBuild
            '';
            installPhase = ''
              runHook preInstall
              install -Dm755 nixify-rust $out/bin/nixify-rust
              runHook postInstall
            '';
            # The executable is bun's runtime with our bundle inside: stripping, patchelf or any
            # other fixup (on Linux or Darwin) would damage it.
            dontStrip = true;
            dontPatchELF = true;
            dontFixup = true;
            meta = {
              description = "Turn the Rust compiler's x.py bootstrap into a tree of Nix flakes";
              license = lib.licenses.mit;
              mainProgram = "nixify-rust";
              platforms = systems;
            };
          };
        in
        {
          inherit nodeModules nixify-rust;

          unit = pkgs.stdenvNoCC.mkDerivation {
            name = "nixify-rust-unit-tests";
            src = source [ ./test ./bunfig.toml ];
            nativeBuildInputs = [ bun pkgs.python3 pkgs.nix pkgs.rustc pkgs.cargo ];
            dontConfigure = true;
            buildPhase = ''
              export HOME=$TMPDIR
              ln -s ${nodeModules} node_modules
              bun test test/nix.test.ts test/gen-sample.test.ts test/gen-errors.test.ts
            '';
            installPhase = "touch $out";
          };
        };

      all = forAllSystems perSystem;
    in
    {
      # node-modules is exposed to refresh nodeModulesHash: `nix build .#node-modules` names the hash.
      packages = lib.mapAttrs (system: s: {
        default = s.nixify-rust;
        nixify-rust = s.nixify-rust;
        node-modules = s.nodeModules;
      }) all;

      apps = lib.mapAttrs (system: s: {
        default = { type = "app"; program = "${s.nixify-rust}/bin/nixify-rust"; };
      }) all;

      checks = lib.mapAttrs (system: s: { inherit (s) unit; }) all;

      devShells = forAllSystems (system: pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.bun pkgs.python3 pkgs.nixVersions.stable pkgs.rustc pkgs.cargo ];
        };
      });
    };
}
