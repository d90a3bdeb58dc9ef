/**
 * DUMP and RESTORE (cluster.c's createDumpPayload / verifyDumpPayload / restoreCommand): a value in
 * RDB form (type byte and rdbSaveObject's bytes), the RDB version as 2 bytes and a CRC64 of all
 * that, both little-endian. A payload DUMP made by redis-server 7.0 restores here and the reverse.
 */
import { NotifyClass } from "../keyspace/notify.ts"
import { ByteBuilder } from "../persistence/rdb/bytes.ts"
import { Crc64 } from "../persistence/rdb/crc64.ts"
import { isObjectType, RDB_VERSION, RdbError } from "../persistence/rdb/format.ts"
import { RdbReader } from "../persistence/rdb/reader.ts"
import { EMPTY_KEY, limitsFrom, objectType, readValue, writeValue } from "../persistence/rdb/values.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { INT64_MAX, INT64_MIN } from "../util/numbers.ts"
import { isOption, longLongArg } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "generic"

/** LRU_CLOCK_MAX */
const LRU_CLOCK_MAX = (1 << 24) - 1

/** createDumpPayload: the payload of a value as a latin1 string. */
export const dumpPayload = (ctx: CommandContext, value: Parameters<typeof writeValue>[1]): string => {
  const out = new ByteBuilder(64)
  out.byte(objectType(value))
  writeValue(out, value, { compression: ctx.config.getBool("rdbcompression") }, limitsFrom(ctx.config))
  out.u16le(RDB_VERSION)
  const crc = new Crc64().update(out.buf, 0, out.length)
  out.bytes(crc.bytes())
  return out.buf.latin1Slice(0, out.length)
}

/** verifyDumpPayload */
export const verifyPayload = (payload: Buffer): boolean => {
  const len = payload.length
  if (len < 10) return false
  const version = payload[len - 10]! | (payload[len - 9]! << 8)
  if (version > RDB_VERSION) return false
  const crc = new Crc64().update(payload, 0, len - 8).bytes()
  for (let i = 0; i < 8; i++) if (crc[i] !== payload[len - 8 + i]) return false
  return true
}

const dumpCommand = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const value = ctx.db.lookupRead(argv[1]!)
  if (value === undefined) return ctx.reply.nullBulk()
  ctx.reply.bulk(dumpPayload(ctx, value))
}

const restoreCommand = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let replace = false
  let absttl = false
  let idle = -1
  let freq = -1
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1
    const arg = argv[j]!
    if (isOption(arg, "replace")) {
      replace = true
    } else if (isOption(arg, "absttl")) {
      absttl = true
    } else if (isOption(arg, "idletime") && more >= 1 && freq === -1) {
      const n = longLongArg(ctx.reply, argv[++j]!)
      if (n === undefined) return
      if (n < 0) return ctx.reply.error("ERR Invalid IDLETIME value, must be >= 0")
      idle = Number(n)
    } else if (isOption(arg, "freq") && more >= 1 && idle === -1) {
      const n = longLongArg(ctx.reply, argv[++j]!)
      if (n === undefined) return
      if (n < 0 || n > 255) return ctx.reply.error("ERR Invalid FREQ value, must be >= 0 and <= 255")
      freq = Number(n)
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
  }
  const key = argv[1]!
  const db = ctx.db
  if (!replace && db.lookupWrite(key) !== undefined) return ctx.reply.error(Errors.BUSYKEY)
  const ttlArg = longLongArg(ctx.reply, argv[2]!)
  if (ttlArg === undefined) return
  if (ttlArg < 0) return ctx.reply.error("ERR Invalid TTL value, must be >= 0")
  const payload = Buffer.from(argv[3]!, "latin1")
  if (!verifyPayload(payload)) return ctx.reply.error("ERR DUMP payload version or checksum are wrong")
  let value
  try {
    const r = new RdbReader(payload, 0, payload.length)
    const type = r.byte()
    if (!isObjectType(type)) return ctx.reply.error("ERR Bad data format")
    value = readValue(r, type, limitsFrom(ctx.config))
  } catch (e) {
    if (e instanceof RdbError) return ctx.reply.error("ERR Bad data format")
    throw e
  }
  if (value === EMPTY_KEY) return ctx.reply.error("ERR Bad data format")

  const deleted = replace && db.delete(key)
  let ttl = BigInt(ttlArg)
  // ttl += mstime() in a long long: wraps like Redis's on overflow
  if (ttl !== 0n && !absttl) ttl = BigInt.asIntN(64, ttl + BigInt(Math.floor(ctx.now)))
  if (ttl !== 0n && ttl <= BigInt(Math.floor(ctx.now)) && !ctx.engine.loading && !ctx.keyspace.isReplica) {
    // checkAlreadyExpired: the key is not created (and a replaced one is gone)
    if (deleted) {
      ctx.rewriteArgv(["DEL", key])
      ctx.signalWrite(NotifyClass.generic, "del", key)
    }
    return ctx.reply.ok()
  }
  db.add(key, value)
  if (ttl !== 0n) {
    db.setExpire(key, ttl >= INT64_MIN && ttl <= INT64_MAX && Number.isSafeInteger(Number(ttl)) ? Number(ttl) : ttl)
    if (!absttl) {
      const rewritten = [...argv]
      rewritten[2] = ttl.toString()
      rewritten.push("ABSTTL")
      ctx.rewriteArgv(rewritten)
    }
  }
  // objectSetLRUOrLFU: under an LFU policy FREQ sets the counter, otherwise IDLETIME the access time
  if (freq >= 0 && ctx.keyspace.lfu) {
    const stored = db.stored(key)
    if (stored !== undefined) stored.lru = (ctx.keyspace.lfuClock << 8) | freq
  } else if (idle >= 0 && !ctx.keyspace.lfu) {
    const stored = db.stored(key)
    if (stored !== undefined) {
      let lru = ctx.keyspace.lruClock - Math.min(idle, Number.MAX_SAFE_INTEGER)
      if (lru < 0) lru = ((lru % LRU_CLOCK_MAX) + LRU_CLOCK_MAX) % LRU_CLOCK_MAX
      stored.lru = lru
    }
  }
  ctx.signalWrite(NotifyClass.generic, "restore", key)
  ctx.reply.ok()
}

export const dumpCommands = [
  defineCommand({
    name: "dump",
    arity: 2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@keyspace @read @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Return a serialized version of the value stored at the specified key.",
      since: "2.6.0",
      group,
      complexity:
        "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."
    },
    handler: dumpCommand
  }),
  defineCommand({
    name: "restore",
    arity: -4,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@keyspace @write @slow @dangerous",
    docs: {
      summary: "Create a key using the provided serialized value, previously obtained using DUMP.",
      since: "2.6.0",
      group,
      complexity:
        "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."
    },
    handler: restoreCommand
  }),
  defineCommand({
    name: "restore-asking",
    arity: -4,
    flags: "write denyoom asking",
    keys: [1, 1, 1],
    acl: "@keyspace @write @slow @dangerous",
    docs: {
      summary: "An internal command for migrating keys in a cluster",
      since: "3.0.0",
      group: "server",
      complexity:
        "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."
    },
    // without cluster mode the ASKING flag changes nothing: it is RESTORE
    handler: restoreCommand
  })
]
