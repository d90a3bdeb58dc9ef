{
  description = "effect-redis-server: a Redis 7.0-compatible server in TypeScript on Effect v4";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # `nix develop`: Node 24 and Redis (redis-server is the oracle of the differential tests and the
      # baseline of `npm run bench`).
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.nodejs_24 pkgs.redis ];
        };
      });

      # `nix build` / `nix run . -- --port 7000`: the server as the npm package ships it. `npm run build`
      # (what prepack runs) makes dist/; the server is dist/effect-redis-server.js, one file bundling
      # src/main.ts with the effect code it uses, so the output needs Node 24 and no node_modules.
      packages = forAllSystems (pkgs: {
        default = pkgs.buildNpmPackage {
          pname = "effect-redis-server";
          version = "0.1.0";
          src = ./.;
          nodejs = pkgs.nodejs_24;
          # Dependencies come from package-lock.json (with its registry URLs and integrity hashes), so
          # there is no hand-made npmDepsHash to keep in sync.
          npmDeps = pkgs.importNpmLock { npmRoot = ./.; };
          npmConfigHook = pkgs.importNpmLock.npmConfigHook;
          # The `node` devDependency downloads a Node binary in its install script: not in the sandbox.
          # tsc (typescript 7) and rolldown come as prebuilt platform packages (optional dependencies),
          # which need no install script.
          npmFlags = [ "--ignore-scripts" ];
          # buildPhase runs `npm run build`: dist/ (library JavaScript + declarations, and the bundle)
          npmBuildScript = "build";
          nativeBuildInputs = [ pkgs.makeWrapper ];
          installPhase = ''
            runHook preInstall
            mkdir -p $out/lib/effect-redis-server $out/bin
            cp -r package.json README.md dist $out/lib/effect-redis-server/
            # the V8 flags of package.json's config.v8Flags, as `npm start` and the npm bin use them
            makeWrapper ${pkgs.nodejs_24}/bin/node $out/bin/effect-redis-server \
              --add-flags "--max-semi-space-size=16 --heap-growing-percent=20" \
              --add-flags $out/lib/effect-redis-server/dist/effect-redis-server.js
            runHook postInstall
          '';
          meta = {
            description = "A Redis 7.0-compatible server in TypeScript on Effect v4";
            mainProgram = "effect-redis-server";
          };
        };
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/effect-redis-server";
        };
      });
    };
}
