/**
 * `npm run build` (run by prepack): dist/, what the package publishes.
 *
 * - The library: the JavaScript and declarations of src/ (tsc, tsconfig.build.json), one module per
 *   source file, importing effect and @effect/platform-node (peer dependencies) by name. tsc rewrites
 *   the sources' relative `.ts` imports to `.js` in the JavaScript (rewriteRelativeImportExtensions)
 *   but leaves them `.ts` in the declarations; those are rewritten here, so that a consumer's
 *   TypeScript resolves them like any package's `.d.ts` files.
 * - The binary: dist/effect-redis-server.js, src/main.ts bundled with the parts of effect and
 *   @effect/platform-node it uses into one file (rolldown). Loading ~155 separate modules was most of
 *   its cold start (time to "Ready to accept connections": ~400 ms against ~230 ms bundled, see
 *   docs/BENCHMARKS.md); a bundle has no module resolution to do.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "rolldown"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = join(root, "dist")

rmSync(dist, { recursive: true, force: true })
// typescript's bin script run by this node, not through node_modules/.bin's `#!/usr/bin/env node`
// (absent in the Nix build sandbox)
const tsc = join(root, "node_modules", "typescript", "bin", "tsc")
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" })

/** `from "./x.ts"`, `import("../y.ts")`: relative specifiers ending in .ts (not .d.ts). */
const relativeTs = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)(?<!\.d)\.ts(["'])/g

let rewritten = 0
for (const entry of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
  if (!entry.endsWith(".d.ts")) continue
  const file = join(dist, entry)
  const text = readFileSync(file, "utf8")
  const fixed = text.replace(relativeTs, (_, head: string, path: string, quote: string) => `${head}${path}.js${quote}`)
  if (fixed !== text) {
    writeFileSync(file, fixed)
    rewritten++
  }
}

await build({
  input: join(dist, "main.js"),
  platform: "node",
  logLevel: "warn",
  // the Lua VM loads its .wasm file from its own directory: it stays a dependency, not bundled
  external: ["wasmoon-lua5.1"],
  output: { file: join(dist, "effect-redis-server.js"), format: "esm" }
})
// the bundle replaces the unbundled entry point: main is not part of the library
rmSync(join(dist, "main.js"))
rmSync(join(dist, "main.d.ts"))

process.stdout.write(`dist/ built; relative imports rewritten to .js in ${rewritten} declaration files; binary bundled\n`)
