// A subsystem of your own: its Layer contributes a command (and an INFO field) to the server's registry
// for as long as the Layer lives; the handler reaches its own service, not the whole engine.
import { NodeRuntime } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { CommandRegistry, defineCommand, RedisClient, RedisCore } from "effect-redis-server"

class Greeter extends Context.Service<Greeter, { greet: (name: string) => string; count: number }>()("app/Greeter") {
  static readonly layer = Layer.sync(Greeter, () => {
    const greeter = { count: 0, greet: (name: string) => `hello, ${name} (#${++greeter.count})` }
    return greeter
  })
}

const GreetCommand = Layer.effectDiscard(Effect.gen(function*() {
  const greeter = yield* Greeter
  yield* CommandRegistry.contributeScoped((registry) => {
    const removeCommand = registry.addCommands([defineCommand({
      name: "greet", arity: 2, flags: "fast", keys: [0, 0, 0], acl: "@fast",
      docs: { summary: "Greets someone", since: "1.0.0", group: "server" },
      handler: (ctx, argv) => ctx.reply.bulk(greeter.greet(argv[1]!))
    })])
    const removeInfo = registry.addInfo("stats", () => [["greetings", greeter.count]])
    return () => {
      removeCommand()
      removeInfo()
    }
  })
})).pipe(Layer.provide(Greeter.layer))

const program = Effect.gen(function*() {
  const redis = yield* RedisClient
  yield* Effect.log(yield* redis.command("GREET", "world")) // hello, world (#1)
  const stats = String(yield* redis.command("INFO", "stats"))
  yield* Effect.log(stats.split("\r\n").find((line) => line.startsWith("greetings:")))
})

const Server = GreetCommand.pipe(Layer.provideMerge(RedisCore()))
NodeRuntime.runMain(program.pipe(Effect.provide(RedisClient.layer.pipe(Layer.provideMerge(Server)))))
