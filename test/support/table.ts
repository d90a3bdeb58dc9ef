/**
 * The command table of a whole server as the default Layers assemble it (the core's commands and every
 * subsystem's), read from a built registry: what COMMAND must describe.
 */
import { Context, Effect, Layer } from "effect"
import type { CommandSpec } from "../../src/commands/CommandSpec.ts"
import { RedisCore } from "../../src/layers.ts"
import { CommandRegistry } from "../../src/server/CommandRegistry.ts"

export const serverCommandTable: ReadonlyArray<CommandSpec> = await Effect.runPromise(
  Effect.scoped(
    Layer.build(RedisCore()).pipe(
      Effect.map((context) => Context.get(context, CommandRegistry).distinctCommands().map((c) => c.spec))
    )
  )
)
