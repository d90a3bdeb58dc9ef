/**
 * The set type (Redis's t_set.c data side). Members are latin1 strings.
 *
 * OBJECT ENCODING follows Redis 7.0 (which has no listpack sets): "intset" while every member is the
 * canonical text of a 64-bit integer and there are at most `set-max-intset-entries` of them,
 * "hashtable" from the first other member or the first member too many; never back.
 *
 * Internally a set takes one of three forms, chosen for memory first:
 * - small (up to SMALL_SET members, either encoding): every member packed into one latin1 string
 *   (see HashValue's `pack`). An intset keeps its members in ascending numeric order, as Redis's
 *   intset lists them; a hashtable-encoded one deletes by moving the last member into the hole, like
 *   the dense array below, so that its SSCAN cursor keeps the same guarantee.
 * - large intset: a sorted array of integers (numbers when exact, bigints beyond 2^53).
 * - large hashtable: a dense array of members (deletion moves the last member into the hole) and a
 *   member -> position index. Dense positions give O(1) random picks (SPOP, SRANDMEMBER) and a scan
 *   cursor that never misses a member present for the whole scan.
 */
import { isLongLong } from "../util/numbers.ts"
import { EMPTY_PACKED, pack, packedCount, packedFind, unpack } from "./packed.ts"
import { ARRAY_SLOT, MAP_ENTRY, SET_BASE, SLOT, STRING_OVERHEAD, stringBytes } from "./memory.ts"
import type { ObjectValue } from "./Value.ts"

/** An intset member: exact 64-bit integer (number within 2^53, bigint beyond). */
type IntMember = number | bigint

/** Sets up to this size are packed into one string. */
export const SMALL_SET = 32

/** The integer an intset would store for `s` (isSdsRepresentableAsLongLong), or undefined. */
const asIntMember = (s: string): IntMember | undefined => {
  if (!isLongLong(s)) return undefined
  const n = Number(s)
  return Number.isSafeInteger(n) ? n : BigInt(s)
}

const intText = (n: IntMember): string => (typeof n === "number" ? String(n) : n.toString())

/** Binary search in a sorted intset: the position of `n`, or -(insertion point) - 1. */
const searchInts = (ints: ReadonlyArray<IntMember>, n: IntMember): number => {
  let lo = 0
  let hi = ints.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const m = ints[mid]!
    // `<` between number and bigint compares exact values, so mixed arrays stay correctly ordered.
    if (m < n) lo = mid + 1
    else if (m > n) hi = mid - 1
    else return mid
  }
  return -lo - 1
}

/** Removes items[i] by moving the last item into its place (hashtable order, scan-safe). */
const swapRemove = <A>(items: Array<A>, i: number): A => {
  const removed = items[i]!
  const last = items.pop()!
  if (i < items.length) items[i] = last
  return removed
}

export class SetValue implements ObjectValue {
  /** LRU clock of the key's last access (OBJECT IDLETIME), set by the Database. */
  lru = 0
  accounted = -1
  keySlot = -1
  /** Large hashtable: total length of the members (memory accounting). */
  private chars = 0
  /** Packed members (small), sorted integers (large intset) or dense members (large hashtable). */
  private data: string | Array<IntMember> | Array<string>
  private intset: boolean
  /** Member -> position in `data`: large hashtables only. */
  private index: Map<string, number> | undefined

  /** An empty intset, as Redis's createIntsetObject; `add` converts as members arrive. */
  constructor(data: string | Array<IntMember> | Array<string> = EMPTY_PACKED, intset = true) {
    this.data = data
    this.intset = intset
    this.index = undefined
    if (!intset && typeof data !== "string") this.buildIndex()
  }

  /**
   * A set of distinct members in a given encoding (loading a file): an intset's members are canonical
   * integers, in any order.
   */
  static fromMembers(members: ReadonlyArray<string>, intset: boolean): SetValue {
    if (intset) {
      const ints = members.map((m) => asIntMember(m)!)
      ints.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      if (ints.length <= SMALL_SET) return new SetValue(pack(ints.map(intText)), true)
      return new SetValue(ints, true)
    }
    if (members.length <= SMALL_SET) return new SetValue(pack(members), false)
    return new SetValue(members.slice(), false)
  }

  /** Whether `member` may be an intset member (the canonical text of a 64-bit integer). */
  static isIntMember(member: string): boolean {
    return asIntMember(member) !== undefined
  }

  get type(): "set" {
    return "set"
  }

  get size(): number {
    return typeof this.data === "string" ? packedCount(this.data) : this.data.length
  }

  encoding(): string {
    return this.intset ? "intset" : "hashtable"
  }

  get isIntset(): boolean {
    return this.intset
  }

  clone(): SetValue {
    return new SetValue(typeof this.data === "string" ? this.data : this.data.slice() as Array<string>, this.intset)
  }

  memoryUsage(): number {
    const data = this.data
    if (typeof data === "string") return 48 + 24 + data.length
    if (this.intset) return 48 + 32 + data.length * 8
    let bytes = 48 + 32 + data.length * 8 + 32 + data.length * 24
    for (const m of data as Array<string>) bytes += 24 + m.length
    return bytes
  }

  heapBytes(): number {
    const data = this.data
    if (typeof data === "string") return SET_BASE + stringBytes(data.length)
    if (this.intset) return SET_BASE + data.length * SLOT
    return SET_BASE + 48 + data.length * (ARRAY_SLOT + STRING_OVERHEAD + MAP_ENTRY + 11) + this.chars
  }

  has(member: string): boolean {
    const data = this.data
    // An intset holds only canonical integers: anything else cannot be a member.
    if (this.intset && !isLongLong(member)) return false
    if (typeof data === "string") return packedFind(data, member, 1) !== -1
    if (this.intset) return searchInts(data as Array<IntMember>, asIntMember(member)!) >= 0
    return this.index!.has(member)
  }

  /** setTypeAdd: true if the member is new. `maxIntsetEntries` is set-max-intset-entries now. */
  add(member: string, maxIntsetEntries: number): boolean {
    const data = this.data
    if (typeof data === "string") {
      if (packedFind(data, member, 1) !== -1) return false
      const items = unpack(data)
      if (this.intset) {
        const n = asIntMember(member)
        if (n === undefined) {
          this.intset = false
          items.push(member)
        } else {
          let at = 0
          while (at < items.length && asIntMember(items[at]!)! < n) at++
          items.splice(at, 0, member)
          if (items.length > maxIntsetEntries) this.intset = false
        }
      } else {
        items.push(member)
      }
      if (items.length <= SMALL_SET) this.data = pack(items)
      else if (this.intset) this.data = items.map((m) => asIntMember(m)!)
      else this.toHashtable(items)
      return true
    }
    if (this.intset) {
      const ints = data as Array<IntMember>
      const n = asIntMember(member)
      if (n !== undefined) {
        const at = searchInts(ints, n)
        if (at >= 0) return false
        ints.splice(-at - 1, 0, n)
        if (ints.length > maxIntsetEntries) this.toHashtable(ints.map(intText))
        return true
      }
      this.toHashtable(ints.map(intText))
    }
    const index = this.index!
    if (index.has(member)) return false
    const members = this.data as Array<string>
    index.set(member, members.length)
    members.push(member)
    this.chars += member.length
    return true
  }

  /** setTypeRemove: true if the member was there. */
  delete(member: string): boolean {
    const data = this.data
    if (typeof data === "string") {
      const k = packedFind(data, member, 1)
      if (k === -1) return false
      this.removeAt(k)
      return true
    }
    if (this.intset) {
      const n = asIntMember(member)
      if (n === undefined) return false
      const at = searchInts(data as Array<IntMember>, n)
      if (at < 0) return false
      data.splice(at, 1)
      return true
    }
    const i = this.index!.get(member)
    if (i === undefined) return false
    this.removeAt(i)
    return true
  }

  /** Every member, in encoding order (ascending for an intset). Read-only, and only until the next write. */
  members(): ReadonlyArray<string> {
    const data = this.data
    if (typeof data === "string") return unpack(data)
    return this.intset ? (data as Array<IntMember>).map(intText) : (data as Array<string>)
  }

  /** Removes and returns the member at position `i` of `members()` (SPOP). */
  removeAt(i: number): string {
    const data = this.data
    if (typeof data === "string") {
      const items = unpack(data)
      const removed = this.intset ? items.splice(i, 1)[0]! : swapRemove(items, i)
      this.data = pack(items)
      return removed
    }
    if (this.intset) return intText((data as Array<IntMember>).splice(i, 1)[0]!)
    const members = data as Array<string>
    const removed = swapRemove(members, i)
    this.chars -= removed.length
    if (i < members.length) this.index!.set(members[i]!, i)
    this.index!.delete(removed)
    return removed
  }

  forEach(fn: (member: string) => void): void {
    const members = this.members()
    for (let i = 0; i < members.length; i++) fn(members[i]!)
  }

  /**
   * One SSCAN step over a hashtable-encoded set: at most `count` members going down from the cursor;
   * returns the next cursor, 0 when done. Same guarantee as HashValue.scan.
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const members = this.members()
    const n = members.length
    let position = cursor === 0 ? n - 1 : Math.min(cursor - 1, n - 1)
    for (let examined = 0; position >= 0 && examined < count; examined++, position--) visit(members[position]!)
    return position < 0 ? 0 : position + 1
  }

  /** setTypeConvert(intset -> hashtable) for a set too large to stay packed. */
  private toHashtable(members: Array<string>): void {
    this.intset = false
    if (members.length <= SMALL_SET) {
      this.data = pack(members)
      return
    }
    this.data = members
    this.buildIndex()
  }

  private buildIndex(): void {
    const members = this.data as Array<string>
    const index = new Map<string, number>()
    let chars = 0
    for (let i = 0; i < members.length; i++) {
      index.set(members[i]!, i)
      chars += members[i]!.length
    }
    this.index = index
    this.chars = chars
  }
}
