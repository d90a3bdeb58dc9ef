/**
 * The hash type (Redis's t_hash.c data side). Fields and values are latin1 strings.
 *
 * Both encodings keep the pairs in one flat array `[field0, value0, field1, value1, ...]`, the
 * cheapest layout V8 has for a few strings (one array, no per-pair object):
 * - "listpack" (small hashes): the array in insertion order, searched linearly like Redis's listpack;
 *   deletion keeps the order, so HGETALL lists fields in the order Redis's listpack does.
 * - "hashtable": the same array kept dense (deletion moves the last pair into the hole) plus, beyond a
 *   few pairs, a field -> position index. Dense positions give O(1) random picks (HRANDFIELD) and a
 *   scan cursor that never misses a pair present for the whole scan, the two things a JS Map lacks.
 *
 * Conversion follows Redis 7.0: listpack -> hashtable when a field or value longer than
 * `hash-max-listpack-value` is written, or when the hash grows beyond `hash-max-listpack-entries`;
 * never back.
 */
import type { ObjectValue } from "./Value.ts"

/** The thresholds of hash-max-listpack-entries / hash-max-listpack-value in force. */
export interface HashLimits {
  readonly maxListpackEntries: number
  readonly maxListpackValue: number
}

/** Below this many pairs a hashtable-encoded hash is searched linearly instead of keeping an index. */
const INDEX_THRESHOLD = 16

export class HashValue implements ObjectValue {
  /** Flat pairs: data[2i] is a field, data[2i + 1] its value. */
  private data: Array<string>
  /** Field -> position of the field in `data`; only for hashtable encoding with many pairs. */
  private index: Map<string, number> | undefined
  private listpack: boolean

  constructor(data: Array<string> = [], listpack = true) {
    this.data = data
    this.listpack = listpack
    this.index = undefined
    if (!listpack) this.buildIndexIfLarge()
  }

  get type(): "hash" {
    return "hash"
  }

  get size(): number {
    return this.data.length >> 1
  }

  encoding(): string {
    return this.listpack ? "listpack" : "hashtable"
  }

  get isListpack(): boolean {
    return this.listpack
  }

  clone(): HashValue {
    return new HashValue(this.data.slice(), this.listpack)
  }

  memoryUsage(): number {
    let bytes = 48 + 16 + this.data.length * 8
    for (let i = 0; i < this.data.length; i++) bytes += 16 + this.data[i]!.length
    if (this.index !== undefined) bytes += 32 + this.index.size * 24
    return bytes
  }

  /** Position of `field` in `data`, or -1. */
  private find(field: string): number {
    if (this.index !== undefined) return this.index.get(field) ?? -1
    const data = this.data
    for (let i = 0; i < data.length; i += 2) if (data[i] === field) return i
    return -1
  }

  get(field: string): string | undefined {
    const i = this.find(field)
    return i === -1 ? undefined : this.data[i + 1]
  }

  has(field: string): boolean {
    return this.find(field) !== -1
  }

  /** Field and value of the pair at position `i` in [0, size): random picks and scans. */
  fieldAt(i: number): string {
    return this.data[2 * i]!
  }

  valueAt(i: number): string {
    return this.data[2 * i + 1]!
  }

  /**
   * hashTypeTryConversion: converts a listpack before a write whose arguments argv[from..to] contain
   * a string longer than hash-max-listpack-value.
   */
  prepareWrite(argv: ReadonlyArray<string>, from: number, to: number, limits: HashLimits): void {
    if (!this.listpack) return
    for (let i = from; i <= to; i++) {
      if (argv[i]!.length > limits.maxListpackValue) {
        this.convert()
        return
      }
    }
  }

  /** hashTypeSet: sets a field; true if the field is new. */
  set(field: string, value: string, limits: HashLimits): boolean {
    // HINCRBY/HINCRBYFLOAT write without prepareWrite, so a long field converts here (as in 7.0).
    if (this.listpack && (field.length > limits.maxListpackValue || value.length > limits.maxListpackValue)) {
      this.convert()
    }
    const i = this.find(field)
    if (i !== -1) {
      this.data[i + 1] = value
      return false
    }
    const at = this.data.length
    this.data.push(field, value)
    if (this.listpack) {
      if (this.size > limits.maxListpackEntries) this.convert()
    } else if (this.index !== undefined) {
      this.index.set(field, at)
    } else if (this.size > INDEX_THRESHOLD) {
      this.buildIndexIfLarge()
    }
    return true
  }

  /** Removes a field; true if it existed. */
  delete(field: string): boolean {
    const i = this.find(field)
    if (i === -1) return false
    const data = this.data
    if (this.listpack) {
      data.splice(i, 2)
      return true
    }
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
    for (let i = 0; i < data.length; i += 2) fn(data[i]!, data[i + 1]!)
  }

  /**
   * One HSCAN step over a hashtable-encoded hash: visits at most `count` pairs going down from the
   * cursor and returns the next cursor (0 when done). A pair can only move by deletion, which moves
   * the last pair (already visited, or at the top the walk has yet to reach) into the hole, so a pair
   * present for the whole scan is visited at least once.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    const n = this.size
    let position = cursor === 0 ? n - 1 : Math.min(cursor - 1, n - 1)
    for (let examined = 0; position >= 0 && examined < count; examined++, position--) {
      visit(this.data[2 * position]!, this.data[2 * position + 1]!)
    }
    return position < 0 ? 0 : position + 1
  }

  /** hashTypeConvert(listpack -> hashtable). */
  private convert(): void {
    this.listpack = false
    this.buildIndexIfLarge()
  }

  private buildIndexIfLarge(): void {
    if (this.size <= INDEX_THRESHOLD) return
    const index = new Map<string, number>()
    for (let i = 0; i < this.data.length; i += 2) index.set(this.data[i]!, i)
    this.index = index
  }
}
