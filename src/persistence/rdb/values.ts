/**
 * Values in RDB form, both ways: rdbLoadObject for every type and encoding Redis 7.0 reads (strings,
 * lists as linked lists, ziplists and quicklists of ziplists or listpacks, sets as hashtables or
 * intsets, sorted sets with text or binary scores, ziplists and listpacks, hashes as hashtables,
 * zipmaps, ziplists and listpacks, streams v1 and v2 with consumer groups), and rdbSaveObject for
 * what Redis 7.0 writes. The encodings chosen at load follow Redis's rules, so OBJECT ENCODING after
 * loading matches redis-server's.
 *
 * Stricter than Redis in one way: every encoded blob is validated in depth (as with
 * sanitize-dump-payload yes), since a corrupt value must not break the structures built from it.
 */
import type { ConfigStore } from "../../config/ServerConfig.ts"
import { HashValue } from "../../keyspace/HashValue.ts"
import { ListValue } from "../../keyspace/ListValue.ts"
import { pack, unpack } from "../../keyspace/packed.ts"
import { SetValue, SMALL_SET } from "../../keyspace/SetValue.ts"
import {
  Consumer,
  ConsumerGroup,
  idMs,
  idSeq,
  INVALID_ENTRIES_READ,
  makeId,
  MAX_ID,
  MIN_ID,
  PendingEntry,
  type RawEntry,
  type StreamId,
  StreamValue
} from "../../keyspace/StreamValue.ts"
import type { Value } from "../../keyspace/Value.ts"
import { isListpackIntegerScore, ZSetValue } from "../../keyspace/ZSetValue.ts"
import { formatDouble, isLongLong, parseDouble } from "../../util/numbers.ts"
import {
  ByteBuilder,
  decodeIntset,
  decodeListpack,
  decodeZiplist,
  decodeZipmap,
  encodeIntset,
  encodeListpack,
  EncodingError,
  itemString,
  ListpackWalker,
  type PackedItem
} from "./bytes.ts"
import { moduleTypeName, QUICKLIST_PACKED, QUICKLIST_PLAIN, RdbType, STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS } from "./format.ts"
import { lzfCompress } from "./lzf.ts"
import type { RdbReader } from "./reader.ts"

/** The encoding thresholds in force, which decide the encoding of a loaded value (as in Redis). */
export interface EncodingLimits {
  readonly hashMaxListpackEntries: number
  readonly hashMaxListpackValue: number
  readonly setMaxIntsetEntries: number
  readonly zsetMaxListpackEntries: number
  readonly zsetMaxListpackValue: number
  /** list-max-listpack-size: how the quicklist nodes of a saved list are cut. */
  readonly listMaxListpackSize: number
}

export const DEFAULT_LIMITS: EncodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  listMaxListpackSize: -2
}

export const limitsFrom = (config: ConfigStore): EncodingLimits => ({
  hashMaxListpackEntries: config.getNumber("hash-max-listpack-entries"),
  hashMaxListpackValue: config.getNumber("hash-max-listpack-value"),
  setMaxIntsetEntries: config.getNumber("set-max-intset-entries"),
  zsetMaxListpackEntries: config.getNumber("zset-max-listpack-entries"),
  zsetMaxListpackValue: config.getNumber("zset-max-listpack-value"),
  listMaxListpackSize: config.getNumber("list-max-listpack-size")
})

/** What rdbLoadObject gives for an empty aggregate (skipped with a warning, as Redis does). */
export const EMPTY_KEY: unique symbol = Symbol("empty-key")

// --- loading ---------------------------------------------------------------------------------------

/** Decodes an encoded blob, turning a structural problem into Redis's corruption message. */
const decodeOr = <A>(r: RdbReader, at: number, message: string, decode: () => A): A => {
  try {
    return decode()
  } catch (e) {
    if (e instanceof EncodingError) return r.corrupt(message, at)
    throw e
  }
}

const scoreOf = (item: PackedItem): number | undefined => {
  if (typeof item !== "string") return Number(item)
  return parseDouble(item)
}

/** rdbLoadObject: the value of type `type` at the reader's position. */
export const readValue = (r: RdbReader, type: number, limits: EncodingLimits): Value | typeof EMPTY_KEY => {
  switch (type) {
    case RdbType.STRING:
      return r.string()
    case RdbType.LIST: {
      const len = r.len()
      if (len === 0) return EMPTY_KEY
      const items: Array<string> = []
      for (let i = 0; i < len; i++) items.push(r.string())
      return ListValue.of(items)
    }
    case RdbType.SET:
      return readSet(r, limits)
    case RdbType.ZSET:
    case RdbType.ZSET_2:
      return readZset(r, type, limits)
    case RdbType.HASH:
      return readHash(r, limits)
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2:
      return readQuicklist(r, type)
    case RdbType.HASH_LISTPACK:
      return readListpackHash(r, limits)
    case RdbType.ZSET_LISTPACK:
      return readListpackZset(r, limits)
    case RdbType.HASH_ZIPMAP:
    case RdbType.LIST_ZIPLIST:
    case RdbType.SET_INTSET:
    case RdbType.ZSET_ZIPLIST:
    case RdbType.HASH_ZIPLIST:
      return readEncoded(r, type, limits)
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
      return readStream(r, type)
    case RdbType.MODULE:
    case RdbType.MODULE_2: {
      const id = r.lenBig()
      return r.corrupt(`The RDB file contains module data I can't load: no matching module type '${moduleTypeName(id)}'`)
    }
    default:
      return r.corrupt(`Unknown RDB encoding type ${type}`)
  }
}

const readSet = (r: RdbReader, limits: EncodingLimits): Value | typeof EMPTY_KEY => {
  const len = r.len()
  if (len === 0) return EMPTY_KEY
  if (len <= SMALL_SET) return readSmallSet(r, len, limits)
  const max = Math.min(limits.setMaxIntsetEntries, 1 << 30)
  let intset = len <= max
  const members: Array<string> = []
  const seen = new Set<string>()
  for (let i = 0; i < len; i++) {
    const at = r.pos
    const member = r.string()
    if (intset && !SetValue.isIntMember(member)) intset = false
    if (seen.has(member)) r.corrupt("Duplicate set members detected", at)
    seen.add(member)
    members.push(member)
  }
  return SetValue.fromMembers(members, intset)
}

/** Where each member or item built in `scratch` starts (its bytes, after its length varint). */
const itemStarts = new Int32Array(2 * SMALL_SET)
const itemLengths = new Int32Array(2 * SMALL_SET)

/** Whether the item `i` built in `scratch` equals one of the items before it at a distance that is a multiple of `stride`. */
const repeatsEarlier = (buf: Buffer, i: number, stride: number): boolean => {
  const start = itemStarts[i]!
  const len = itemLengths[i]!
  outer: for (let j = i - stride; j >= 0; j -= stride) {
    if (itemLengths[j] !== len) continue
    const other = itemStarts[j]!
    for (let k = 0; k < len; k++) if (buf[start + k] !== buf[other + k]) continue outer
    return true
  }
  return false
}

/** Whether bytes [start, start + len) of `buf` may be an integer's text (a digit, or '-', then digits). */
const mayBeInteger = (buf: Buffer, start: number, len: number): boolean => {
  if (len === 0 || len > 20) return false
  for (let k = buf[start] === 45 ? 1 : 0; k < len; k++) {
    const c = buf[start + k]!
    if (c < 48 || c > 57) return false
  }
  return true
}

/**
 * A set of at most SMALL_SET members (most sets of a file) straight into the packed form: each
 * member's bytes are copied from the file into a scratch buffer, compared there for duplicates, and
 * the packed string made in one piece. Only a set whose members may all be integers (an intset, kept
 * sorted) takes the general way.
 */
const readSmallSet = (r: RdbReader, len: number, limits: EncodingLimits): Value => {
  const out = scratch
  out.reset()
  out.length = COUNT_ROOM
  let numeric = true
  for (let i = 0; i < len; i++) {
    const at = r.pos
    r.blob()
    const n = r.blobEnd - r.blobStart
    writeVarint(out, n)
    itemStarts[i] = out.length
    itemLengths[i] = n
    copyBytes(out, r.blobBuf, r.blobStart, n)
    if (numeric && !mayBeInteger(out.buf, itemStarts[i]!, n)) numeric = false
    if (repeatsEarlier(out.buf, i, 1)) r.corrupt("Duplicate set members detected", at)
  }
  const packed = finishPacked(out, len)
  if (!numeric) return new SetValue(packed, false)
  const members = unpack(packed)
  let intset = len <= Math.min(limits.setMaxIntsetEntries, 1 << 30)
  for (let i = 0; intset && i < len; i++) intset = SetValue.isIntMember(members[i]!)
  return SetValue.fromMembers(members, intset)
}

/** Room left before the items in `scratch` for the packed form's count (a varint of up to 5 bytes). */
const COUNT_ROOM = 5
const scratch = new ByteBuilder(1 << 12)


const writeVarint = (out: ByteBuilder, n: number): void => {
  while (n >= 0x80) {
    out.byte((n % 128) | 0x80)
    n = Math.floor(n / 128)
  }
  out.byte(n)
}

const copyBytes = (out: ByteBuilder, from: Buffer, start: number, n: number): void => {
  out.ensure(n)
  if (n > 32) {
    from.copy(out.buf, out.length, start, start + n)
  } else {
    const buf = out.buf
    let at = out.length
    for (let k = 0; k < n; k++) buf[at++] = from[start + k]!
  }
  out.length += n
}

/** Writes the integer's decimal text as a packed item (its length varint, then its digits); returns its length. */
const writeIntItem = (out: ByteBuilder, n: number | bigint): number => {
  if (typeof n === "number" && n >= 0 && n <= 9) {
    out.byte(1)
    out.byte(48 + n)
    return 1
  }
  const text = String(n)
  out.byte(text.length)
  out.latin1(text)
  return text.length
}

/** The packed string of the `count` items built in `out` after COUNT_ROOM: the count goes right before them. */
const finishPacked = (out: ByteBuilder, count: number): string => {
  let room = 1
  for (let c = count; c >= 0x80; c = Math.floor(c / 128)) room++
  const start = COUNT_ROOM - room
  const end = out.length
  out.length = start
  writeVarint(out, count)
  const packed = out.buf.latin1Slice(start, end)
  // a large value grew the scratch buffer: not kept for good
  if (out.buf.length > SCRATCH_KEPT) out.buf = Buffer.allocUnsafe(SCRATCH_KEPT)
  return packed
}

const SCRATCH_KEPT = 1 << 16

const readZset = (r: RdbReader, type: number, limits: EncodingLimits): Value | typeof EMPTY_KEY => {
  const len = r.len()
  if (len === 0) return EMPTY_KEY
  const members: Array<string> = []
  const scores: Array<number> = []
  const seen = new Set<string>()
  let maxLength = 0
  for (let i = 0; i < len; i++) {
    const at = r.pos
    const member = r.string()
    const score = type === RdbType.ZSET_2 ? r.binaryDouble() : r.textDouble()
    if (Number.isNaN(score)) r.corrupt("Zset with NAN score detected", at)
    if (seen.has(member)) r.corrupt("Duplicate zset fields detected", at)
    seen.add(member)
    if (member.length > maxLength) maxLength = member.length
    members.push(member)
    scores.push(score)
  }
  const listpack = len <= limits.zsetMaxListpackEntries && maxLength <= limits.zsetMaxListpackValue
  return ZSetValue.fromPairs(members, scores, listpack)
}

const readHash = (r: RdbReader, limits: EncodingLimits): Value | typeof EMPTY_KEY => {
  const len = r.len()
  if (len === 0) return EMPTY_KEY
  let listpack = len <= limits.hashMaxListpackEntries
  const pairs: Array<string> = []
  const seen = new Set<string>()
  for (let i = 0; i < len; i++) {
    const at = r.pos
    const field = r.string()
    const value = r.string()
    if (seen.has(field)) r.corrupt(listpack ? "Hash with dup elements" : "Duplicate hash fields detected", at)
    seen.add(field)
    if (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue) listpack = false
    pairs.push(field, value)
  }
  return new HashValue(listpack ? pack(pairs) : pairs)
}

const readQuicklist = (r: RdbReader, type: number): Value | typeof EMPTY_KEY => {
  const nodes = r.len()
  if (nodes === 0) return EMPTY_KEY
  let items: Array<string> | undefined
  let length = 0
  let presized = false
  for (let n = 0; n < nodes; n++) {
    let container = QUICKLIST_PACKED
    if (type === RdbType.LIST_QUICKLIST_2) {
      const at = r.pos
      container = r.len()
      if (container !== QUICKLIST_PACKED && container !== QUICKLIST_PLAIN) r.corrupt("Quicklist integrity check failed.", at)
    }
    const at = r.pos
    r.blob()
    const buf = r.blobBuf
    if (r.blobEnd === r.blobStart) r.eof()
    if (container === QUICKLIST_PLAIN) {
      items ??= []
      items[length++] = buf.latin1Slice(r.blobStart, r.blobEnd)
      continue
    }
    if (type === RdbType.LIST_QUICKLIST_2) {
      // straight from the listpack's bytes; a list of one node (most lists) gets an array of its exact size
      const w = walker
      try {
        w.open(buf, r.blobStart, r.blobEnd)
        if (items === undefined) {
          presized = nodes === 1 && w.declared !== 65535
          items = presized ? new Array<string>(w.declared) : []
        }
        while (w.next()) items[length++] = w.string()
      } catch (e) {
        corruptOn(e, r, at, "Listpack integrity check failed.")
      }
      continue
    }
    const decoded = decodeOr(r, at, "Ziplist integrity check failed.", () => decodeZiplist(buf.subarray(r.blobStart, r.blobEnd)))
    items ??= []
    for (const item of decoded) items[length++] = itemString(item)
  }
  if (length === 0 || items === undefined) return EMPTY_KEY
  return presized && items.length === length ? ListValue.adopt(items) : ListValue.of(items.length === length ? items : items.slice(0, length))
}

/** One walker for every listpack read (decoding is synchronous and not reentrant). */
const walker = new ListpackWalker()

/** A structural problem found while decoding is Redis's corruption message at the value's offset. */
const corruptOn = (e: unknown, r: RdbReader, at: number, message: string): never => {
  walker.release()
  if (e instanceof EncodingError) return r.corrupt(message, at)
  throw e
}

/**
 * Whether two of the items at `start`, `start + stride`, ... are equal. Small collections (most keys
 * of a typical file) compare pairwise: a Set per key was a fifth of the load's garbage.
 */
const hasDuplicate = (items: ReadonlyArray<string>, start: number, stride: number): boolean => {
  const n = items.length
  if (n <= 16 * stride) {
    for (let i = start; i < n; i += stride) for (let j = i + stride; j < n; j += stride) if (items[i] === items[j]) return true
    return false
  }
  const seen = new Set<string>()
  for (let i = start; i < n; i += stride) {
    if (seen.has(items[i]!)) return true
    seen.add(items[i]!)
  }
  return false
}

/** Pairs of a ziplist or listpack (hash or zset), with duplicate first elements refused. */
const pairItems = (items: ReadonlyArray<PackedItem>): Array<string> => {
  if (items.length % 2 !== 0) throw new EncodingError("odd number of items")
  const out = items.map(itemString)
  if (hasDuplicate(out, 0, 2)) throw new EncodingError("duplicate")
  return out
}

/**
 * A listpack-encoded hash straight into the packed form (HashValue's listpack): the entries are
 * copied from the file's bytes into a scratch buffer (integers as their decimal text), fields are
 * compared there for duplicates, and the packed string is made in one piece. Hashes of more than
 * SMALL_SET pairs (or of an unknown count) take the general way.
 */
const readListpackHash = (r: RdbReader, limits: EncodingLimits): Value | typeof EMPTY_KEY => {
  const at = r.pos
  r.blob()
  const message = "Hash listpack integrity check failed."
  const w = walker
  const out = scratch
  let count = 0
  try {
    w.open(r.blobBuf, r.blobStart, r.blobEnd)
    if (w.declared > 2 * SMALL_SET) {
      w.release()
      return readEncoded(r, RdbType.HASH_LISTPACK, limits, at, r.blobBuf.subarray(r.blobStart, r.blobEnd))
    }
    out.reset()
    out.length = COUNT_ROOM
    const lp = w.lp
    while (w.next()) {
      if (count >= 2 * SMALL_SET) throw new EncodingError("listpack count mismatch")
      if (w.isString) {
        const n = w.len
        writeVarint(out, n)
        itemStarts[count] = out.length
        itemLengths[count] = n
        copyBytes(out, lp, w.start, n)
      } else {
        const n = writeIntItem(out, w.int)
        itemStarts[count] = out.length - n
        itemLengths[count] = n
      }
      if ((count & 1) === 0 && repeatsEarlier(out.buf, count, 2)) throw new EncodingError("duplicate")
      count++
    }
    if ((count & 1) !== 0) throw new EncodingError("odd number of items")
  } catch (e) {
    corruptOn(e, r, at, message)
  }
  if (count === 0) return EMPTY_KEY
  const packed = finishPacked(out, count)
  return new HashValue(count / 2 <= limits.hashMaxListpackEntries ? packed : unpack(packed))
}

/**
 * A listpack-encoded sorted set straight from the file's bytes into the member and score arrays the
 * set keeps (sized from the listpack's count), without an intermediate array of items.
 */
const readListpackZset = (r: RdbReader, limits: EncodingLimits): Value | typeof EMPTY_KEY => {
  const at = r.pos
  r.blob()
  const message = "Zset listpack integrity check failed."
  const w = walker
  let members: Array<string> = []
  let scores: Array<number> = []
  let count = 0
  try {
    w.open(r.blobBuf, r.blobStart, r.blobEnd)
    if (w.declared !== 65535 && (w.declared & 1) === 0) {
      members = new Array<string>(w.declared / 2)
      scores = new Array<number>(w.declared / 2)
    }
    while (w.next()) {
      if ((count & 1) === 0) {
        members[count >> 1] = w.string()
      } else {
        const score = w.isString ? parseDouble(w.lp.latin1Slice(w.start, w.start + w.len)) : Number(w.int)
        if (score === undefined) throw new EncodingError("score")
        scores[count >> 1] = score
      }
      count++
    }
    if ((count & 1) !== 0) throw new EncodingError("odd number of items")
    if (hasDuplicate(members, 0, 1)) throw new EncodingError("duplicate")
  } catch (e) {
    corruptOn(e, r, at, message)
  }
  if (count === 0) return EMPTY_KEY
  return ZSetValue.fromPairs(members, scores, members.length <= limits.zsetMaxListpackEntries)
}

const readEncoded = (r: RdbReader, type: number, limits: EncodingLimits, at = r.pos, blob = r.stringBytes()): Value | typeof EMPTY_KEY => {
  switch (type) {
    case RdbType.HASH_ZIPMAP: {
      const pairs = decodeOr(r, at, "Zipmap integrity check failed.", () => decodeZipmap(blob))
      let maxLength = 0
      const seen = new Set<string>()
      for (let i = 0; i < pairs.length; i += 2) {
        if (seen.has(pairs[i]!)) r.corrupt(`Hash zipmap with dup elements, or big length (${pairs[i]!.length})`, at)
        seen.add(pairs[i]!)
        maxLength = Math.max(maxLength, pairs[i]!.length, pairs[i + 1]!.length)
      }
      if (pairs.length === 0) return EMPTY_KEY
      const listpack = pairs.length / 2 <= limits.hashMaxListpackEntries && maxLength <= limits.hashMaxListpackValue
      return new HashValue(listpack ? pack(pairs) : pairs)
    }
    case RdbType.LIST_ZIPLIST: {
      const items = decodeOr(r, at, "List ziplist integrity check failed.", () => decodeZiplist(blob))
      if (items.length === 0) return EMPTY_KEY
      return ListValue.of(items.map(itemString))
    }
    case RdbType.SET_INTSET: {
      const ints = decodeOr(r, at, "Intset integrity check failed.", () => decodeIntset(blob))
      if (ints.length === 0) return EMPTY_KEY
      return SetValue.fromMembers(ints.map(String), ints.length <= limits.setMaxIntsetEntries)
    }
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK: {
      const message = type === RdbType.ZSET_ZIPLIST ? "Zset ziplist integrity check failed." : "Zset listpack integrity check failed."
      const items = decodeOr(r, at, message, () => type === RdbType.ZSET_ZIPLIST ? decodeZiplist(blob) : decodeListpack(blob))
      const pairs = decodeOr(r, at, message, () => pairItems(items))
      if (pairs.length === 0) return EMPTY_KEY
      const members: Array<string> = []
      const scores: Array<number> = []
      for (let i = 0; i < pairs.length; i += 2) {
        const score = scoreOf(items[i + 1]!)
        if (score === undefined) r.corrupt(message, at)
        members.push(pairs[i]!)
        scores.push(score)
      }
      return ZSetValue.fromPairs(members, scores, members.length <= limits.zsetMaxListpackEntries)
    }
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK: {
      const message = type === RdbType.HASH_ZIPLIST ? "Hash ziplist integrity check failed." : "Hash listpack integrity check failed."
      const items = decodeOr(r, at, message, () => type === RdbType.HASH_ZIPLIST ? decodeZiplist(blob) : decodeListpack(blob))
      const pairs = decodeOr(r, at, message, () => pairItems(items))
      if (pairs.length === 0) return EMPTY_KEY
      return new HashValue(pairs.length / 2 <= limits.hashMaxListpackEntries ? pack(pairs) : pairs)
    }
    default:
      return r.corrupt(`Unknown RDB encoding type ${type}`, at)
  }
}

const asBig = (item: PackedItem | undefined): bigint => {
  if (item === undefined || typeof item === "string") throw new EncodingError("stream listpack: integer expected")
  return BigInt(item)
}

const asCount = (item: PackedItem | undefined): number => {
  const n = asBig(item)
  if (n < 0n || n > 0xffffffffn) throw new EncodingError("stream listpack: bad count")
  return Number(n)
}

/** The entries of one stream node's listpack (the master entry, then every entry with its lp-count). */
const streamNodeEntries = (master: StreamId, items: ReadonlyArray<PackedItem>): { fields: Array<string>; entries: Array<RawEntry> } => {
  let i = 0
  const live = asCount(items[i++])
  const dead = asCount(items[i++])
  const nfields = asCount(items[i++])
  const fields: Array<string> = []
  for (let k = 0; k < nfields; k++) {
    const f = items[i++]
    if (f === undefined) throw new EncodingError("stream listpack: master fields")
    fields.push(itemString(f))
  }
  if (asBig(items[i++]) !== 0n) throw new EncodingError("stream listpack: master terminator")
  const masterMs = idMs(master)
  const masterSeq = idSeq(master)
  const entries: Array<RawEntry> = []
  let liveSeen = 0
  let deadSeen = 0
  while (i < items.length) {
    const start = i
    const flags = asCount(items[i++])
    const ms = BigInt.asUintN(64, masterMs + asBig(items[i++]))
    const seq = BigInt.asUintN(64, masterSeq + asBig(items[i++]))
    const same = (flags & STREAM_ITEM_FLAG_SAMEFIELDS) !== 0
    const pairs: Array<string> = []
    if (same) {
      for (let k = 0; k < nfields; k++) {
        const v = items[i++]
        if (v === undefined) throw new EncodingError("stream listpack: values")
        pairs.push(fields[k]!, itemString(v))
      }
    } else {
      const n = asCount(items[i++])
      for (let k = 0; k < 2 * n; k++) {
        const v = items[i++]
        if (v === undefined) throw new EncodingError("stream listpack: pairs")
        pairs.push(itemString(v))
      }
    }
    const lpCount = asCount(items[i++])
    if (lpCount !== i - start - 1) throw new EncodingError("stream listpack: lp-count")
    if (entries.length === 0 && !same) throw new EncodingError("stream listpack: first entry without master fields")
    const deleted = (flags & STREAM_ITEM_FLAG_DELETED) !== 0
    if (deleted) deadSeen++
    else liveSeen++
    const id = makeId(ms, seq)
    if (entries.length > 0 && id <= entries[entries.length - 1]!.id) throw new EncodingError("stream listpack: IDs out of order")
    entries.push({ id, deleted, pairs })
  }
  if (liveSeen !== live || deadSeen !== dead) throw new EncodingError("stream listpack: counts")
  return { fields, entries }
}

const readStreamId = (r: RdbReader): StreamId => {
  const raw = r.raw(16)
  return makeId(raw.readBigUInt64BE(0), raw.readBigUInt64BE(8))
}

const readStream = (r: RdbReader, type: number): Value => {
  const stream = new StreamValue()
  const listpacks = r.len()
  let previous: StreamId | undefined
  for (let n = 0; n < listpacks; n++) {
    const keyAt = r.pos
    const key = r.stringBytes()
    if (key.length !== 16) r.corrupt("Stream node key entry is not the size of a stream ID", keyAt)
    const master = makeId(key.readBigUInt64BE(0), key.readBigUInt64BE(8))
    const at = r.pos
    const lp = r.stringBytes()
    const items = decodeOr(r, at, "Stream listpack integrity check failed.", () => decodeListpack(lp))
    if (items.length === 0) r.corrupt("Empty listpack inside stream", at)
    if (previous !== undefined && master <= previous) {
      r.corrupt(master === previous ? "Listpack re-added with existing key" : "Stream listpack integrity check failed.", keyAt)
    }
    previous = master
    const node = decodeOr(r, at, "Stream listpack integrity check failed.", () => streamNodeEntries(master, items))
    stream.restoreNode(master, node.fields, node.entries)
  }
  const length = r.lenBig()
  const lastId = makeId(r.lenBig(), r.lenBig())
  stream.length = Number(length)
  stream.lastId = lastId
  if (type === RdbType.STREAM_LISTPACKS_2) {
    stream.firstId = makeId(r.lenBig(), r.lenBig())
    stream.maxDeletedId = makeId(r.lenBig(), r.lenBig())
    stream.entriesAdded = r.lenBig()
  } else {
    stream.maxDeletedId = MIN_ID
    stream.entriesAdded = length
    const first = stream.range(MIN_ID, MAX_ID, 1)[0]
    stream.firstId = first === undefined ? MIN_ID : first.id
  }
  if (length > 0n && listpacks === 0) r.corrupt("Stream length inconsistent with rax entries")
  const groupCount = r.len()
  for (let g = 0; g < groupCount; g++) {
    const nameAt = r.pos
    const name = r.string()
    const groupLast = makeId(r.lenBig(), r.lenBig())
    let entriesRead: bigint
    if (type === RdbType.STREAM_LISTPACKS_2) {
      entriesRead = BigInt.asIntN(64, r.lenBig())
    } else {
      entriesRead = stream.estimateEntriesRead(groupLast)
    }
    stream.groups ??= new Map()
    if (stream.groups.has(name)) r.corrupt(`Duplicated consumer group name ${name}`, nameAt)
    const group = new ConsumerGroup(name, groupLast, entriesRead < 0n ? INVALID_ENTRIES_READ : entriesRead)
    stream.groups.set(name, group)
    const pelSize = r.len()
    for (let p = 0; p < pelSize; p++) {
      const at = r.pos
      const id = readStreamId(r)
      const deliveryTime = Number(r.millis())
      const nack = new PendingEntry(undefined, deliveryTime)
      nack.deliveryCount = r.lenBig()
      if (group.pel.get(id) !== undefined) r.corrupt("Duplicated global PEL entry loading stream consumer group", at)
      group.pel.set(id, nack)
    }
    const consumers = r.len()
    for (let c = 0; c < consumers; c++) {
      const at = r.pos
      const cname = r.string()
      if (group.consumers.has(cname)) r.corrupt("Duplicate stream consumer detected.", at)
      const consumer = new Consumer(cname, Number(r.millis()))
      group.consumers.set(cname, consumer)
      const owned = r.len()
      for (let p = 0; p < owned; p++) {
        const idAt = r.pos
        const id = readStreamId(r)
        const nack = group.pel.get(id)
        if (nack === undefined) r.corrupt("Consumer entry not found in group global PEL", idAt)
        if (consumer.pel.get(id) !== undefined) r.corrupt("Duplicated consumer PEL entry  loading a stream consumer group", idAt)
        nack.consumer = consumer
        consumer.pel.set(id, nack)
      }
    }
    let orphan = false
    group.pel.forEachFrom(MIN_ID, (_id, nack) => {
      if (nack.consumer === undefined) orphan = true
      return !orphan
    })
    if (orphan) r.corrupt("Stream CG PEL entry without consumer")
  }
  return stream
}

// --- saving ----------------------------------------------------------------------------------------

/** Options of rdbSave that shape the bytes (rdbcompression). */
export interface WriteOptions {
  readonly compression: boolean
}

/** rdbSaveLen */
export const writeLen = (out: ByteBuilder, n: number | bigint): void => {
  const len = typeof n === "bigint" && n <= 0xffffffffn ? Number(n) : n
  if (typeof len === "number" && len < 1 << 6) {
    out.byte(len)
  } else if (typeof len === "number" && len < 1 << 14) {
    out.byte((len >> 8) | 0x40)
    out.byte(len & 0xff)
  } else if (len <= 0xffffffff) {
    out.byte(0x80)
    out.u32be(Number(len))
  } else {
    out.byte(0x81)
    out.u64be(BigInt(len))
  }
}

/** rdbEncodeInteger for a value within 32 bits; false when it does not fit. */
const writeEncodedInt = (out: ByteBuilder, v: number): boolean => {
  if (v >= -128 && v <= 127) {
    out.byte(0xc0)
    out.byte(v & 0xff)
  } else if (v >= -32768 && v <= 32767) {
    out.byte(0xc1)
    out.byte(v & 0xff)
    out.byte((v >> 8) & 0xff)
  } else if (v >= -2147483648 && v <= 2147483647) {
    out.byte(0xc2)
    out.ensure(4)
    out.buf.writeInt32LE(v, out.length)
    out.length += 4
  } else {
    return false
  }
  return true
}

/** rdbSaveLzfBlob */
const writeLzfBlob = (out: ByteBuilder, compressed: Uint8Array, originalLength: number): void => {
  out.byte(0xc3)
  writeLen(out, compressed.length)
  writeLen(out, originalLength)
  out.bytes(compressed)
}

/** rdbSaveRawString for a latin1 string: integer encoding, LZF when it pays, else verbatim. */
export const writeString = (out: ByteBuilder, s: string, options: WriteOptions): void => {
  const len = s.length
  if (len <= 11 && len > 0 && isLongLong(s) && writeEncodedInt(out, Number(s))) return
  if (options.compression && len > 20) {
    const compressed = lzfCompress(Buffer.from(s, "latin1"), len - 4)
    if (compressed !== undefined) return writeLzfBlob(out, compressed, len)
  }
  writeLen(out, len)
  out.latin1(s)
}

/** rdbSaveRawString for bytes (an encoded blob). */
export const writeBlob = (out: ByteBuilder, bytes: Uint8Array, options: WriteOptions): void => {
  const len = bytes.length
  if (len <= 11) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, len).latin1Slice(0, len)
    if (len > 0 && isLongLong(text) && writeEncodedInt(out, Number(text))) return
  }
  if (options.compression && len > 20) {
    const compressed = lzfCompress(bytes, len - 4)
    if (compressed !== undefined) return writeLzfBlob(out, compressed, len)
  }
  writeLen(out, len)
  out.bytes(bytes)
}

/** rdbSaveObjectType */
export const objectType = (value: Value): number => {
  if (typeof value === "string") return RdbType.STRING
  switch (value.type) {
    case "list":
      return RdbType.LIST_QUICKLIST_2
    case "set":
      return (value as SetValue).isIntset ? RdbType.SET_INTSET : RdbType.SET
    case "zset":
      return (value as ZSetValue).isListpack ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2
    case "hash":
      return (value as HashValue).isListpack ? RdbType.HASH_LISTPACK : RdbType.HASH
    case "stream":
      return RdbType.STREAM_LISTPACKS_2
  }
}

/** Bytes of a listpack element for a string (integers stored as such), for quicklist node sizing. */
const elementSize = (s: string): number => {
  if (s.length <= 20 && isLongLong(s)) {
    const v = Number(s)
    if (v >= 0 && v <= 127) return 2
    if (v >= -4096 && v <= 4095) return 3
    if (v >= -32768 && v <= 32767) return 4
    if (v >= -8388608 && v <= 8388607) return 5
    if (v >= -2147483648 && v <= 2147483647) return 6
    return 10
  }
  const len = s.length
  const enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len
  return enc + (enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5)
}

const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536]
const SIZE_SAFETY_LIMIT = 8192
const SIZE_ESTIMATE_OVERHEAD = 8

/** _quicklistNodeAllowInsert: whether a node of `bytes` and `count` entries takes one more of `sz` bytes. */
const nodeAllowsInsert = (bytes: number, count: number, fill: number, sz: number): boolean => {
  const next = bytes + sz + SIZE_ESTIMATE_OVERHEAD
  if (fill < 0) {
    const level = OPTIMIZATION_LEVEL[-fill - 1]
    if (level !== undefined && next <= level) return true
  }
  if (next > SIZE_SAFETY_LIMIT) return false
  return count < fill
}

/** The quicklist nodes Redis would build by pushing the elements at the tail one by one. */
export const quicklistNodes = (items: ReadonlyArray<string>, fill: number): Array<Array<string>> => {
  const nodes: Array<Array<string>> = []
  let node: Array<string> | undefined
  let bytes = 0
  for (const item of items) {
    if (node === undefined || !nodeAllowsInsert(bytes, node.length, fill, item.length)) {
      node = []
      nodes.push(node)
      bytes = 7
    }
    node.push(item)
    bytes += elementSize(item)
  }
  return nodes
}

/** An ID as a rax key: 16 bytes, ms and seq big-endian. */
const rawId = (out: ByteBuilder, id: StreamId): void => {
  out.u64be(idMs(id))
  out.u64be(idSeq(id))
}

const byName = <A extends { readonly name: string }>(a: A, b: A): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** A stream node's listpack, as Redis lays it out (see t_stream.c). */
const streamNodeListpack = (master: StreamId, masterFields: ReadonlyArray<string>, live: number, dead: number, entries: ReadonlyArray<RawEntry>): Buffer => {
  const items: Array<PackedItem> = [live, dead, masterFields.length, ...masterFields, 0]
  const masterMs = idMs(master)
  const masterSeq = idSeq(master)
  for (const entry of entries) {
    const same = entry.sameFields === true
    const flags = (entry.deleted ? STREAM_ITEM_FLAG_DELETED : 0) | (same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0)
    const start = items.length
    items.push(flags, BigInt.asIntN(64, idMs(entry.id) - masterMs), BigInt.asIntN(64, idSeq(entry.id) - masterSeq))
    if (same) {
      for (let k = 1; k < entry.pairs.length; k += 2) items.push(entry.pairs[k]!)
    } else {
      items.push(entry.pairs.length / 2)
      for (const s of entry.pairs) items.push(s)
    }
    items.push(items.length - start)
  }
  return encodeListpack(items)
}

/** rdbSaveObject */
export const writeValue = (out: ByteBuilder, value: Value, options: WriteOptions, limits: EncodingLimits): void => {
  if (typeof value === "string") return writeString(out, value, options)
  switch (value.type) {
    case "list": {
      const nodes = quicklistNodes((value as ListValue).toArray(), limits.listMaxListpackSize)
      writeLen(out, nodes.length)
      for (const node of nodes) {
        writeLen(out, QUICKLIST_PACKED)
        writeBlob(out, encodeListpack(node), options)
      }
      return
    }
    case "set": {
      const set = value as SetValue
      const members = set.members()
      if (set.isIntset) {
        const ints = members.map((m) => {
          const n = Number(m)
          return Number.isSafeInteger(n) ? n : BigInt(m)
        })
        ints.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        return writeBlob(out, encodeIntset(ints), options)
      }
      writeLen(out, members.length)
      for (const m of members) writeString(out, m, options)
      return
    }
    case "zset": {
      const zset = value as ZSetValue
      const n = zset.size
      if (zset.isListpack) {
        const items: Array<PackedItem> = []
        zset.walk(0, false, (member, score) => {
          items.push(member, scoreItem(score))
          return true
        })
        return writeBlob(out, encodeListpack(items), options)
      }
      writeLen(out, n)
      // from the greatest to the smallest, as Redis walks its skiplist backwards
      zset.walk(n - 1, true, (member, score) => {
        writeString(out, member, options)
        out.f64le(score)
        return true
      })
      return
    }
    case "hash": {
      const hash = value as HashValue
      const pairs = hash.pairs()
      if (hash.isListpack) return writeBlob(out, encodeListpack(pairs), options)
      writeLen(out, pairs.length / 2)
      for (const s of pairs) writeString(out, s, options)
      return
    }
    case "stream":
      return writeStream(out, value as StreamValue, options)
  }
}

/** How zzlInsertAt stores a score: d2string's text (an integer when the double is one). */
const scoreItem = (score: number): PackedItem => {
  // double2ll: integers within LLONG_MAX / 2 are stored as integers (-0 as 0)
  if (isListpackIntegerScore(score)) return Number.isSafeInteger(score) ? (score === 0 ? 0 : score) : BigInt(score)
  if (score === Infinity) return "inf"
  if (score === -Infinity) return "-inf"
  return formatDouble(score)
}

const writeStream = (out: ByteBuilder, stream: StreamValue, options: WriteOptions): void => {
  const nodes = stream.rawNodes()
  writeLen(out, nodes.length)
  for (const node of nodes) {
    const key = new ByteBuilder(16)
    rawId(key, node.master)
    writeBlob(out, key.view(), options)
    writeBlob(out, streamNodeListpack(node.master, node.masterFields, node.live, node.dead, node.entries), options)
  }
  writeLen(out, stream.length)
  const last = stream.lastId
  writeLen(out, idMs(last))
  writeLen(out, idSeq(last))
  writeLen(out, idMs(stream.firstId))
  writeLen(out, idSeq(stream.firstId))
  writeLen(out, idMs(stream.maxDeletedId))
  writeLen(out, idSeq(stream.maxDeletedId))
  writeLen(out, stream.entriesAdded)
  const groups = stream.groups === undefined ? [] : [...stream.groups.values()].sort(byName)
  writeLen(out, groups.length)
  for (const group of groups) {
    writeString(out, group.name, options)
    writeLen(out, idMs(group.lastId))
    writeLen(out, idSeq(group.lastId))
    writeLen(out, BigInt.asUintN(64, group.entriesRead))
    writeLen(out, group.pel.size)
    group.pel.forEachFrom(MIN_ID, (id, nack) => {
      rawId(out, id)
      out.i64le(nack.deliveryTime)
      writeLen(out, BigInt.asUintN(64, nack.deliveryCount))
    })
    const consumers = group.sortedConsumers()
    writeLen(out, consumers.length)
    for (const consumer of consumers) {
      writeString(out, consumer.name, options)
      out.i64le(consumer.seenTime)
      writeLen(out, consumer.pel.size)
      consumer.pel.forEachFrom(MIN_ID, (id) => rawId(out, id))
    }
  }
}

