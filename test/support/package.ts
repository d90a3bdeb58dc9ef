/**
 * The package as a user gets it: `npm pack` (which runs prepack -> `npm run build`), then a scratch
 * project outside the checkout that `npm install`s the tarball with its peer dependencies from the
 * registry. Used by test/package/pack.test.ts and by the cold-start benchmark (bench/coldstart.ts).
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../..", import.meta.url))
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly name: string
  readonly version: string
  readonly devDependencies: Readonly<Record<string, string>>
  readonly config: { readonly v8Flags: string }
}
export const v8Flags = rootPackage.config.v8Flags

/**
 * The environment for npm and node children: PATH starts with the directory of `nodeBin` (so `node`,
 * and the `node` of the bin's shebang, is that one), and no `npm_*` variable of an enclosing `npm test`
 * (npm_config_local_prefix and friends would point a nested npm at the checkout).
 */
export const childEnv = (nodeBin: string = process.execPath): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.toLowerCase().startsWith("npm_") && k !== "INIT_CWD") env[k] = v
  }
  env["PATH"] = `${dirname(nodeBin)}${delimiter}${process.env["PATH"] ?? ""}`
  return env
}

export interface Run {
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to completion; rejects with its output when it fails. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number }
): Promise<Run> =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? childEnv(), timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`))
        else resolve({ stdout, stderr })
      }
    )
  })

export interface Installed {
  /** The scratch project: node_modules/effect-redis-server is the installed tarball. */
  readonly project: string
  readonly tarball: string
  /** The files in the tarball, relative to the package (e.g. "dist/index.js"). */
  readonly files: ReadonlyArray<string>
  /** node_modules/.bin/effect-redis-server of the scratch project. */
  readonly bin: string
}

/**
 * Packs the checkout into `dir` and installs the tarball, plus effect, @effect/platform-node and
 * @types/node at the versions the checkout uses, into a new project `dir/project`.
 */
export const packAndInstall = async (dir: string): Promise<Installed> => {
  await run("npm", ["pack", "--pack-destination", dir, "--no-audit", "--no-fund"], { cwd: root, timeoutMs: 120_000 })
  const tarball = join(dir, `${rootPackage.name}-${rootPackage.version}.tgz`)
  const listing = await run("tar", ["-tzf", tarball], { cwd: dir })
  const files = listing.stdout.split("\n").filter((f) => f.length > 0).map((f) => f.replace(/^package\//, ""))
  const project = join(dir, "project")
  mkdirSync(project)
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "scratch-consumer", version: "1.0.0", private: true, type: "module" }, null, 2)
  )
  const dev = rootPackage.devDependencies
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      tarball,
      `effect@${dev["effect"]}`,
      `@effect/platform-node@${dev["@effect/platform-node"]}`,
      `@types/node@${dev["@types/node"]}`
    ],
    { cwd: project, timeoutMs: 180_000 }
  )
  return { project, tarball, files, bin: join(project, "node_modules", ".bin", "effect-redis-server") }
}

/** A scratch directory outside the checkout (module resolution must not reach its node_modules). */
export const scratchDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix))

/**
 * Node 22 for the consumers, from the npm package `node@22` installed into a directory kept between
 * runs in the system's temp dir; undefined (with the reason) when it cannot be installed.
 */
export const installNode22 = async (): Promise<{ readonly node: string } | { readonly error: string }> => {
  const dir = join(tmpdir(), "effect-redis-server-node22")
  const node = join(dir, "node_modules", ".bin", "node")
  try {
    if (!existsSync(node)) {
      mkdirSync(dir, { recursive: true })
      if (!existsSync(join(dir, "package.json"))) {
        writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "node22", private: true, allowScripts: { node: true } }))
      }
      await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "node@22"], { cwd: dir, timeoutMs: 180_000 })
    }
    const version = (await run(node, ["--version"], { cwd: dir })).stdout.trim()
    if (!version.startsWith("v22.")) return { error: `${node} is ${version}, not Node 22` }
    return { node }
  } catch (e) {
    return { error: `could not install node@22 from the npm registry: ${(e as Error).message.split("\n")[0]}` }
  }
}

