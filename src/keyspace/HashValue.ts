/**
 * The hash type (Redis's t_hash.c data side). Fields and values are latin1 strings.
 *
 * - "listpack" (small hashes): every pair packed into ONE latin1 string, `[field0, value0, field1,
 *   value1, ...]` in insertion order, read by a linear scan and rewritten on each change, like Redis's
 *   listpack. One flat string per hash instead of an array and two strings per pair is what keeps a
 *   million small hashes within a small multiple of Redis's memory. Deletion keeps the order, so
 *   HGETALL lists fields in the order Redis's listpack does.
 * - "hashtable": a dense flat array of pairs (deletion moves the last pair into the hole) plus, beyond
 *   a few pairs, a field -> position index. Dense positions give O(1) random picks (HRANDFIELD) and a
 *   scan cursor that never misses a pair present for the whole scan, the two things a JS Map lacks.
 *
 * Conversion follows Redis 7.0: listpack -> hashtable when a field or value longer than
 * `hash-max-listpack-value` is written, or when the hash grows beyond `hash-max-listpack-entries`;
 * never back.
 */
import { after, EMPTY_PACKED, itemAt, pack, packedCount, packedFind, packedForEach, readVarint, unpack, varint } from "./packed.ts"
import { ARRAY_SLOT, HASH_LISTPACK, MAP_ENTRY, STRING_OVERHEAD, stringBytes } from "./memory.ts"
import type { ObjectValue } from "./Value.ts"

/** The thresholds of hash-max-listpack-entries / hash-max-listpack-value in force. */
export interface HashLimits {
  readonly maxListpackEntries: number
  readonly maxListpackValue: number
}

// --- the hash -----------------------------------------------------------------------------------------

/** Below this many pairs a hashtable-encoded hash is searched linearly instead of keeping an index. */
const INDEX_THRESHOLD = 16

export class HashValue implements ObjectValue {
  /** LRU clock of the key's last access (OBJECT IDLETIME), set by the Database. */
  lru = 0
  accounted = -1
  keySlot = -1
  /** Hashtable encoding: total length of the fields and values (memory accounting). */
  private chars = 0
  /** listpack: packed pairs; hashtable: dense flat pairs (data[2i] a field, data[2i + 1] its value). */
  private data: string | Array<string>
  /** Field -> position of the field in `data`; only for hashtable encoding with many pairs. */
  private index: Map<string, number> | undefined

  constructor(data: string | Array<string> = EMPTY_PACKED) {
    this.data = data
    this.index = undefined
    if (typeof data !== "string") this.convert(data)
  }

  get type(): "hash" {
    return "hash"
  }

  get size(): number {
    return (typeof this.data === "string" ? packedCount(this.data) : this.data.length) >> 1
  }

  encoding(): string {
    return typeof this.data === "string" ? "listpack" : "hashtable"
  }

  get isListpack(): boolean {
    return typeof this.data === "string"
  }

  clone(): HashValue {
    return new HashValue(typeof this.data === "string" ? this.data : this.data.slice())
  }

  memoryUsage(): number {
    if (typeof this.data === "string") return 48 + 24 + this.data.length
    let bytes = 48 + 32 + this.data.length * 8
    for (let i = 0; i < this.data.length; i++) bytes += 24 + this.data[i]!.length
    if (this.index !== undefined) bytes += 32 + this.index.size * 24
    return bytes
  }

  heapBytes(): number {
    const data = this.data
    if (typeof data === "string") return HASH_LISTPACK + stringBytes(data.length)
    return 80 + data.length * (ARRAY_SLOT + STRING_OVERHEAD) + this.chars +
      (this.index === undefined ? 0 : 48 + this.index.size * (MAP_ENTRY + 16))
  }

  /** Position of `field` in the hashtable array, or -1. */
  private find(data: Array<string>, field: string): number {
    if (this.index !== undefined) return this.index.get(field) ?? -1
    for (let i = 0; i < data.length; i += 2) if (data[i] === field) return i
    return -1
  }

  get(field: string): string | undefined {
    const data = this.data
    if (typeof data === "string") return packedFind(data, field, 2) === -1 ? undefined : itemAt(data, after)
    const i = this.find(data, field)
    return i === -1 ? undefined : data[i + 1]
  }

  has(field: string): boolean {
    const data = this.data
    if (typeof data === "string") return packedFind(data, field, 2) !== -1
    return this.find(data, field) !== -1
  }

  /** Every pair, flat (field, value, ...), in encoding order. Read-only, and only until the next write. */
  pairs(): ReadonlyArray<string> {
    return typeof this.data === "string" ? unpack(this.data) : this.data
  }

  /**
   * hashTypeTryConversion: converts a listpack before a write whose arguments argv[from..to] contain
   * a string longer than hash-max-listpack-value.
   */
  prepareWrite(argv: ReadonlyArray<string>, from: number, to: number, limits: HashLimits): void {
    if (typeof this.data !== "string") return
    for (let i = from; i <= to; i++) {
      if (argv[i]!.length > limits.maxListpackValue) {
        this.convert(unpack(this.data))
        return
      }
    }
  }

  /** hashTypeSet: sets a field; true if the field is new. */
  set(field: string, value: string, limits: HashLimits): boolean {
    return this.setPairs([field, value], 0, limits) === 1
  }

  /**
   * One field of a listpack hash set by splicing the packed string, without unpacking it (HSET of one
   * pair, the common case); undefined when the hash must change encoding instead.
   */
  private setOnePacked(field: string, value: string, limits: HashLimits): 0 | 1 | undefined {
    const packed = this.data as string
    if (field.length > limits.maxListpackValue || value.length > limits.maxListpackValue) return undefined
    // any write converts a listpack already over the limit (a CONFIG SET lowered it), as in Redis
    const items = readVarint(packed, 0)
    if ((items >> 1) > limits.maxListpackEntries) return undefined
    if (packedFind(packed, field, 2) !== -1) {
      const valueAt = after
      const oldLength = readVarint(packed, valueAt)
      if (oldLength === value.length) {
        // Same value: nothing to rebuild. A rebuilt string is a cons string that the next read must
        // flatten (a runtime call): for HSET -P 16 on one field that was a fifth of the command.
        if (packed.startsWith(value, after)) return 0
        this.data = [packed.slice(0, after), value, packed.slice(after + oldLength)].join("") // flat, as below
        return 0
      }
      this.data = [packed.slice(0, valueAt), varint(value.length), value, packed.slice(after + oldLength)].join("") // flat, as below
      return 0
    }
    if ((items >> 1) + 1 > limits.maxListpackEntries) return undefined
    readVarint(packed, 0) // `after`: the end of the count
    // built flat by `join` (what the next read would flatten it to anyway): a rope of slices and
    // pieces left unread costs several times the flat string, which is what memory accounting counts
    this.data = [varint(items + 2), packed.slice(after), varint(field.length), field, varint(value.length), value].join("")
    return 1
  }

  /** Sets the pairs argv[from], argv[from + 1], ... (HSET); returns how many fields were new. */
  setPairs(argv: ReadonlyArray<string>, from: number, limits: HashLimits): number {
    if (typeof this.data === "string" && argv.length - from === 2) {
      const done = this.setOnePacked(argv[from]!, argv[from + 1]!, limits)
      if (done !== undefined) return done
    }
    let created = 0
    let k = from
    if (typeof this.data === "string") {
      // One unpack and one pack for the whole command, as long as the hash stays a listpack.
      const items = unpack(this.data)
      for (; k < argv.length; k += 2) {
        const field = argv[k]!
        const value = argv[k + 1]!
        // HINCRBY/HINCRBYFLOAT write without prepareWrite, so a long field converts here (as in 7.0).
        if (field.length > limits.maxListpackValue || value.length > limits.maxListpackValue) break
        let at = -1
        for (let i = 0; i < items.length; i += 2) {
          if (items[i] === field) {
            at = i
            break
          }
        }
        if (at !== -1) {
          items[at + 1] = value
          continue
        }
        items.push(field, value)
        created++
        if (items.length > 2 * limits.maxListpackEntries) {
          k += 2
          break
        }
      }
      if (k >= argv.length && items.length <= 2 * limits.maxListpackEntries) {
        this.data = pack(items)
        return created
      }
      this.convert(items)
    }
    const data = this.data as Array<string>
    for (; k < argv.length; k += 2) {
      const field = argv[k]!
      const i = this.find(data, field)
      if (i !== -1) {
        this.chars += argv[k + 1]!.length - data[i + 1]!.length
        data[i + 1] = argv[k + 1]!
        continue
      }
      data.push(field, argv[k + 1]!)
      this.chars += field.length + argv[k + 1]!.length
      created++
      if (this.index !== undefined) this.index.set(field, data.length - 2)
      else if (data.length > 2 * INDEX_THRESHOLD) this.buildIndexIfLarge()
    }
    return created
  }

  /** Removes a field; true if it existed. */
  delete(field: string): boolean {
    const data = this.data
    if (typeof data === "string") {
      const k = packedFind(data, field, 2)
      if (k === -1) return false
      const items = unpack(data)
      items.splice(k, 2)
      this.data = pack(items)
      return true
    }
    const i = this.find(data, field)
    if (i === -1) return false
    this.chars -= data[i]!.length + data[i + 1]!.length
    const last = data.length - 2
    if (i !== last) {
      data[i] = data[last]!
      data[i + 1] = data[last + 1]!
      this.index?.set(data[i]!, i)
    }
    data.length = last
    this.index?.delete(field)
    return true
  }

  /** Calls `fn` for every pair, in encoding order. */
  forEach(fn: (field: string, value: string) => void): void {
    const data = this.data
    if (typeof data === "string") {
      let field = ""
      packedForEach(data, (item, k) => {
        if (k % 2 === 0) field = item
        else fn(field, item)
      })
      return
    }
    for (let i = 0; i < data.length; i += 2) fn(data[i]!, data[i + 1]!)
  }

  /**
   * One HSCAN step over a hashtable-encoded hash: visits at most `count` pairs going down from the
   * cursor and returns the next cursor (0 when done). A pair can only move by deletion, which moves
   * the last pair (already visited, or at the top the walk has yet to reach) into the hole, so a pair
   * present for the whole scan is visited at least once.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    const data = this.data
    if (typeof data === "string") {
      this.forEach(visit)
      return 0
    }
    const n = data.length >> 1
    let position = cursor === 0 ? n - 1 : Math.min(cursor - 1, n - 1)
    for (let examined = 0; position >= 0 && examined < count; examined++, position--) {
      visit(data[2 * position]!, data[2 * position + 1]!)
    }
    return position < 0 ? 0 : position + 1
  }

  /** hashTypeConvert(listpack -> hashtable), from the listpack's pairs. */
  private convert(items: Array<string>): void {
    this.data = items
    let chars = 0
    for (let i = 0; i < items.length; i++) chars += items[i]!.length
    this.chars = chars
    this.buildIndexIfLarge()
  }

  private buildIndexIfLarge(): void {
    const data = this.data as Array<string>
    if (data.length <= 2 * INDEX_THRESHOLD) return
    const index = new Map<string, number>()
    for (let i = 0; i < data.length; i += 2) index.set(data[i]!, i)
    this.index = index
  }
}
