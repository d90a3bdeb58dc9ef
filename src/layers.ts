/** Composition of the server's Layers (the graph is drawn in docs/ARCHITECTURE.md). */
import * as Layer from "effect/Layer"
import type { CommandSpec } from "./commands/CommandSpec.ts"
import { allCommands, CoreCommands } from "./commands/index.ts"
import { type ConfigError, ServerConfig } from "./config/ServerConfig.ts"
import { AclLive, aclCommands } from "./server/Acl.ts"
import { ActiveExpiry } from "./keyspace/ActiveExpiry.ts"
import { Keyspace } from "./keyspace/Keyspace.ts"
import { PubSub, pubsubCommandTable } from "./pubsub/PubSub.ts"
import { BlockingWaiters } from "./server/BlockingWaiters.ts"
import { CommandRegistry } from "./server/CommandRegistry.ts"
import { Engine } from "./server/Engine.ts"
import { EvictionLive } from "./server/Eviction.ts"
import { MigrateLive, migrateCommands } from "./server/Migrate.ts"
import { ModulesLive, moduleCommands } from "./server/Modules.ts"
import { MonitorLive, monitorCommands } from "./server/Monitor.ts"
import { Replication, replicationCommandTable } from "./replication/Replication.ts"
import { Scripting, scriptingCommandTable } from "./scripting/Scripting.ts"
import { SlowlogLive, slowlogCommands } from "./server/Slowlog.ts"

/** The services a whole core offers: what subsystems' Layers build on. */
export type Core = Engine | Keyspace | BlockingWaiters | CommandRegistry | PubSub | Scripting | Replication

/** Every command CoreLive serves: the core's table and what its own Layers add (MONITOR, pub/sub). */
export const coreCommandTable: ReadonlyArray<CommandSpec> = [
  ...allCommands,
  ...monitorCommands,
  ...pubsubCommandTable,
  ...slowlogCommands,
  ...scriptingCommandTable,
  ...aclCommands,
  ...replicationCommandTable,
  ...migrateCommands,
  ...moduleCommands
]

/**
 * Keyspace, waiter registry, command registry with the core's commands, engine, MONITOR, pub/sub and
 * active expiry, over a configuration. Subsystems (persistence, ...) are Layers that need these
 * services and contribute to the registry.
 */
export const CoreLive: Layer.Layer<Core, never, ServerConfig> = AclLive.pipe(
  Layer.provideMerge(Layer.mergeAll(MonitorLive, PubSub.layer, SlowlogLive, Scripting.layer, EvictionLive, Replication.layer, MigrateLive, ModulesLive)),
  Layer.provideMerge(Layer.mergeAll(Engine.layer, ActiveExpiry, CoreCommands)),
  Layer.provideMerge(CommandRegistry.layer),
  Layer.provideMerge(BlockingWaiters.layer),
  Layer.provideMerge(Keyspace.layer)
)

/**
 * A whole server without a listener: configuration (defaults plus `config`, directives as in
 * redis.conf), keyspace, engine, pub/sub and active expiry. Give it to `RedisClient.layer` for an
 * in-process Redis, or to `RedisServer.listen` to serve TCP too.
 */
export const RedisCore = (
  config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}
): Layer.Layer<Core | ServerConfig, ConfigError> =>
  CoreLive.pipe(Layer.provideMerge(ServerConfig.layer(config)))
