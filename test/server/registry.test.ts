/**
 * Subsystems contribute to the engine through the registry, for their Layer's lifetime: commands, INFO
 * fields, per-client state and check hooks. A composition without the subsystem lacks them, and the
 * engine imports none of it.
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { describe, expect, it } from "vitest"
import { defineCommand } from "../../src/commands/CommandSpec.ts"
import { ConfigStore, ServerConfig } from "../../src/config/ServerConfig.ts"
import { CoreLive, RedisCore } from "../../src/layers.ts"
import { ClientSlot, CommandRegistry } from "../../src/server/CommandRegistry.ts"
import { Engine, type EngineState } from "../../src/server/Engine.ts"

/** A toy subsystem: a counter per client, a command that bumps it, an INFO field, a RESET hook. */
class Counter extends Context.Service<Counter, { total: number }>()("test/Counter") {}

const resets: Array<number> = []
const counterSlot = new ClientSlot("counter", () => ({ n: 0 }), (_state, client) => void resets.push(client.id))

const CounterLive = Layer.effectDiscard(
  Effect.gen(function*() {
    const counter = yield* Counter
    yield* CommandRegistry.contributeScoped((registry) => {
      const removeCommands = registry.addCommands([
        defineCommand({
          name: "bump",
          arity: 1,
          flags: "fast",
          keys: [0, 0, 0],
          acl: "@fast",
          docs: { summary: "test", since: "0.0.0", group: "server" },
          // the handler reaches its subsystem through the service it closed over
          handler: (ctx) => {
            counter.total++
            ctx.reply.integer(++counterSlot.get(ctx.client).n)
          }
        })
      ])
      const removeInfo = registry.addInfo("stats", () => [["bumps", counter.total]])
      const removeSlot = registry.addSlot(counterSlot)
      return () => {
        removeCommands()
        removeInfo()
        removeSlot()
      }
    })
  })
).pipe(Layer.provide(Layer.sync(Counter, () => ({ total: 0 }))))

const build = async <A, E>(layer: Layer.Layer<A, E>) => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  return { context, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const send = (engine: EngineState, client: ReturnType<EngineState["createClient"]>, ...argv: ReadonlyArray<string>) => {
  engine.refreshTime()
  engine.processCommand(client, argv)
  return client.reply.take()?.toString("latin1") ?? ""
}

describe("CommandRegistry", () => {
  it("a subsystem's Layer brings its commands, INFO fields and per-client state, and takes them away", async () => {
    const core = RedisCore()
    const { context, close } = await build(CounterLive.pipe(Layer.provideMerge(core)))
    const engine = Context.get(context, Engine)
    const a = engine.createClient()
    const b = engine.createClient()
    expect([send(engine, a, "BUMP"), send(engine, a, "bump"), send(engine, b, "BUMP")]).toEqual([":1\r\n", ":2\r\n", ":1\r\n"])
    expect(send(engine, a, "INFO", "stats")).toMatch(/\r\nbumps:3\r\n/)
    expect(send(engine, a, "COMMAND", "INFO", "bump")).toMatch(/^\*1\r\n\*10\r\n\$4\r\nbump\r\n:1\r\n/)
    // RESET and disconnecting clear the client's state through the slot, once each
    expect(send(engine, a, "RESET")).toBe("+RESET\r\n")
    expect(send(engine, a, "BUMP")).toBe(":1\r\n")
    engine.freeClient(b)
    engine.freeClient(b)
    expect(resets).toEqual([a.id, b.id])
    await close()
    expect(engine.lookup("bump")).toBeUndefined()
    expect(engine.registry.infoProviders.get("stats")).toEqual([])
    expect(engine.registry.slots).toEqual([])
  })

  it("a composition without the subsystem does not know its command", async () => {
    const { context, close } = await build(RedisCore())
    const engine = Context.get(context, Engine)
    expect(send(engine, engine.createClient(), "BUMP")).toBe("-ERR unknown command 'BUMP', with args beginning with: \r\n")
    await close()
  })

  it("rename-command applies to commands contributed later, and two subsystems may not claim one name", async () => {
    const store = new ConfigStore()
    store.commandRenames.push({ from: "bump", to: "poke" })
    const { context, close } = await build(
      CounterLive.pipe(Layer.provideMerge(CoreLive), Layer.provideMerge(ServerConfig.layerFrom(store)))
    )
    const engine = Context.get(context, Engine)
    const client = engine.createClient()
    expect(send(engine, client, "POKE")).toBe(":1\r\n")
    expect(send(engine, client, "BUMP")).toBe("-ERR unknown command 'BUMP', with args beginning with: \r\n")
    expect(() => engine.registry.addCommands([engine.lookup("get")!.spec])).toThrow(/registered twice/)
    await close()
  })
})
