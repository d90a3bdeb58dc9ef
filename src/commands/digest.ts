/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE (debug.c): Redis's SHA1 signatures of a dataset and of values,
 * bit for bit, so a digest taken here equals the one redis-server gives for the same data (Redis's own
 * test suite compares them across servers, replicas and reloads). Unordered collections (a database's
 * keys, set members, hash fields, sorted set members) are xor-ed together; ordered ones (list items,
 * stream entries) are mixed in sequence: digest = SHA1(digest xor SHA1(data)).
 */
import { createHash } from "node:crypto"
import { type Database, valueOf } from "../keyspace/Database.ts"
import type { HashValue } from "../keyspace/HashValue.ts"
import type { ListValue } from "../keyspace/ListValue.ts"
import type { SetValue } from "../keyspace/SetValue.ts"
import { idMs, idSeq, MAX_ID, MIN_ID, type StreamValue } from "../keyspace/StreamValue.ts"
import type { Value } from "../keyspace/Value.ts"
import type { ZSetValue } from "../keyspace/ZSetValue.ts"
import { formatDouble } from "../util/numbers.ts"

type Digest = Buffer

const sha1 = (data: Uint8Array): Buffer => createHash("sha1").update(data).digest()

const bytes = (s: string): Buffer => Buffer.from(s, "latin1")

/** xorDigest: digest ^= SHA1(data). */
const xorDigest = (digest: Digest, data: Uint8Array): void => {
  const hash = sha1(data)
  for (let i = 0; i < 20; i++) digest[i]! ^= hash[i]!
}

/** mixDigest: digest = SHA1(digest ^ SHA1(data)). */
const mixDigest = (digest: Digest, data: Uint8Array): void => {
  xorDigest(digest, data)
  sha1(digest).copy(digest)
}

/** htonl(n) as 4 bytes. */
const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

// OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_STREAM as server.h numbers them
const OBJECT_TYPE = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 } as const

/** xorObjectDigest: mixes a value (and whether its key has a TTL) into `digest`. */
const objectDigest = (digest: Digest, value: Value, hasExpire: boolean): void => {
  mixDigest(digest, u32be(OBJECT_TYPE[typeof value === "string" ? "string" : value.type]))
  if (typeof value === "string") mixDigest(digest, bytes(value))
  else {
    switch (value.type) {
      case "list":
        for (const item of (value as ListValue).toArray()) mixDigest(digest, bytes(item))
        break
      case "set":
        for (const member of (value as SetValue).members()) xorDigest(digest, bytes(member))
        break
      case "zset":
        ;(value as ZSetValue).walk(0, false, (member, score) => {
          const element = Buffer.alloc(20)
          mixDigest(element, bytes(member))
          mixDigest(element, bytes(formatDouble(score)))
          xorDigest(digest, element)
          return true
        })
        break
      case "hash": {
        const pairs = (value as HashValue).pairs()
        for (let i = 0; i < pairs.length; i += 2) {
          const element = Buffer.alloc(20)
          mixDigest(element, bytes(pairs[i]!))
          mixDigest(element, bytes(pairs[i + 1]!))
          xorDigest(digest, element)
        }
        break
      }
      case "stream":
        // the entries only ("%U.%U" IDs, then each field and value), not the groups
        for (const entry of (value as StreamValue).range(MIN_ID, MAX_ID, Infinity)) {
          const id = entry.wide === undefined ? `${entry.ms}.${entry.seq}` : `${idMs(entry.wide)}.${idSeq(entry.wide)}`
          mixDigest(digest, bytes(id))
          for (const field of entry.pairs) mixDigest(digest, bytes(field))
        }
        break
    }
  }
  if (hasExpire) xorDigest(digest, bytes("!!expire!!"))
}

const hex = (digest: Digest): string => digest.toString("hex")

/** The value stored at `key`, logically expired or not (a debug command sees what the dictionary holds). */
const rawValue = (db: Database, key: string): Value | undefined => {
  const stored = db.entries.get(key)
  return stored === undefined ? undefined : valueOf(stored)
}

/** computeDatasetDigest: 40 hex digits, all zeros for an empty dataset. */
export const datasetDigest = (dbs: ReadonlyArray<Database>): string => {
  const final = Buffer.alloc(20)
  for (const db of dbs) {
    if (db.entries.size === 0) continue
    mixDigest(final, u32be(db.id))
    for (const key of db.entries.keys()) {
      const digest = Buffer.alloc(20)
      mixDigest(digest, bytes(key))
      objectDigest(digest, rawValue(db, key)!, db.expires.has(key))
      xorDigest(final, digest)
    }
  }
  return hex(final)
}

/** DEBUG DIGEST-VALUE's digest of one key's value (zeros for a missing key). */
export const valueDigest = (db: Database, key: string): string => {
  const digest = Buffer.alloc(20)
  const value = rawValue(db, key)
  if (value !== undefined) objectDigest(digest, value, db.expires.has(key))
  return hex(digest)
}
