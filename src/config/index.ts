/**
 * `effect-redis-server/config`: redis-server's configuration on its own: the command line and
 * redis.conf files read with Redis 7.0's syntax, precedence and error reports (`loadConfig`,
 * `parseCommandLine`, `applyConfigText`), into a `ConfigStore` that `ServerConfig.layerFrom(store)`
 * hands to the core (`CoreLive`) and the listener (`RedisServer.listen`) of the main entry point.
 */
export { applyConfigText, type CommandLine, ConfigLoadError, loadConfig, type LoadOptions, parseCommandLine } from "./load.ts"
export { ConfigError, ConfigStore, ServerConfig } from "./ServerConfig.ts"
