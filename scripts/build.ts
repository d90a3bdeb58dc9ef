/**
 * `npm run build` (run by prepack): dist/ = the JavaScript and declarations of src/, what the package
 * publishes. tsc (tsconfig.build.json) rewrites the sources' relative `.ts` imports to `.js` in the
 * JavaScript (rewriteRelativeImportExtensions) but leaves them `.ts` in the declarations; those are
 * rewritten here, so that a consumer's TypeScript resolves them like any package's `.d.ts` files.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = join(root, "dist")

rmSync(dist, { recursive: true, force: true })
execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit" })

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
process.stdout.write(`dist/ built; relative imports rewritten to .js in ${rewritten} declaration files\n`)
