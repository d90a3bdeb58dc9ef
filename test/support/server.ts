/** Starts this server in the test process on a free port (the embedded Layer, real sockets). */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { RedisServer } from "../../src/server/RedisServer.ts"

export interface TestServer {
  readonly port: number
  readonly engine: EngineState
  readonly close: () => Promise<void>
}

export const startServer = async (config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}): Promise<TestServer> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(RedisServer.layer({ port: 0, host: "127.0.0.1", config }), scope)
  )
  return {
    port: Context.get(context, RedisServer).port,
    engine: Context.get(context, Engine),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
