/**
 * A full dump of a server's keyspace through commands, comparable between this server and
 * redis-server: per database, every key with its type, OBJECT ENCODING, absolute expiry and value
 * (sets and hashes sorted; streams with XINFO STREAM FULL: entries, groups, PELs, consumers).
 */
import { toComparable } from "./differential.ts"
import type { RawConnection } from "./raw.ts"

export interface DumpOptions {
  readonly databases?: number
  /** Leave OBJECT ENCODING out (when the two sides load with different thresholds on purpose). */
  readonly encodings?: boolean
  /**
   * Mask what replaying an AOF does not restore, in Redis as here: consumers' seen-time (XCLAIM and
   * XGROUP CREATECONSUMER set it to the time of the replay) and groups' entries-read and lag (XREADGROUP
   * propagates as XCLAIM ... LASTID, which moves a group's last id without its read counter, so a
   * replayed group reads as "unknown" where the original counted).
   */
  readonly maskReplayLosses?: boolean
}

const replayLosses = new Set(["seen-time", "entries-read", "lag"])
const maskReplayLosses = (value: unknown): unknown => {
  if (!Array.isArray(value)) return value
  const out = value.map(maskReplayLosses)
  for (let i = 0; i + 1 < out.length; i++) if (replayLosses.has(out[i] as string)) out[i + 1] = 0
  return out
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const pairs = (flat: ReadonlyArray<string>): Array<[string, string]> => {
  const out: Array<[string, string]> = []
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!])
  return out.sort((a, b) => byteOrder(a[0], b[0]))
}

/** Waits until the server is not loading (redis-server listens before it loads its files). */
export const waitLoaded = async (conn: RawConnection, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (/^loading:1\r$/m.test((await conn.call("INFO", "persistence")).value as string)) {
    if (Date.now() > deadline) throw new Error("still loading")
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const dumpKeyspace = async (conn: RawConnection, options: DumpOptions = {}): Promise<Array<unknown>> => {
  await waitLoaded(conn)
  const out: Array<unknown> = []
  const databases = options.databases ?? 16
  for (let db = 0; db < databases; db++) {
    await conn.call("SELECT", String(db))
    const keys = ((await conn.call("KEYS", "*")).value as Array<string>).slice().sort(byteOrder)
    for (const key of keys) {
      const [type, encoding, expire] = await conn.pipeline([["TYPE", key], ["OBJECT", "ENCODING", key], ["PEXPIRETIME", key]])
      const t = type!.value as string
      let value: unknown
      switch (t) {
        case "string":
          value = (await conn.call("GET", key)).value
          break
        case "list":
          value = (await conn.call("LRANGE", key, "0", "-1")).value
          break
        case "hash":
          value = pairs((await conn.call("HGETALL", key)).value as Array<string>)
          break
        case "set":
          value = ((await conn.call("SMEMBERS", key)).value as Array<string>).slice().sort(byteOrder)
          break
        case "zset":
          value = (await conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")).value
          break
        case "stream": {
          const [full, length] = await conn.pipeline([["XINFO", "STREAM", key, "FULL", "COUNT", "0"], ["XLEN", key]])
          const stream = toComparable(full!.value)
          value = [options.maskReplayLosses === true ? maskReplayLosses(stream) : stream, length!.value]
          break
        }
        default:
          value = t
      }
      out.push({ db, key, type: t, encoding: options.encodings === false ? undefined : encoding!.value, expire: expire!.value, value })
    }
  }
  await conn.call("SELECT", "0")
  return out
}
