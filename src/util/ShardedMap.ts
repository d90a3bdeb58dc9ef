/**
 * A string-keyed map split over 64 smaller Maps. A V8 Map grows by rehashing its whole table in one
 * step: at 2^19 entries that single `set` takes about 130 ms (measured, Node 24), a pause every client
 * sees. Sharded, the largest table a `set` can rehash is a 64th of the entries (a few ms at a million
 * keys). Costs one cheap hash of the key's last characters per call; use it where a map fills up while
 * commands run (a snapshot's per-key marks), not on the keyspace's own hot path.
 */
const SHARDS = 64

const shardOf = (key: string): number => {
  const n = key.length
  if (n === 0) return 0
  // the last characters vary most in generated key names (user:1001, user:1002, ...)
  const a = key.charCodeAt(n - 1)
  const b = n > 1 ? key.charCodeAt(n - 2) : 0
  const c = n > 2 ? key.charCodeAt(n - 3) : 0
  return (a + b * 7 + c * 41 + n * 13) & (SHARDS - 1)
}

export class ShardedMap<V> {
  private readonly shards: Array<Map<string, V>> = Array.from({ length: SHARDS }, () => new Map())

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]!.get(key)
  }

  has(key: string): boolean {
    return this.shards[shardOf(key)]!.has(key)
  }

  set(key: string, value: V): this {
    this.shards[shardOf(key)]!.set(key, value)
    return this
  }

  get size(): number {
    let n = 0
    for (const shard of this.shards) n += shard.size
    return n
  }

  clear(): void {
    for (let i = 0; i < SHARDS; i++) if (this.shards[i]!.size > 0) this.shards[i] = new Map()
  }
}
