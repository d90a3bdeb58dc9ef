/** Constants of the RDB format (rdb.h of Redis 7.0). */

/** The version Redis 7.0 writes, and the newest it reads. */
export const RDB_VERSION = 10

export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19
} as const

/** rdbIsObjectType */
export const isObjectType = (t: number): boolean => (t >= 0 && t <= 7) || (t >= 9 && t <= 19)

export const Opcode = {
  FUNCTION2: 245,
  FUNCTION: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255
} as const

/** Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2). */
export const QUICKLIST_PLAIN = 1
export const QUICKLIST_PACKED = 2

/** Stream entry flags inside a node's listpack. */
export const STREAM_ITEM_FLAG_DELETED = 1
export const STREAM_ITEM_FLAG_SAMEFIELDS = 2

/**
 * A file or payload that cannot be read: what went wrong (Redis's words) and the offset of the byte
 * being read. `eof` is a short read (Redis's "Unexpected EOF reading RDB file").
 */
export class RdbError extends Error {
  readonly offset: number
  readonly reason: string
  readonly eof: boolean

  constructor(reason: string, offset: number, eof = false) {
    super(`Internal error in RDB reading offset ${offset} -> ${reason}`)
    this.reason = reason
    this.offset = offset
    this.eof = eof
  }
}

/** moduleTypeNameByID: the 9-char name encoded in a module type id. */
export const moduleTypeName = (id: bigint): string => {
  const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  let n = id >> 10n
  let name = ""
  for (let j = 0; j < 9; j++) {
    name = charset[Number(n & 63n)]! + name
    n >>= 6n
  }
  return name
}
