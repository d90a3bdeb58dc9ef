/** This server with the persistence Layer, in the test process, on a free port. */
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import { RedisCore } from "../../src/layers.ts"
import { Persistence, type PersistenceState } from "../../src/persistence/Persistence.ts"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { RedisServer } from "../../src/server/RedisServer.ts"

export interface PersistentServer {
  readonly port: number
  readonly engine: EngineState
  readonly persistence: PersistenceState
  /** Log lines (messages only), in order. */
  readonly lines: Array<string>
  /** How many times SHUTDOWN asked the process to exit. */
  readonly exits: { count: number }
  readonly close: () => Promise<void>
}

export const startPersistentServer = async (
  config: Readonly<Record<string, string | ReadonlyArray<string>>>
): Promise<PersistentServer> => {
  const scope = Effect.runSync(Scope.make())
  const lines: Array<string> = []
  const exits = { count: 0 }
  const logger = Logger.layer([Logger.make(({ message }) => lines.push((Array.isArray(message) ? message : [message]).join(" ")))])
  const layer = RedisServer.listen({ port: 0, host: "127.0.0.1" }).pipe(
    Layer.provideMerge(Persistence.layer({ exit: () => exits.count++ })),
    Layer.provideMerge(RedisCore(config)),
    Layer.provide(logger)
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope).pipe(Effect.provide(logger)))
  return {
    port: Context.get(context, RedisServer).port,
    engine: Context.get(context, Engine),
    persistence: Context.get(context, Persistence),
    lines,
    exits,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
