/**
 * The stream type (t_stream.c): entries in blocks shaped like Redis's listpack nodes, plus consumer
 * groups with their pending entries lists.
 *
 * Entry IDs are 128-bit unsigned numbers held in one bigint (`ms << 64 | seq`), so they compare with
 * `<`, sort like Redis's big-endian rax keys, and `id + 1n` is streamIncrID. That is the type the
 * commands, groups and PELs use. Nodes store IDs as two numbers instead, exact below 2^53 (every ID a
 * clock makes), and keep bigints only for a node holding a larger half: XADD, XRANGE and XREAD then
 * never build a bigint, and a stored entry is array slots rather than objects.
 *
 * The blocks follow Redis's node boundaries exactly (a new node when the tail listpack would reach
 * stream-node-max-bytes or holds stream-node-max-entries entries, deleted ones included) because
 * they are observable: `MAXLEN ~`/`MINID ~` only drop whole nodes, and XINFO STREAM reports the
 * number of nodes (radix-tree-keys) and of rax nodes (radix-tree-nodes). Deleted entries stay in
 * their node as tombstones, as in Redis, until the whole node goes. Lookups are a binary search over
 * the nodes and then inside one node; appends touch the tail node only; trimming drops nodes from the
 * front.
 */
import { isLongLong } from "../util/numbers.ts"
import { SLOT, STREAM_BASE, STREAM_ENTRY, STREAM_NODE, STREAM_PENDING, STRING_OVERHEAD } from "./memory.ts"
import type { ObjectValue } from "./Value.ts"

export type StreamId = bigint

export const U64_MAX = 0xffff_ffff_ffff_ffffn
export const MIN_ID: StreamId = 0n
export const MAX_ID: StreamId = (1n << 128n) - 1n

export const makeId = (ms: bigint, seq: bigint): StreamId => (ms << 64n) | seq
export const idMs = (id: StreamId): bigint => id >> 64n
export const idSeq = (id: StreamId): bigint => id & U64_MAX
/** `<ms>-<seq>`, as Redis replies IDs. */
export const formatId = (id: StreamId): string => `${id >> 64n}-${id & U64_MAX}`

/** SCG_INVALID_ENTRIES_READ: a group whose read counter is unknown. */
export const INVALID_ENTRIES_READ = -1n

/**
 * An entry as readers get it (XRANGE, XREAD, XCLAIM...): its ID and its field-value pairs (flat).
 * Nodes do not keep these objects: they are made on read, and die young. The ID is two numbers when
 * both halves are below 2^53 (every ID a clock makes), so replying with it needs no bigint.
 */
export class StreamEntry {
  /** The ID's halves: exact when `wide` is undefined. */
  readonly ms: number
  readonly seq: number
  /** The exact ID when a half is 2^53 or more. */
  readonly wide: StreamId | undefined
  readonly pairs: ReadonlyArray<string>
  private exact: StreamId | undefined

  constructor(ms: number, seq: number, wide: StreamId | undefined, pairs: ReadonlyArray<string>) {
    this.ms = ms
    this.seq = seq
    this.wide = wide
    this.exact = wide
    this.pairs = pairs
  }

  get id(): StreamId {
    return this.exact ??= makeId(BigInt(this.ms), BigInt(this.seq))
  }
}

/** 2^53: ID halves below it are exact as numbers. */
export const EXACT_ID_HALF = 2 ** 53
const EXACT_BIG = 1n << 53n

/**
 * An ID to search for, as numbers rounded to nearest (`big` is exact). Rounding is monotone, and a
 * number at or above 2^53 exceeds every exact half, so comparing the rounded halves with the exact
 * halves of a node that has no wide ID orders them correctly.
 */
interface SearchId {
  readonly big: StreamId
  readonly ms: number
  readonly seq: number
}

const searchId = (id: StreamId): SearchId => ({ big: id, ms: Number(idMs(id)), seq: Number(idSeq(id)) })

// --- listpack sizes ------------------------------------------------------------------------------
// A node's byte size decides when Redis opens a new node, so it is tracked exactly: every listpack
// element is its encoding plus a back-length of 1-5 bytes; strings that parse as integers are stored
// as integers (lpStringToInt64 has string2ll's syntax).

/** Listpack header (total bytes + element count) and end byte. */
const LISTPACK_OVERHEAD = 7

const backlenSize = (encoded: number): number =>
  encoded <= 127 ? 1 : encoded < 16383 ? 2 : encoded < 2097151 ? 3 : encoded < 268435455 ? 4 : 5

/** Bytes of an integer element (lpEncodeIntegerGetType); its encoding is at most 9 bytes, backlen 1. */
const integerElementSize = (v: number | bigint): number => {
  if (v >= 0 && v <= 127) return 2
  if (v >= -4096 && v <= 4095) return 3
  if (v >= -32768 && v <= 32767) return 4
  if (v >= -8388608 && v <= 8388607) return 5
  if (v >= -2147483648 && v <= 2147483647) return 6
  return 10
}

const stringElementSize = (s: string): number => {
  // Number() is exact enough here: only the size class matters, and its bounds are below 2^31
  if (isLongLong(s)) return integerElementSize(Number(s))
  const len = s.length
  const encoded = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len
  return encoded + backlenSize(encoded)
}

/** STREAM_LISTPACK_MAX_SIZE: the node size cap whatever stream-node-max-bytes says. */
const LISTPACK_MAX_SIZE = 2 ** 30

/** The node limits from the configuration (stream-node-max-bytes, stream-node-max-entries). */
export interface NodeLimits {
  readonly maxBytes: number
  readonly maxEntries: number
}

/** An entry of a node as saved: its ID, whether it is a tombstone, whether it has the master fields. */
export interface RawEntry {
  readonly id: StreamId
  readonly deleted: boolean
  readonly sameFields?: boolean
  /** Field-value pairs, flat. */
  readonly pairs: ReadonlyArray<string>
}

/** A node as saved: master ID and fields, live and deleted counts, every entry. */
export interface RawNode {
  readonly master: StreamId
  readonly masterFields: ReadonlyArray<string>
  readonly live: number
  readonly dead: number
  readonly entries: ReadonlyArray<RawEntry>
}

/** Entry state bits of a node. */
const DELETED = 1
const SAME_FIELDS = 2

/**
 * A node of the stream: one of Redis's listpacks, keyed in the rax by its master (first) ID. Stored by
 * column like a listpack, without an object per entry: IDs as pairs of numbers, a state and an offset
 * per entry, and the entries' strings in one array (values only for an entry with the master fields,
 * field-value pairs otherwise). What survives an XADD is a few array slots and the value strings,
 * which is what keeps a growing stream cheap for the garbage collector.
 */
class StreamNode {
  readonly master: StreamId
  /** The master ID's halves as numbers: exact unless the node is wide. */
  private readonly masterMs: number
  private readonly masterSeq: number
  readonly masterFields: ReadonlyArray<string>
  /** [ms, seq] of each entry, flat: exact unless `wide` is set. */
  ids: Array<number> = []
  /** Exact IDs, kept only once the node holds an ID with a half of 2^53 or more. */
  wide: Array<StreamId> | undefined
  /** Per entry: DELETED | SAME_FIELDS. */
  states: Array<number> = []
  /** Per entry: where its strings start in `items`. */
  starts: Array<number> = []
  items: Array<string> = []
  /** Live entries (the listpack's "count"). */
  live = 0
  /** Tombstones (the listpack's "deleted"). */
  dead = 0
  /** Bytes of every element except the header, the end byte, and the count and deleted elements. */
  body: number

  constructor(master: StreamId, masterFields: ReadonlyArray<string>) {
    this.master = master
    this.masterMs = Number(idMs(master))
    this.masterSeq = Number(idSeq(master))
    this.masterFields = masterFields
    let body = integerElementSize(masterFields.length) + integerElementSize(0)
    for (const field of masterFields) body += stringElementSize(field)
    this.body = body
  }

  /** Entries, tombstones included. */
  get count(): number {
    return this.states.length
  }

  /** The heap the node takes, as memory accounting estimates it (its listpack size stands for its strings' bytes). */
  get heap(): number {
    return STREAM_NODE + this.states.length * STREAM_ENTRY + this.items.length * (SLOT + STRING_OVERHEAD) + this.body
  }

  /** lpBytes(): the listpack's total size. */
  get bytes(): number {
    return LISTPACK_OVERHEAD + integerElementSize(this.live) + integerElementSize(this.dead) + this.body
  }

  idAt(i: number): StreamId {
    return this.wide !== undefined ? this.wide[i]! : makeId(BigInt(this.ids[2 * i]!), BigInt(this.ids[2 * i + 1]!))
  }

  /** The last entry's ID, tombstones included (lpGetEdgeStreamID). */
  get lastId(): StreamId {
    return this.idAt(this.count - 1)
  }

  isDeleted(i: number): boolean {
    return (this.states[i]! & DELETED) !== 0
  }

  hasSameFields(i: number): boolean {
    return (this.states[i]! & SAME_FIELDS) !== 0
  }

  markDeleted(i: number): void {
    this.states[i] = this.states[i]! | DELETED
    this.live--
    this.dead++
  }

  /** The entry at `i` as readers get it. */
  entryAt(i: number): StreamEntry {
    const from = this.starts[i]!
    const to = i + 1 < this.starts.length ? this.starts[i + 1]! : this.items.length
    const items = this.items
    let pairs: Array<string>
    if ((this.states[i]! & SAME_FIELDS) !== 0) {
      const fields = this.masterFields
      pairs = new Array<string>(fields.length * 2)
      for (let k = 0; k < fields.length; k++) {
        pairs[2 * k] = fields[k]!
        pairs[2 * k + 1] = items[from + k]!
      }
    } else {
      pairs = items.slice(from, to)
    }
    return new StreamEntry(this.ids[2 * i]!, this.ids[2 * i + 1]!, this.wide?.[i], pairs)
  }

  /** Appends an entry: its ID (exact numbers, or `wide` with approximations) and argv[from..]. */
  push(ms: number, seq: number, wide: StreamId | undefined, argv: ReadonlyArray<string>, from: number): void {
    if (wide !== undefined && this.wide === undefined) {
      const exact: Array<StreamId> = []
      for (let i = 0; i < this.count; i++) exact.push(this.idAt(i))
      this.wide = exact
    }
    const sameFields = this.hasMasterFields(argv, from)
    this.body += this.entrySize(ms, seq, wide, argv, from, sameFields)
    if (this.wide !== undefined) this.wide.push(wide ?? makeId(BigInt(ms), BigInt(seq)))
    if (this.count === 0) {
      // a node's first entry (the master, so its fields are the master fields) in arrays of exactly
      // its size: a push into an empty array reserves 17 slots, 0.5 KB per one-entry stream
      const values = new Array<string>(this.masterFields.length)
      for (let k = 0; k < values.length; k++) values[k] = argv[from + 2 * k + 1]!
      this.ids = [ms, seq]
      this.starts = [0]
      this.states = [SAME_FIELDS]
      this.items = values
      this.live++
      return
    }
    this.ids.push(ms, seq)
    this.starts.push(this.items.length)
    const items = this.items
    if (sameFields) {
      this.states.push(SAME_FIELDS)
      for (let k = from + 1; k < argv.length; k += 2) items.push(argv[k]!)
    } else {
      this.states.push(0)
      for (let k = from; k < argv.length; k++) items.push(argv[k]!)
    }
    this.live++
  }

  /** Bytes one entry adds: flags, ID deltas, [field count and fields], values, lp-count. */
  private entrySize(
    ms: number,
    seq: number,
    wide: StreamId | undefined,
    argv: ReadonlyArray<string>,
    from: number,
    sameFields: boolean
  ): number {
    const fields = (argv.length - from) / 2
    let size = integerElementSize(sameFields ? 2 : 0)
    // the deltas are unsigned differences stored as int64 (lpAppendInteger); with every half below
    // 2^53 they are exact as numbers and cannot wrap
    if (wide === undefined && this.wide === undefined) {
      size += integerElementSize(ms - this.masterMs) + integerElementSize(seq - this.masterSeq)
    } else {
      const id = wide ?? makeId(BigInt(ms), BigInt(seq))
      size += integerElementSize(BigInt.asIntN(64, idMs(id) - idMs(this.master)))
      size += integerElementSize(BigInt.asIntN(64, idSeq(id) - idSeq(this.master)))
    }
    if (!sameFields) size += integerElementSize(fields)
    for (let k = from; k < argv.length; k += 2) {
      if (!sameFields) size += stringElementSize(argv[k]!)
      size += stringElementSize(argv[k + 1]!)
    }
    return size + integerElementSize(fields + 3 + (sameFields ? 0 : fields + 1))
  }

  private hasMasterFields(argv: ReadonlyArray<string>, from: number): boolean {
    const fields = this.masterFields
    if (fields.length * 2 !== argv.length - from) return false
    for (let i = 0; i < fields.length; i++) if (fields[i] !== argv[from + i * 2]) return false
    return true
  }

  /** Whether entry i's ID is below `id` (or at most `id`, with `orEqual`). */
  private before(i: number, id: SearchId, orEqual: boolean): boolean {
    if (this.wide !== undefined) return orEqual ? this.wide[i]! <= id.big : this.wide[i]! < id.big
    const ms = this.ids[2 * i]!
    if (ms !== id.ms) return ms < id.ms
    const seq = this.ids[2 * i + 1]!
    return orEqual ? seq <= id.seq : seq < id.seq
  }

  /** First index whose ID is >= id (count if none). */
  lowerBound(id: SearchId): number {
    return this.firstNotBefore(id, false)
  }

  /** First index whose ID is > id (count if none). */
  upperBound(id: SearchId): number {
    return this.firstNotBefore(id, true)
  }

  private firstNotBefore(id: SearchId, orEqual: boolean): number {
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.before(mid, id, orEqual)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Whether entry i has exactly this ID. */
  hasId(i: number, id: SearchId): boolean {
    if (i >= this.count) return false
    if (this.wide !== undefined) return this.wide[i] === id.big
    // a rounded half (2^53 or more) equals no exact one
    return this.ids[2 * i] === id.ms && this.ids[2 * i + 1] === id.seq
  }

  /** Whether the master ID is at most `id`. */
  masterAtMost(id: SearchId): boolean {
    if (this.wide !== undefined) return this.master <= id.big
    return this.masterMs !== id.ms ? this.masterMs < id.ms : this.masterSeq <= id.seq
  }

  clone(): StreamNode {
    const copy = new StreamNode(this.master, this.masterFields)
    copy.ids = this.ids.slice()
    copy.states = this.states.slice()
    copy.starts = this.starts.slice()
    copy.items = this.items.slice()
    copy.wide = this.wide?.slice()
    copy.live = this.live
    copy.dead = this.dead
    copy.body = this.body
    return copy
  }
}

// --- sorted maps keyed by ID (pending entries lists) -------------------------------------------------

const MAX_BLOCK = 256

interface IdBlock<V> {
  keys: Array<StreamId>
  values: Array<V>
}

const lowerBoundIds = (keys: ReadonlyArray<StreamId>, id: StreamId): number => {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < id) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * A map ordered by ID (the PELs, Redis rax trees keyed by IDs): sorted blocks of at most 256 keys,
 * so lookups are two binary searches and inserting at the end (the common case) is a push.
 */
export class IdMap<V> {
  private blocks: Array<IdBlock<V>> = []
  size = 0

  /** Index of the first block whose last key is >= id; blocks.length if none. */
  private blockFor(id: StreamId): number {
    const blocks = this.blocks
    let lo = 0
    let hi = blocks.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const keys = blocks[mid]!.keys
      if (keys[keys.length - 1]! < id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  get(id: StreamId): V | undefined {
    const b = this.blockFor(id)
    if (b === this.blocks.length) return undefined
    const block = this.blocks[b]!
    const i = lowerBoundIds(block.keys, id)
    return block.keys[i] === id ? block.values[i] : undefined
  }

  /** Inserts or replaces. */
  set(id: StreamId, value: V): void {
    const blocks = this.blocks
    if (blocks.length === 0) {
      blocks.push({ keys: [id], values: [value] })
      this.size++
      return
    }
    const b = Math.min(this.blockFor(id), blocks.length - 1)
    const block = blocks[b]!
    const i = lowerBoundIds(block.keys, id)
    if (block.keys[i] === id) {
      block.values[i] = value
      return
    }
    if (i === block.keys.length) {
      block.keys.push(id)
      block.values.push(value)
    } else {
      block.keys.splice(i, 0, id)
      block.values.splice(i, 0, value)
    }
    this.size++
    if (block.keys.length > MAX_BLOCK) {
      const half = block.keys.length >>> 1
      blocks.splice(b + 1, 0, { keys: block.keys.splice(half), values: block.values.splice(half) })
    }
  }

  /** Removes a key; returns its value if it was present. */
  delete(id: StreamId): V | undefined {
    const b = this.blockFor(id)
    if (b === this.blocks.length) return undefined
    const block = this.blocks[b]!
    const i = lowerBoundIds(block.keys, id)
    if (block.keys[i] !== id) return undefined
    const value = block.values[i]!
    block.keys.splice(i, 1)
    block.values.splice(i, 1)
    if (block.keys.length === 0) this.blocks.splice(b, 1)
    this.size--
    return value
  }

  /** The smallest key >= id (raxSeek ">="), or undefined. */
  ceiling(id: StreamId): StreamId | undefined {
    const b = this.blockFor(id)
    if (b === this.blocks.length) return undefined
    const keys = this.blocks[b]!.keys
    return keys[lowerBoundIds(keys, id)]
  }

  firstKey(): StreamId | undefined {
    return this.blocks[0]?.keys[0]
  }

  lastKey(): StreamId | undefined {
    const last = this.blocks[this.blocks.length - 1]
    return last?.keys[last.keys.length - 1]
  }

  /** Visits entries with key >= start in order until `visit` returns false. */
  forEachFrom(start: StreamId, visit: (id: StreamId, value: V) => boolean | void): void {
    const blocks = this.blocks
    let b = this.blockFor(start)
    if (b === blocks.length) return
    let i = lowerBoundIds(blocks[b]!.keys, start)
    for (; b < blocks.length; b++, i = 0) {
      const block = blocks[b]!
      for (; i < block.keys.length; i++) {
        if (visit(block.keys[i]!, block.values[i]!) === false) return
      }
    }
  }
}

// --- consumer groups -----------------------------------------------------------------------------

/** streamNACK: a delivered, not yet acknowledged entry, shared by the group's and its consumer's PEL. */
export class PendingEntry {
  /** Unix ms of the last delivery. */
  deliveryTime: number
  /** uint64 in Redis, replied as a long long: kept exact. */
  deliveryCount: bigint
  /** Undefined only while XCLAIM FORCE creates the entry. */
  consumer: Consumer | undefined

  constructor(consumer: Consumer | undefined, deliveryTime: number) {
    this.consumer = consumer
    this.deliveryTime = deliveryTime
    this.deliveryCount = 1n
  }
}

export class Consumer {
  readonly name: string
  /** Last time the consumer was used (XINFO CONSUMERS idle). */
  seenTime: number
  readonly pel = new IdMap<PendingEntry>()

  constructor(name: string, seenTime: number) {
    this.name = name
    this.seenTime = seenTime
  }
}

/** Byte order of latin1 strings (rax order of names). */
const byName = (a: { readonly name: string }, b: { readonly name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0

export class ConsumerGroup {
  readonly name: string
  lastId: StreamId
  /** The logical read counter (entries_read), INVALID_ENTRIES_READ when unknown. */
  entriesRead: bigint
  readonly pel = new IdMap<PendingEntry>()
  readonly consumers = new Map<string, Consumer>()

  constructor(name: string, lastId: StreamId, entriesRead: bigint) {
    this.name = name
    this.lastId = lastId
    this.entriesRead = entriesRead
  }

  /** Consumers in name order, as Redis's rax lists them. */
  sortedConsumers(): Array<Consumer> {
    return [...this.consumers.values()].sort(byName)
  }

  /** streamDelConsumer: removes the consumer and its pending entries from the group. */
  deleteConsumer(consumer: Consumer): void {
    consumer.pel.forEachFrom(MIN_ID, (id) => {
      this.pel.delete(id)
    })
    this.consumers.delete(consumer.name)
  }
}

// --- the stream ----------------------------------------------------------------------------------

/** How XADD/XTRIM trim (streamAddTrimArgs without the XADD-only fields). */
export interface TrimSpec {
  readonly strategy: "maxlen" | "minid"
  readonly maxlen: number
  readonly minid: StreamId
  readonly approx: boolean
  /** Most entries to remove; 0 = no limit. */
  readonly limit: number
}

export class StreamValue implements ObjectValue {
  /** LRU clock of the key's last access (OBJECT IDLETIME), set by the Database. */
  lru = 0
  accounted = -1
  keySlot = -1
  readonly type = "stream" as const
  private nodes: Array<StreamNode> = []
  /** The nodes' `heap`, summed as they change (memory accounting). */
  private nodesHeap = 0
  /** Live entries. */
  length = 0
  /**
   * The last ID, as two exact numbers (`lastWide` undefined) or exactly in `lastWide`: XADD reads the
   * numbers, so a clock-made ID never becomes a bigint.
   */
  lastMs = 0
  lastSeq = 0
  lastWide: StreamId | undefined = undefined
  /** First live entry's ID (recorded-first-entry-id); 0-0 when empty. */
  firstId: StreamId = MIN_ID
  maxDeletedId: StreamId = MIN_ID
  /** entries_added (a uint64 in Redis): a number while exact, else `addedWide`. */
  private added = 0
  private addedWide: bigint | undefined = undefined
  /** Created on demand, as Redis does. */
  groups: Map<string, ConsumerGroup> | undefined = undefined

  get lastId(): StreamId {
    return this.lastWide ?? makeId(BigInt(this.lastMs), BigInt(this.lastSeq))
  }

  set lastId(id: StreamId) {
    const ms = idMs(id)
    const seq = idSeq(id)
    if (ms < EXACT_BIG && seq < EXACT_BIG) {
      this.lastMs = Number(ms)
      this.lastSeq = Number(seq)
      this.lastWide = undefined
    } else {
      this.lastWide = id
    }
  }

  get entriesAdded(): bigint {
    return this.addedWide ?? BigInt(this.added)
  }

  set entriesAdded(n: bigint) {
    if (n < EXACT_BIG) {
      this.added = Number(n)
      this.addedWide = undefined
    } else {
      this.addedWide = n
    }
  }

  /**
   * The number of entries. Unlike the other types, an empty stream is a valid value (XADD MAXLEN 0,
   * XGROUP CREATE MKSTREAM): stream commands never delete the key because this is 0.
   */
  get size(): number {
    return this.length
  }

  encoding(): string {
    return "stream"
  }

  /** Number of nodes (raxSize of the stream's rax: XINFO radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length
  }

  heapBytes(): number {
    let bytes = STREAM_BASE + this.nodes.length * SLOT + this.nodesHeap
    if (this.groups !== undefined) {
      for (const group of this.groups.values()) {
        bytes += 200 + group.name.length + group.pel.size * STREAM_PENDING
        for (const consumer of group.consumers.values()) bytes += 160 + consumer.name.length
      }
    }
    return bytes
  }

  memoryUsage(): number {
    let bytes = 64 + this.nodes.length * 48
    for (const node of this.nodes) bytes += node.bytes
    for (const group of this.groups?.values() ?? []) {
      bytes += 96 + group.name.length + group.pel.size * 64
      for (const consumer of group.consumers.values()) bytes += 64 + consumer.name.length + consumer.pel.size * 24
    }
    return bytes
  }

  clone(): StreamValue {
    const copy = new StreamValue()
    copy.nodes = this.nodes.map((node) => node.clone())
    copy.nodesHeap = this.nodesHeap
    copy.length = this.length
    copy.lastMs = this.lastMs
    copy.lastSeq = this.lastSeq
    copy.lastWide = this.lastWide
    copy.firstId = this.firstId
    copy.maxDeletedId = this.maxDeletedId
    copy.added = this.added
    copy.addedWide = this.addedWide
    if (this.groups !== undefined) {
      copy.groups = new Map()
      for (const [name, group] of this.groups) {
        const g = new ConsumerGroup(name, group.lastId, group.entriesRead)
        const nacks = new Map<PendingEntry, PendingEntry>()
        group.pel.forEachFrom(MIN_ID, (id, nack) => {
          const n = new PendingEntry(undefined, nack.deliveryTime)
          n.deliveryCount = nack.deliveryCount
          nacks.set(nack, n)
          g.pel.set(id, n)
        })
        for (const consumer of group.consumers.values()) {
          const c = new Consumer(consumer.name, consumer.seenTime)
          consumer.pel.forEachFrom(MIN_ID, (id, nack) => {
            const n = nacks.get(nack)!
            n.consumer = c
            c.pel.set(id, n)
          })
          g.consumers.set(c.name, c)
        }
        copy.groups.set(name, g)
      }
    }
    return copy
  }

  // --- entries -----------------------------------------------------------------------------------

  /** streamAppendItem's storage part, for an entry whose ID is known to be greater than lastId. */
  append(id: StreamId, pairs: ReadonlyArray<string>, limits: NodeLimits): void {
    const ms = idMs(id)
    const seq = idSeq(id)
    const exact = ms < EXACT_BIG && seq < EXACT_BIG
    this.appendArgs(Number(ms), Number(seq), exact ? undefined : id, pairs, 0, limits)
  }

  /**
   * `append` with the pairs at argv[from..] (XADD passes its arguments) and the ID as two exact
   * numbers, or in `wide` (the numbers then only approximate it). Opens a new node where Redis would.
   */
  appendArgs(
    ms: number,
    seq: number,
    wide: StreamId | undefined,
    argv: ReadonlyArray<string>,
    from: number,
    limits: NodeLimits
  ): void {
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1]
    if (node !== undefined) {
      const maxBytes = limits.maxBytes === 0 || limits.maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : limits.maxBytes
      if (node.bytes + pairsLength(argv, from) >= maxBytes) node = undefined
      else if (limits.maxEntries !== 0 && node.count >= limits.maxEntries) node = undefined
    }
    if (node === undefined) {
      const fields = new Array<string>((argv.length - from) / 2)
      for (let k = 0; k < fields.length; k++) fields[k] = argv[from + 2 * k]!
      node = new StreamNode(wide ?? makeId(BigInt(ms), BigInt(seq)), fields)
      if (this.nodes.length === 0) this.nodes = [node] // exactly sized, as the node's own arrays
      else this.nodes.push(node)
      this.nodesHeap += node.heap
    }
    const before = node.heap
    node.push(ms, seq, wide, argv, from)
    this.nodesHeap += node.heap - before
    this.length++
    if (this.addedWide !== undefined) this.addedWide++
    else if (++this.added === EXACT_ID_HALF) this.addedWide = EXACT_BIG
    this.lastMs = ms
    this.lastSeq = seq
    this.lastWide = wide
    if (this.length === 1) this.firstId = wide ?? makeId(BigInt(ms), BigInt(seq))
  }

  /** Index of the last node whose master ID is <= id, or -1 (raxSeek "<="). */
  private floorNode(id: SearchId): number {
    const nodes = this.nodes
    let lo = 0
    let hi = nodes.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (nodes[mid]!.masterAtMost(id)) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  /** The live entry with this ID (streamEntryExists), or undefined. */
  get(id: StreamId): StreamEntry | undefined {
    const target = searchId(id)
    const n = this.floorNode(target)
    if (n < 0) return undefined
    const node = this.nodes[n]!
    const i = node.lowerBound(target)
    return node.hasId(i, target) && !node.isDeleted(i) ? node.entryAt(i) : undefined
  }

  /**
   * Live entries with start <= ID <= end, ascending (or descending when `rev`), at most `count`
   * (0 = all): streamIteratorStart/GetID.
   */
  range(start: StreamId, end: StreamId, count: number, rev = false): Array<StreamEntry> {
    const out: Array<StreamEntry> = []
    const nodes = this.nodes
    if (start > end || nodes.length === 0) return out
    const from = searchId(start)
    const to = searchId(end)
    if (!rev) {
      for (let n = Math.max(0, this.floorNode(from)), first = true; n < nodes.length; n++, first = false) {
        const node = nodes[n]!
        const last = node.upperBound(to)
        for (let i = first ? node.lowerBound(from) : 0; i < last; i++) {
          if (node.isDeleted(i)) continue
          out.push(node.entryAt(i))
          if (out.length === count) return out
        }
        if (last < node.count) return out
      }
    } else {
      for (let n = this.floorNode(to), first = true; n >= 0; n--, first = false) {
        const node = nodes[n]!
        const low = node.lowerBound(from)
        for (let i = (first ? node.upperBound(to) : node.count) - 1; i >= low; i--) {
          if (node.isDeleted(i)) continue
          out.push(node.entryAt(i))
          if (out.length === count) return out
        }
        if (low > 0) return out
      }
    }
    return out
  }

  /** The last live entry's ID (streamLastValidID); 0-0 when empty. */
  lastValidId(): StreamId {
    const last = this.range(MIN_ID, MAX_ID, 1, true)[0]
    return last === undefined ? MIN_ID : last.id
  }

  /** The first entry's ID, tombstones included; MAX_ID when there is none (streamGetEdgeID(s,1,0)). */
  firstIdWithTombstones(): StreamId {
    return this.nodes.length === 0 ? MAX_ID : this.nodes[0]!.master
  }

  private refreshFirstId(): void {
    const first = this.range(MIN_ID, MAX_ID, 1)[0]
    this.firstId = first === undefined ? MIN_ID : first.id
  }

  /** Turns a live entry into a tombstone, or drops its node if it was the node's last live entry. */
  private removeAt(n: number, i: number): void {
    const node = this.nodes[n]!
    if (node.live === 1) {
      this.nodes.splice(n, 1)
      this.nodesHeap -= node.heap
    } else {
      node.markDeleted(i)
    }
    this.length--
  }

  /** XDEL: deletes the live entries among `ids`; returns how many. Tracks the first and max deleted IDs. */
  deleteEntries(ids: ReadonlyArray<StreamId>): number {
    let deleted = 0
    let firstDeleted = false
    for (const id of ids) {
      const target = searchId(id)
      const n = this.floorNode(target)
      if (n < 0) continue
      const node = this.nodes[n]!
      const i = node.lowerBound(target)
      if (!node.hasId(i, target) || node.isDeleted(i)) continue
      this.removeAt(n, i)
      if (id === this.firstId) firstDeleted = true
      if (id > this.maxDeletedId) this.maxDeletedId = id
      deleted++
    }
    if (deleted > 0) {
      if (this.length === 0) this.firstId = MIN_ID
      else if (firstDeleted) this.refreshFirstId()
    }
    return deleted
  }

  /** streamTrim: removes entries from the head; returns how many. */
  trim(spec: TrimSpec): number {
    const nodes = this.nodes
    const byLength = spec.strategy === "maxlen"
    let deleted = 0
    let dropped = 0
    while (dropped < nodes.length) {
      if (byLength && this.length <= spec.maxlen) break
      const node = nodes[dropped]!
      const entries = node.live
      if (spec.limit !== 0 && deleted + entries > spec.limit) break
      const dropNode = byLength ? this.length - entries >= spec.maxlen : node.lastId < spec.minid
      if (dropNode) {
        dropped++
        this.length -= entries
        deleted += entries
        continue
      }
      if (spec.approx) break
      // mark entries of this node as deleted until the condition holds
      for (let i = 0; i < node.count; i++) {
        if (byLength ? this.length <= spec.maxlen : node.idAt(i) >= spec.minid) break
        if (!node.isDeleted(i)) {
          node.markDeleted(i)
          this.length--
          deleted++
        }
      }
      break
    }
    if (dropped > 0) {
      for (let n = 0; n < dropped; n++) this.nodesHeap -= nodes[n]!.heap
      nodes.splice(0, dropped)
    }
    if (this.length === 0) this.firstId = MIN_ID
    else if (deleted > 0) this.refreshFirstId()
    return deleted
  }

  // --- persistence: nodes as saved (RDB) ----------------------------------------------------------

  /**
   * The nodes with every entry, tombstones included, as an RDB file stores them (one listpack per
   * node): what `restoreNode` takes back.
   */
  rawNodes(): Array<RawNode> {
    return this.nodes.map((node) => {
      const entries: Array<RawEntry> = []
      for (let i = 0; i < node.count; i++) {
        const entry = node.entryAt(i)
        entries.push({ id: node.idAt(i), deleted: node.isDeleted(i), sameFields: node.hasSameFields(i), pairs: entry.pairs })
      }
      return { master: node.master, masterFields: node.masterFields, live: node.live, dead: node.dead, entries }
    })
  }

  /**
   * Appends a node as a file stored it (RDB loading, RESTORE): its master ID and fields and its
   * entries in order, tombstones included, so that node boundaries (observable through trimming and
   * XINFO) are those of the saved stream. The stream's counters are set afterwards by the loader.
   */
  restoreNode(master: StreamId, masterFields: ReadonlyArray<string>, entries: ReadonlyArray<RawEntry>): void {
    const node = new StreamNode(master, masterFields)
    for (const entry of entries) {
      const ms = idMs(entry.id)
      const seq = idSeq(entry.id)
      const exact = ms < EXACT_BIG && seq < EXACT_BIG
      node.push(Number(ms), Number(seq), exact ? undefined : entry.id, entry.pairs, 0)
      if (entry.deleted) node.markDeleted(node.count - 1)
    }
    this.nodes.push(node)
    this.nodesHeap += node.heap
  }

  // --- counters of consumer groups (lag) -----------------------------------------------------------

  /** streamRangeHasTombstones: whether a deleted entry may lie in [start, end]. */
  rangeHasTombstones(start: StreamId, end: StreamId = MAX_ID): boolean {
    if (this.length === 0 || this.maxDeletedId === MIN_ID) return false
    if (this.firstId > this.maxDeletedId) return false
    return start <= this.maxDeletedId && this.maxDeletedId <= end
  }

  /**
   * streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or
   * INVALID_ENTRIES_READ when tombstones or the position of `id` make it unknowable.
   */
  estimateEntriesRead(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded
    if (id === this.lastId) return this.entriesAdded
    if (id > this.lastId) return INVALID_ENTRIES_READ
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - BigInt(this.length)
      if (id === this.firstId) return this.entriesAdded - BigInt(this.length) + 1n
    }
    return INVALID_ENTRIES_READ
  }

  /** streamReplyWithCGLag: entries not yet delivered to the group, or undefined when unknown. */
  groupLag(group: ConsumerGroup): bigint | undefined {
    if (this.entriesAdded === 0n) return 0n
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(group.lastId)) {
      return BigInt.asIntN(64, this.entriesAdded - group.entriesRead)
    }
    const read = this.estimateEntriesRead(group.lastId)
    return read === INVALID_ENTRIES_READ ? undefined : BigInt.asIntN(64, this.entriesAdded - read)
  }

  /**
   * The number of nodes of Redis's rax holding the stream (rax->numnodes, XINFO radix-tree-nodes).
   * The rax is a radix tree over 16-byte big-endian keys (the nodes' master IDs) whose shape depends
   * only on the set of keys: the head, one node per branching position, one per key, and one per
   * compressed chain below the head or a branching node. Counted from the longest common prefixes of
   * neighbouring keys, like building a compacted trie from sorted keys with a stack.
   */
  raxNodeCount(): number {
    const nodes = this.nodes
    const n = nodes.length
    if (n === 0) return 1
    const keyDepth = 16
    let branches = 0
    let chains = 0
    const edge = (parentDepth: number, childDepth: number): void => {
      if (childDepth - parentDepth > 1) chains++
    }
    const stack: Array<number> = []
    let top = keyDepth
    for (let i = 0; i < n; i++) {
      let pending = keyDepth
      const lcp = i + 1 < n ? commonPrefixBytes(nodes[i]!.master, nodes[i + 1]!.master) : -1
      while (stack.length > 0 && stack[stack.length - 1]! > lcp) {
        const parent = stack.pop()!
        edge(parent, pending)
        pending = parent
      }
      if (lcp < 0) {
        top = pending
        break
      }
      if (stack.length > 0 && stack[stack.length - 1] === lcp) {
        edge(lcp, pending)
      } else {
        branches++
        edge(lcp, pending)
        stack.push(lcp)
      }
    }
    return branches + n + chains + (top > 0 ? 1 : 0)
  }
}

/** A uint64 as an exact number, or -1 when it is 2^53 or more. */
const pairsLength = (argv: ReadonlyArray<string>, from: number): number => {
  let total = 0
  for (let i = from; i < argv.length; i++) total += argv[i]!.length
  return total
}

/** Length in bytes of the common prefix of two IDs as 16-byte big-endian keys. */
const commonPrefixBytes = (a: StreamId, b: StreamId): number => {
  const diff = a ^ b
  if (diff === 0n) return 16
  return (128 - diff.toString(2).length) >> 3
}
