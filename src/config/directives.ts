/**
 * The configuration directives, as data: one entry per directive of Redis 7.0 (name, alias, type,
 * default, bounds, flags). Drives the config file parser, `--name value` arguments, CONFIG GET/SET
 * and CONFIG REWRITE.
 *
 * Defaults are Redis 7.0's compiled-in defaults (what `CONFIG GET *` shows on a redis-server started
 * without a config file), not the values of the sample redis.conf.
 */

/** Redis's config flags that change behaviour here. */
export const IMMUTABLE = 1 << 0
export const SENSITIVE = 1 << 1
export const HIDDEN = 1 << 2
export const PROTECTED = 1 << 3
export const DENY_LOADING = 1 << 4
/** Accepted and stored for compatibility; nothing in this server reads it (documented in the README). */
export const NOT_APPLICABLE = 1 << 5
/** Memory values render as plain byte counts, like Redis. */
export const MEMORY = 1 << 6
/** Multi-argument directive that accumulates lines in a config file (e.g. `save`, `rename-command`). */
export const MULTI_ARG = 1 << 7

export type DirectiveResult = { readonly ok: string } | { readonly error: string }

export interface Directive {
  readonly name: string
  readonly alias?: string
  readonly flags: number
  /** The default, in the canonical form CONFIG GET shows. */
  readonly default: string
  /**
   * Validates the arguments of a directive (one or more words) and returns its canonical stored form,
   * or the error Redis gives ("argument must be a memory value", ...).
   */
  readonly parse: (args: ReadonlyArray<string>) => DirectiveResult
}

const ok = (value: string): DirectiveResult => ({ ok: value })
const err = (error: string): DirectiveResult => ({ error })

export const boolDirective = (name: string, def: boolean, flags = 0, alias?: string): Directive => ({
  name,
  ...(alias === undefined ? {} : { alias }),
  flags,
  default: def ? "yes" : "no",
  parse: (args) => {
    if (args.length !== 1) return err("wrong number of arguments")
    const v = args[0]!.toLowerCase()
    if (v === "yes") return ok("yes")
    if (v === "no") return ok("no")
    return err("argument must be 'yes' or 'no'")
  }
})

export const intDirective = (
  name: string,
  def: number,
  min: number,
  max: number,
  flags = 0,
  alias?: string
): Directive => ({
  name,
  ...(alias === undefined ? {} : { alias }),
  flags,
  default: String(def),
  parse: (args) => {
    if (args.length !== 1) return err("wrong number of arguments")
    const s = args[0]!
    const memory = (flags & MEMORY) !== 0
    const n = memory ? parseMemory(s) : /^-?\d+$/.test(s) ? Number(s) : undefined
    if (n === undefined || !Number.isFinite(n)) {
      return err(memory ? "argument must be a memory value" : "argument couldn't be parsed into an integer")
    }
    if (n < min || n > max) return err(`argument must be between ${min} and ${max} inclusive`)
    return ok(String(n))
  }
})

export const enumDirective = (
  name: string,
  def: string,
  values: ReadonlyArray<string>,
  flags = 0,
  alias?: string
): Directive => ({
  name,
  ...(alias === undefined ? {} : { alias }),
  flags,
  default: def,
  parse: (args) => {
    if (args.length !== 1) return err("wrong number of arguments")
    const v = args[0]!.toLowerCase()
    return values.includes(v) ? ok(v) : err(`argument(s) must be one of the following: ${values.join(", ")}`)
  }
})

export const stringDirective = (name: string, def: string, flags = 0, alias?: string): Directive => ({
  name,
  ...(alias === undefined ? {} : { alias }),
  flags,
  default: def,
  parse: (args) => (args.length === 1 ? ok(args[0]!) : err("wrong number of arguments"))
})

/** Redis's memtoll: "1gb", "100mb", "10k", plain bytes. undefined when invalid. */
export const parseMemory = (s: string): number | undefined => {
  const m = /^(-?\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s)
  if (m === null) return undefined
  const units: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 * 1000,
    mb: 1024 * 1024,
    g: 1000 * 1000 * 1000,
    gb: 1024 * 1024 * 1024
  }
  return Number(m[1]) * units[(m[2] ?? "b").toLowerCase()]!
}

const LONG_MAX = Number.MAX_SAFE_INTEGER

export const directives: ReadonlyArray<Directive> = [
  intDirective("port", 6379, 0, 65535),
  stringDirective("bind", "* -::*"),
  intDirective("databases", 16, 1, 2147483647, IMMUTABLE),
  intDirective("hz", 10, 0, 2147483647),
  intDirective("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024, LONG_MAX, MEMORY),
  intDirective("client-query-buffer-limit", 1024 * 1024 * 1024, 1024 * 1024, LONG_MAX, MEMORY),
  intDirective("maxclients", 10000, 1, 2147483647),
  intDirective("timeout", 0, 0, 2147483647),
  intDirective("tcp-keepalive", 300, 0, 2147483647),
  intDirective("tcp-backlog", 511, 0, 2147483647, IMMUTABLE),
  stringDirective("dir", ""),
  stringDirective("requirepass", "", SENSITIVE),
  stringDirective("logfile", "", IMMUTABLE),
  stringDirective("pidfile", "", IMMUTABLE),
  enumDirective("loglevel", "notice", ["debug", "verbose", "notice", "warning"]),
  boolDirective("daemonize", false, IMMUTABLE | NOT_APPLICABLE),
  boolDirective("appendonly", false),
  stringDirective("appendfilename", "appendonly.aof", IMMUTABLE),
  stringDirective("dbfilename", "dump.rdb", PROTECTED),
  stringDirective("save", "3600 1 300 100 60 10000", MULTI_ARG),
  stringDirective("notify-keyspace-events", ""),
  boolDirective("lazyfree-lazy-expire", false),
  boolDirective("lazyfree-lazy-user-del", false),
  boolDirective("lazyfree-lazy-user-flush", false),
  boolDirective("lazyfree-lazy-server-del", false),
  enumDirective("enable-debug-command", "no", ["no", "yes", "local"], IMMUTABLE),
  intDirective("hash-max-listpack-entries", 512, 0, LONG_MAX, 0, "hash-max-ziplist-entries"),
  intDirective("hash-max-listpack-value", 64, 0, LONG_MAX, 0, "hash-max-ziplist-value"),
  intDirective("set-max-intset-entries", 512, 0, LONG_MAX),
  intDirective("zset-max-listpack-entries", 128, 0, LONG_MAX, 0, "zset-max-ziplist-entries"),
  intDirective("zset-max-listpack-value", 64, 0, LONG_MAX, 0, "zset-max-ziplist-value"),
  intDirective("list-max-listpack-size", -2, -2147483648, 2147483647, 0, "list-max-ziplist-size"),
  intDirective("list-compress-depth", 0, 0, 2147483647),
  intDirective("stream-node-max-bytes", 4096, 0, LONG_MAX, MEMORY),
  intDirective("stream-node-max-entries", 100, 0, 999999999999),
  intDirective("maxmemory", 0, 0, LONG_MAX, MEMORY),
  intDirective("slowlog-log-slower-than", 10000, -1, LONG_MAX),
  intDirective("slowlog-max-len", 128, 0, LONG_MAX)
]
