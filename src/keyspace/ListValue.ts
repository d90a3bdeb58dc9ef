import { LIST_BASE, STRING_OVERHEAD } from "./memory.ts"
import type { ObjectValue } from "./Value.ts"

/** Below this capacity a list never shrinks: the saving is not worth the copy. */
const MIN_SHRINK_CAPACITY = 64

/**
 * A list value (Redis's t_list.c over a quicklist): a growable ring buffer of latin1 strings.
 *
 * Push and pop are O(1) amortized at both ends and indexing is O(1), which is what LPUSH/RPOP and
 * LINDEX/LRANGE/LSET need; insertion and removal in the middle shift the shorter side. A list is
 * created with room for exactly the elements of the command that creates it, so the millions of
 * one-element lists of a cache stay small; it grows by doubling and shrinks when a quarter full.
 */
export class ListValue implements ObjectValue {
  /** LRU clock of the key's last access (OBJECT IDLETIME), set by the Database. */
  lru = 0
  accounted = -1
  keySlot = -1
  /** Total length of the elements (memory accounting). */
  private chars = 0
  /** Slots of the ring; `undefined` outside [head, head + length). */
  private items: Array<string | undefined>
  /** Physical index of element 0. */
  private head = 0
  private length = 0

  constructor(capacity = 4, items?: Array<string | undefined>) {
    this.items = items ?? new Array<string | undefined>(Math.max(1, capacity))
  }

  /** A list of the given elements, head first. */
  static of(elements: ReadonlyArray<string>): ListValue {
    const list = new ListValue(elements.length)
    let chars = 0
    for (let i = 0; i < elements.length; i++) {
      list.items[i] = elements[i]
      chars += elements[i]!.length
    }
    list.length = elements.length
    list.chars = chars
    return list
  }

  /** A list of the given elements, head first, keeping the array (a loader made it for the list, of its exact size). */
  static adopt(elements: Array<string>): ListValue {
    const list = new ListValue(elements.length, elements)
    let chars = 0
    for (let i = 0; i < elements.length; i++) chars += elements[i]!.length
    list.length = elements.length
    list.chars = chars
    return list
  }

  // On the prototype rather than in every instance: a million small lists do not each pay for it.
  get type(): "list" {
    return "list"
  }

  get size(): number {
    return this.length
  }

  /** Redis 7.0 keeps every list in a quicklist (listpack-encoded small lists came with 7.2). */
  encoding(): string {
    return "quicklist"
  }

  clone(): ListValue {
    return ListValue.of(this.toArray())
  }

  /**
   * An estimate in the spirit of Redis's MEMORY USAGE: the object and its ring, plus the elements,
   * extrapolated from a sample of at most 5 (objectComputeSize's default samples).
   */
  memoryUsage(): number {
    const n = this.length
    let sampled = 0
    const samples = Math.min(n, 5)
    for (let i = 0; i < samples; i++) sampled += this.at(i)!.length + 16
    const elements = samples === 0 ? 0 : Math.round((sampled / samples) * n)
    return 48 + 16 + 8 * this.items.length + elements
  }

  heapBytes(): number {
    return LIST_BASE + this.items.length * 8 + this.length * STRING_OVERHEAD + this.chars
  }

  /** Physical slot of logical index `i` (0 <= i < capacity). */
  private slot(i: number): number {
    const j = this.head + i
    const capacity = this.items.length
    return j >= capacity ? j - capacity : j
  }

  /** Element at logical index 0 <= i < size. */
  at(i: number): string | undefined {
    if (i < 0 || i >= this.length) return undefined
    return this.items[this.slot(i)]
  }

  /** Replaces the element at 0 <= i < size. */
  setAt(i: number, value: string): void {
    const s = this.slot(i)
    this.chars += value.length - this.items[s]!.length
    this.items[s] = value
  }

  /** Copies the elements into a new ring of `capacity` slots, element 0 first. */
  private resize(capacity: number): void {
    const next = new Array<string | undefined>(capacity)
    for (let i = 0; i < this.length; i++) next[i] = this.items[this.slot(i)]
    this.items = next
    this.head = 0
  }

  private grow(): void {
    if (this.length === this.items.length) this.resize(Math.max(4, this.items.length * 2))
  }

  private maybeShrink(): void {
    const capacity = this.items.length
    if (capacity > MIN_SHRINK_CAPACITY && this.length < capacity / 4) this.resize(capacity >>> 1)
  }

  pushHead(value: string): void {
    this.grow()
    const capacity = this.items.length
    this.head = this.head === 0 ? capacity - 1 : this.head - 1
    this.items[this.head] = value
    this.length++
    this.chars += value.length
  }

  pushTail(value: string): void {
    this.grow()
    this.items[this.slot(this.length)] = value
    this.length++
    this.chars += value.length
  }

  popHead(): string | undefined {
    if (this.length === 0) return undefined
    const value = this.items[this.head]
    this.chars -= value!.length
    this.items[this.head] = undefined
    this.head = this.head + 1 === this.items.length ? 0 : this.head + 1
    this.length--
    this.maybeShrink()
    return value
  }

  popTail(): string | undefined {
    if (this.length === 0) return undefined
    const s = this.slot(this.length - 1)
    const value = this.items[s]
    this.chars -= value!.length
    this.items[s] = undefined
    this.length--
    this.maybeShrink()
    return value
  }

  /** Inserts `value` so that it becomes element `index` (0 <= index <= size). */
  insertAt(index: number, value: string): void {
    if (index <= 0) return this.pushHead(value)
    if (index >= this.length) return this.pushTail(value)
    this.grow()
    if (index < this.length >>> 1) {
      // shift the elements before `index` one slot towards the head
      const capacity = this.items.length
      this.head = this.head === 0 ? capacity - 1 : this.head - 1
      for (let i = 0; i < index; i++) this.items[this.slot(i)] = this.items[this.slot(i + 1)]
    } else {
      for (let i = this.length; i > index; i--) this.items[this.slot(i)] = this.items[this.slot(i - 1)]
    }
    this.items[this.slot(index)] = value
    this.length++
    this.chars += value.length
  }

  /** Index of the first element equal to `value` from the head, or -1. */
  indexOf(value: string): number {
    for (let i = 0; i < this.length; i++) if (this.items[this.slot(i)] === value) return i
    return -1
  }

  /**
   * Removes elements equal to `value` (LREM): `count` > 0 removes the first `count` from the head,
   * < 0 the first |count| from the tail, 0 all of them. Returns how many were removed.
   */
  removeMatching(value: string, count: number): number {
    const limit = count === 0 ? Infinity : Math.abs(count)
    const remove = new Uint8Array(this.length)
    let removed = 0
    if (count >= 0) {
      for (let i = 0; i < this.length && removed < limit; i++) {
        if (this.items[this.slot(i)] === value) {
          remove[i] = 1
          removed++
        }
      }
    } else {
      for (let i = this.length - 1; i >= 0 && removed < limit; i--) {
        if (this.items[this.slot(i)] === value) {
          remove[i] = 1
          removed++
        }
      }
    }
    if (removed === 0) return 0
    const kept = this.length - removed
    const next = new Array<string | undefined>(Math.max(1, kept))
    let j = 0
    for (let i = 0; i < this.length; i++) if (remove[i] === 0) next[j++] = this.items[this.slot(i)]
    this.items = next
    this.head = 0
    this.length = kept
    this.chars -= removed * value.length
    return removed
  }

  /** Removes `n` elements from the head (LTRIM, LPOP with a count). */
  deleteHead(n: number): void {
    const count = Math.min(n, this.length)
    for (let i = 0; i < count; i++) {
      const s = this.slot(i)
      this.chars -= this.items[s]!.length
      this.items[s] = undefined
    }
    this.head = this.length === count ? 0 : this.slot(count)
    this.length -= count
    this.maybeShrink()
  }

  /** Removes `n` elements from the tail. */
  deleteTail(n: number): void {
    const count = Math.min(n, this.length)
    for (let i = this.length - count; i < this.length; i++) {
      const s = this.slot(i)
      this.chars -= this.items[s]!.length
      this.items[s] = undefined
    }
    this.length -= count
    if (this.length === 0) this.head = 0
    this.maybeShrink()
  }

  /** The elements, head first (tests, COPY, persistence). */
  toArray(): Array<string> {
    const out = new Array<string>(this.length)
    for (let i = 0; i < this.length; i++) out[i] = this.items[this.slot(i)]!
    return out
  }
}
