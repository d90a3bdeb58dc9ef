/**
 * The package as a user installs it: `npm pack` (prepack builds dist/), then a scratch project outside
 * the checkout installs the tarball with effect and @effect/platform-node from the registry, and runs a
 * JavaScript (ESM) consumer, a TypeScript consumer type-checked with `tsc --strict`, and the installed
 * `effect-redis-server` binary (through npx, node_modules/.bin and a global install), on this Node (24)
 * and on Node 22 (installed from the npm package `node@22`; skipped with a message when that fails,
 * except under CI=true where it is an error).
 * One pack and one install serve every case.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../support/oracle.ts"
import { childEnv, type Installed, installNode22, packAndInstall, root, run, scratchDir, v8Flags } from "../support/package.ts"
import { RawConnection } from "../support/raw.ts"

const INSTALL_TIMEOUT = 240_000

/** Plain JavaScript: the in-process Redis composed from the package's Layers, and the RESP subpath. */
const JS_CONSUMER = `import { Effect, Layer } from "effect"
import { RedisClient, RedisCore } from "effect-redis-server"
import { encodeCommand, ReplyParser } from "effect-redis-server/resp"

const program = Effect.gen(function*() {
  const redis = yield* RedisClient
  const set = yield* redis.command("SET", "greeting", "hello")
  const get = yield* redis.command("GET", "greeting")
  const incr = yield* redis.command("INCR", "counter")
  return { set, get, incr }
})
const replies = await Effect.runPromise(program.pipe(Effect.provide(RedisClient.layer.pipe(Layer.provide(RedisCore())))))
const parser = new ReplyParser()
parser.feed(Buffer.from(":42\\r\\n$5\\r\\nhello\\r\\n"))
let deepImport
try {
  await import("effect-redis-server/dist/server/Engine.js")
  deepImport = "allowed"
} catch (e) {
  deepImport = e.code
}
console.log(JSON.stringify({
  node: process.version,
  resolved: import.meta.resolve("effect-redis-server"),
  replies,
  encoded: encodeCommand(["GET", "k"]).toString("latin1"),
  parsed: [parser.next()?.value, parser.next()?.value],
  deepImport
}))
`

/**
 * TypeScript, checked strictly (library declarations included: skipLibCheck false). The config
 * subpath loads directives, and the package's Layers compose over the resulting store; the
 * @ts-expect-error lines fail the type-check if the declarations were loose (any) or missing.
 */
const TS_CONSUMER = `import { Effect, Layer } from "effect"
import { type ConfigError, CoreLive, RedisClient, type RedisConnection, RedisCore, type Reply, type ReplyError } from "effect-redis-server"
import { loadConfig, ServerConfig } from "effect-redis-server/config"

const program = Effect.gen(function*() {
  const { store } = yield* loadConfig(["--databases", "4", "--hash-max-listpack-entries", "7"], { commandNames: [], chdir: false })
  const client = RedisClient.layer.pipe(Layer.provide(CoreLive), Layer.provide(ServerConfig.layerFrom(store)))
  return yield* Effect.gen(function*() {
    const redis = yield* RedisClient
    yield* redis.command("SELECT", "3")
    const set: Reply = yield* redis.command("SET", "k", "v")
    const get: Reply = yield* redis.command("GET", "k")
    const config: Reply = yield* redis.command("CONFIG", "GET", "hash-max-listpack-entries")
    const selectOutOfRange = yield* Effect.flip(redis.command("SELECT", "4"))
    return { set, get, config, selectError: selectOutOfRange.message }
  }).pipe(Effect.provide(client))
})

// @ts-expect-error directives are strings, as in redis.conf
RedisCore({ databases: 4 })
export const getString = (redis: RedisConnection): Effect.Effect<string, ReplyError> =>
  // @ts-expect-error a reply is not a string until narrowed
  redis.command("GET", "k")

const refused: ConfigError = await Effect.runPromise(Effect.flip(Effect.scoped(Layer.build(RedisCore({ databases: "many" })))))
const replies = await Effect.runPromise(program)
console.log(JSON.stringify({ ...replies, config: [...(replies.config as ReadonlyArray<Reply>)], refused: refused.reason }))
`

const TSCONFIG = {
  compilerOptions: {
    target: "ES2023",
    // effect's own declarations name Web Crypto types (CryptoKey, JsonWebKey) that only lib DOM
    // declares: with skipLibCheck off, which checks this package's declarations, DOM is needed for them
    lib: ["ES2023", "DOM"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    skipLibCheck: false,
    noEmit: true
  },
  include: ["consumer.ts"]
}

let dir: string
let installed: Installed
const running: ChildProcess[] = []

beforeAll(async () => {
  dir = scratchDir("effect-redis-server-pack-")
  installed = await packAndInstall(dir)
  writeFileSync(join(installed.project, "consumer.mjs"), JS_CONSUMER)
  writeFileSync(join(installed.project, "consumer.ts"), TS_CONSUMER)
  writeFileSync(join(installed.project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2))
}, INSTALL_TIMEOUT)

afterAll(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** Starts the installed binary (through its shebang, with `node` on PATH being `nodeBin`). */
const startBinary = (nodeBin: string, args: ReadonlyArray<string>, bin: string) => {
  const child = spawn(bin, args, { cwd: installed.project, env: childEnv(nodeBin), stdio: ["ignore", "pipe", "pipe"] })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const waitFor = async (text: string, timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    while (!output.includes(text)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in output:\n${output}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    return output
  }
  return { child, exited, waitFor, output: () => output }
}

/** The binary starts like `npm start` (same V8 flags), answers PING over TCP, exits 0 on SIGTERM. */
const serveAndStop = async (nodeBin: string, expectedMajor: string, bin: string = installed.bin) => {
  const port = await freePort()
  const server = startBinary(nodeBin, ["--port", String(port), "--bind", "127.0.0.1"], bin)
  const banner = await server.waitFor("Ready to accept connections tcp")
  expect(banner).toContain(`port=${port}`)
  expect(banner).toContain(`Node ${expectedMajor}`)
  if (process.platform === "linux") {
    // the shebang's `env -S` execs node itself with the flags: this pid is the server's node
    const argv = readFileSync(`/proc/${server.child.pid}/cmdline`, "utf8").split("\0")
    expect(argv.slice(1, 1 + v8Flags.split(" ").length)).toEqual(v8Flags.split(" "))
  }
  const client = await RawConnection.connect(port)
  expect((await client.call("PING")).raw).toBe("+PONG\r\n")
  expect((await client.call("SET", "k", "v")).raw).toBe("+OK\r\n")
  expect((await client.call("GET", "k")).raw).toBe("$1\r\nv\r\n")
  server.child.kill("SIGTERM")
  expect(await server.exited).toBe(0)
  expect(server.output()).toContain("Redis is now ready to exit, bye bye...")
  await client.readUntilClose()
}

const runJsConsumer = async (nodeBin: string) => {
  const { stdout } = await run(nodeBin, ["consumer.mjs"], { cwd: installed.project, env: childEnv(nodeBin), timeoutMs: 30_000 })
  return JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>
}

const runTsConsumer = async (nodeBin: string) => {
  const { stdout } = await run(nodeBin, ["consumer.ts"], { cwd: installed.project, env: childEnv(nodeBin), timeoutMs: 30_000 })
  return JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>
}

const expectedJs = {
  replies: { set: "OK", get: "hello", incr: 1 },
  encoded: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
  parsed: [42, "hello"],
  deepImport: "ERR_PACKAGE_PATH_NOT_EXPORTED"
}

const expectedTs = {
  set: "OK",
  get: "v",
  config: ["hash-max-listpack-entries", "7"],
  selectError: "ERR DB index is out of range",
  refused: "argument couldn't be parsed into an integer"
}

describe("the packed package", () => {
  it("holds the built JavaScript, declarations and bin, not the sources or tests", () => {
    const { files } = installed
    for (const f of ["package.json", "README.md", "bin/effect-redis-server.js", "dist/index.js", "dist/index.d.ts", "dist/effect-redis-server.js", "dist/resp/index.js", "dist/resp/index.d.ts", "dist/config/index.js", "dist/config/index.d.ts"]) {
      expect(files).toContain(f)
    }
    // the server's entry point is the bundle; src/main.ts is not library API
    expect(files.filter((f) => f.startsWith("dist/main."))).toEqual([])
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([])
    // the build rewrote every relative import to .js, in the JavaScript and in the declarations
    const pkg = join(installed.project, "node_modules", "effect-redis-server")
    const index = readFileSync(join(pkg, "dist/index.js"), "utf8") + readFileSync(join(pkg, "dist/index.d.ts"), "utf8")
    expect(index).toContain(`from "./layers.js"`)
    expect(index).not.toMatch(/from "\.[^"]*\.ts"/)
  })

  it("is installed with one copy of effect, the app's (a peer dependency), and the Lua VM as its one dependency", () => {
    const pkg = join(installed.project, "node_modules", "effect-redis-server")
    expect(existsSync(join(pkg, "node_modules", "effect"))).toBe(false)
    const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"))
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@effect/platform-node", "effect"])
    // the Lua VM (a .wasm file loaded from its package's directory: not bundled, see scripts/build.ts)
    expect(manifest.dependencies).toEqual({ "wasmoon-lua5.1": "1.18.10" })
  })
})

describe("Node 24 (this Node)", () => {
  const major = process.version.split(".")[0]!

  it("a JavaScript consumer composes RedisCore + RedisClient from dist/", async () => {
    const out = await runJsConsumer(process.execPath)
    expect(out).toMatchObject(expectedJs)
    expect(out["resolved"]).toMatch(/node_modules\/effect-redis-server\/dist\/index\.js$/)
  })

  it("a TypeScript consumer type-checks with tsc --strict against the declarations, and runs", async () => {
    await run(join(root, "node_modules", ".bin", "tsc"), ["-p", "."], { cwd: installed.project, timeoutMs: 60_000 })
    expect(await runTsConsumer(process.execPath)).toEqual(expectedTs)
  })

  it("the type-check fails when the consumer misuses the API (the declarations are real)", async () => {
    writeFileSync(join(installed.project, "bad.ts"), `import { RedisCore } from "effect-redis-server"\nRedisCore({ databases: 4 })\n`)
    const tsconfig = { ...TSCONFIG, include: ["bad.ts"] }
    writeFileSync(join(installed.project, "tsconfig.bad.json"), JSON.stringify(tsconfig))
    await expect(run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.bad.json"], { cwd: installed.project }))
      .rejects.toThrow(/bad\.ts.*TS2322/s)
  })

  it("npx effect-redis-server runs the installed binary", async () => {
    const { stdout } = await run("npx", ["--no-install", "effect-redis-server", "--version"], { cwd: installed.project })
    expect(stdout).toMatch(/^Redis server v=7\.0\.\d+ .*build=effect-redis-server-/)
  })

  it("the installed binary serves, with package.json's V8 flags, and stops on SIGTERM", async () => {
    await serveAndStop(process.execPath, major)
  })

  it("a global install (npm install -g, here into a prefix) gives the same command", async () => {
    const prefix = join(dir, "global")
    await run("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", installed.tarball], {
      cwd: dir,
      timeoutMs: 120_000
    })
    await serveAndStop(process.execPath, major, join(prefix, "bin", "effect-redis-server"))
  }, 120_000)
})

describe("Node 22", () => {
  let node22: string | undefined
  let skipped: string | undefined

  beforeAll(async () => {
    const found = await installNode22()
    if ("node" in found) node22 = found.node
    else skipped = found.error
  }, INSTALL_TIMEOUT)

  const needNode22 = (): string | undefined => {
    if (node22 !== undefined) return node22
    if (process.env["CI"] === "true") throw new Error(`Node 22 is required under CI=true: ${skipped}`)
    console.warn(`Node 22 cases skipped: ${skipped}`)
    return undefined
  }

  it("a JavaScript consumer runs on Node 22", async (ctx) => {
    const node = needNode22()
    if (node === undefined) return ctx.skip()
    const out = await runJsConsumer(node)
    expect(out["node"]).toMatch(/^v22\./)
    expect(out).toMatchObject(expectedJs)
  })

  it("the TypeScript consumer runs on Node 22", async (ctx) => {
    const node = needNode22()
    if (node === undefined) return ctx.skip()
    expect(await runTsConsumer(node)).toEqual(expectedTs)
  })

  it("the installed binary serves on Node 22 and stops on SIGTERM", async (ctx) => {
    const node = needNode22()
    if (node === undefined) return ctx.skip()
    await serveAndStop(node, "v22")
  })
})
