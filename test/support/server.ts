/** Starts this server in the test process on a free port (the embedded Layer, real sockets). */
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { RedisServer } from "../../src/server/RedisServer.ts"
import { afterAll, beforeAll } from "vitest"
import { RawConnection } from "./raw.ts"

export interface TestServer {
  readonly port: number
  readonly engine: EngineState
  readonly close: () => Promise<void>
}

export const startServer = async (
  config: Readonly<Record<string, string | ReadonlyArray<string>>> = {},
  options: { readonly log?: (message: string) => void } = {}
): Promise<TestServer> => {
  const scope = Effect.runSync(Scope.make())
  const log = options.log
  // a directory of its own unless the test names one: a dump.rdb that a SAVE, DEBUG RELOAD or SHUTDOWN
  // of another test left in the working directory would otherwise be loaded at start
  const dir = config["dir"] === undefined ? mkdtempSync(join(tmpdir(), "server-")) : undefined
  const layer = RedisServer.layer({ port: 0, host: "127.0.0.1", config: dir === undefined ? config : { ...config, dir } })
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      log === undefined
        ? layer
        : layer.pipe(Layer.provide(Logger.layer([Logger.make(({ message }) => log((Array.isArray(message) ? message : [message]).join(" ")))]))),
      scope
    )
  )
  return {
    port: Context.get(context, RedisServer).port,
    engine: Context.get(context, Engine),
    close: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * For a describe block: this server, started with `config` before its tests and closed after them,
 * with one connection to it, which the returned function gives inside tests.
 */
export const connectedServer = (config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}): () => RawConnection => {
  let server: TestServer | undefined
  let conn: RawConnection | undefined
  beforeAll(async () => {
    server = await startServer(config)
    conn = await RawConnection.connect(server.port)
  })
  afterAll(async () => {
    await conn?.close()
    await server?.close()
  })
  return () => {
    if (conn === undefined) throw new Error("server not started")
    return conn
  }
}
