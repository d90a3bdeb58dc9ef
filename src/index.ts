/**
 * effect-redis-server as a library: the services and Layers of a Redis 7.0-compatible server.
 *
 * - `RedisServer.layer(options)`: a complete server listening on TCP (port 0 picks a free port).
 * - `RedisClient`: an in-process connection returning typed replies, no TCP needed.
 * - The subsystems (`ServerConfig`, `Keyspace`, `Engine`, `BlockingWaiters`, `ActiveExpiry`) for
 *   custom compositions; `CoreLive` assembles them (and `MonitorLive`, MONITOR) over a `ServerConfig`.
 * - `Persistence.layer(options)`: RDB persistence (SAVE, BGSAVE, save points, SHUTDOWN, loading the
 *   file at start) over a core; not part of `CoreLive`, so an embedded server writes no file unless asked.
 * - The seams a subsystem plugs into: `CommandRegistry` (commands, INFO fields, `ClientSlot`s, check
 *   hooks), `defineCommand`, `Callers` (the pipeline's ways in for internal clients).
 */
export { ConfigError, ConfigStore, ServerConfig } from "./config/ServerConfig.ts"
export { ActiveExpiry, activeExpireCycle, ExpireCycle } from "./keyspace/ActiveExpiry.ts"
export { Database } from "./keyspace/Database.ts"
export { Keyspace, KeyspaceState } from "./keyspace/Keyspace.ts"
export { KeyspaceSnapshot, type SnapshotEntry } from "./keyspace/Snapshot.ts"
export { type CommandDefinition, type CommandSpec, defineCommand } from "./commands/CommandSpec.ts"
export { type Core, CoreLive, coreCommandTable, RedisCore } from "./layers.ts"
export { Push, type Reply, ReplyError, ReplyParser, encodeCommand } from "./resp/ReplyParser.ts"
export { BlockingWaiters } from "./server/BlockingWaiters.ts"
export { type ClientKind } from "./server/Client.ts"
export { ClientOutput, type OutputClass, type OutputLimit } from "./server/ClientOutput.ts"
export { type CommandContext } from "./server/CommandContext.ts"
export {
  type CheckHooks,
  ClientSlot,
  CommandRegistry,
  DuplicateCommandError,
  type InfoField,
  type InfoProvider,
  Registry
} from "./server/CommandRegistry.ts"
export {
  type Caller,
  Callers,
  ClientBlockedError,
  Engine,
  EngineState,
  type MonitorFeed,
  PAUSE_LIFTED,
  REPLICA_ACKS
} from "./server/Engine.ts"
export { MonitorLive } from "./server/Monitor.ts"
export {
  type Argument,
  type PubSubMessage,
  RedisClient,
  type RedisConnection,
  SubscriptionClosed
} from "./server/RedisClient.ts"
export { LoadError, Persistence, persistenceCommandTable, PersistenceState } from "./persistence/Persistence.ts"
export { type ChannelKind, type ClientSubscriptions, PubSub, pubsubCommandTable, PubSubState } from "./pubsub/PubSub.ts"
export { Replication, replicationCommandTable, ReplicationState } from "./replication/Replication.ts"
export {
  ListenError,
  type ListeningServer,
  type ListenOptions,
  RedisServer,
  type RedisServerOptions
} from "./server/RedisServer.ts"
export { REDIS_VERSION, SERVER_VERSION } from "./version.ts"
