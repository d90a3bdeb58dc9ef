/**
 * What a key holds. A string value is a latin1 JS string (one char per byte: binary safe, compact,
 * immutable, so a snapshot can share it). Aggregates are mutable objects implementing `ObjectValue`,
 * one module per type (ListValue, HashValue, SetValue, ZSetValue, StreamValue), like Redis's t_*.c.
 */
export type Value = string | ObjectValue

export type ValueType = "string" | "list" | "hash" | "set" | "zset" | "stream"

export interface ObjectValue {
  readonly type: Exclude<ValueType, "string">
  /** LRU clock of the key's last access (OBJECT IDLETIME), kept by the Database like Redis's robj->lru. */
  lru: number
  /** OBJECT ENCODING, following Redis 7.0's thresholds for the type (listpack, quicklist, ...). */
  encoding(): string
  /** An independent deep copy (COPY, and snapshotting a value before it is modified). */
  clone(): ObjectValue
  /** Estimated bytes, for MEMORY USAGE (Redis's figures for the encoding). */
  memoryUsage(): number
  /**
   * The heap this value takes, as the keyspace accounts it (used_memory, maxmemory): O(1), from
   * counters the value keeps as it changes (see memory.ts).
   */
  heapBytes(): number
  /** What the keyspace has accounted for this value (-1 once it left the keyspace); kept by the Database. */
  accounted: number
  /** Its key's position in its database's slot arrays (-1 out of the keyspace); kept by the Database. */
  keySlot: number
  /** Number of elements; 0 means the key must be deleted (Redis never stores empty aggregates). */
  readonly size: number
}

export const typeOf = (value: Value): ValueType => (typeof value === "string" ? "string" : value.type)

/** OBJECT ENCODING of a string value, from Redis 7.0's rules (tryObjectEncoding, OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
export const stringEncoding = (value: string): string => {
  if (value.length <= 20 && isCanonicalLong(value)) return "int"
  return value.length <= 44 ? "embstr" : "raw"
}

const isCanonicalLong = (s: string): boolean => {
  if (s.length === 0) return false
  // string2l: same syntax as string2ll within the range of a long (64-bit on Linux)
  return /^(?:0|-?[1-9][0-9]*)$/.test(s) && BigInt(s) <= 9223372036854775807n && BigInt(s) >= -9223372036854775808n
}
