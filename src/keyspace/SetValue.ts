/**
 * The set type (Redis's t_set.c data side). Members are latin1 strings.
 *
 * - "intset": every member is the canonical text of a 64-bit integer and there are at most
 *   `set-max-intset-entries` of them. Kept as a sorted array of integers (numbers when exactly
 *   representable, bigints beyond 2^53), so members list in ascending order like Redis's intset, and
 *   a small integer set costs 8 bytes a member.
 * - "hashtable": a dense array of member strings (deletion moves the last member into the hole) plus,
 *   beyond a few members, a member -> position index. Dense positions give O(1) random picks (SPOP,
 *   SRANDMEMBER) and a scan cursor that never misses a member present for the whole scan.
 *
 * Conversion follows Redis 7.0 (which has no listpack sets): intset -> hashtable when a non-integer
 * member is added or the set grows beyond set-max-intset-entries; never back.
 */
import { isLongLong } from "../util/numbers.ts"
import type { ObjectValue } from "./Value.ts"

/** An intset member: exact 64-bit integer (number within 2^53, bigint beyond). */
type IntMember = number | bigint

/** Below this many members a hashtable-encoded set is searched linearly instead of keeping an index. */
const INDEX_THRESHOLD = 16

/** The integer an intset would store for `s` (isSdsRepresentableAsLongLong), or undefined. */
const asIntMember = (s: string): IntMember | undefined => {
  if (!isLongLong(s)) return undefined
  if (s.length < 16) return Number(s)
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

export class SetValue implements ObjectValue {
  /** Sorted integers while an intset; dense member strings as a hashtable. */
  private ints: Array<IntMember> | undefined
  private members: Array<string> | undefined
  /** Member -> position in `members`; only for large hashtable sets. */
  private index: Map<string, number> | undefined

  /** An empty intset, as Redis's createIntsetObject; `add` converts as members arrive. */
  constructor() {
    this.ints = []
    this.members = undefined
    this.index = undefined
  }

  /** A hashtable-encoded set of distinct members (cloning, tests). */
  static hashtable(members: Array<string>): SetValue {
    const set = new SetValue()
    set.ints = undefined
    set.members = members
    set.buildIndexIfLarge()
    return set
  }

  get type(): "set" {
    return "set"
  }

  get size(): number {
    return this.ints !== undefined ? this.ints.length : this.members!.length
  }

  encoding(): string {
    return this.ints !== undefined ? "intset" : "hashtable"
  }

  get isIntset(): boolean {
    return this.ints !== undefined
  }

  clone(): SetValue {
    if (this.ints !== undefined) {
      const copy = new SetValue()
      copy.ints = this.ints.slice()
      return copy
    }
    return SetValue.hashtable(this.members!.slice())
  }

  memoryUsage(): number {
    if (this.ints !== undefined) return 48 + 16 + this.ints.length * 8
    let bytes = 48 + 16 + this.members!.length * 8
    for (const m of this.members!) bytes += 16 + m.length
    if (this.index !== undefined) bytes += 32 + this.index.size * 24
    return bytes
  }

  private findMember(member: string): number {
    if (this.index !== undefined) return this.index.get(member) ?? -1
    return this.members!.indexOf(member)
  }

  has(member: string): boolean {
    if (this.ints !== undefined) {
      const n = asIntMember(member)
      return n !== undefined && searchInts(this.ints, n) >= 0
    }
    return this.findMember(member) !== -1
  }

  /** setTypeAdd: true if the member is new. `maxIntsetEntries` is set-max-intset-entries now. */
  add(member: string, maxIntsetEntries: number): boolean {
    if (this.ints !== undefined) {
      const n = asIntMember(member)
      if (n !== undefined) {
        const at = searchInts(this.ints, n)
        if (at >= 0) return false
        this.ints.splice(-at - 1, 0, n)
        if (this.ints.length > maxIntsetEntries) this.convert()
        return true
      }
      this.convert()
    }
    if (this.findMember(member) !== -1) return false
    const members = this.members!
    members.push(member)
    if (this.index !== undefined) this.index.set(member, members.length - 1)
    else if (members.length > INDEX_THRESHOLD) this.buildIndexIfLarge()
    return true
  }

  /** setTypeRemove: true if the member was there. */
  delete(member: string): boolean {
    if (this.ints !== undefined) {
      const n = asIntMember(member)
      if (n === undefined) return false
      const at = searchInts(this.ints, n)
      if (at < 0) return false
      this.ints.splice(at, 1)
      return true
    }
    const i = this.findMember(member)
    if (i === -1) return false
    this.removeAt(i)
    return true
  }

  /** The member at position `i` in [0, size): random picks and scans. */
  at(i: number): string {
    return this.ints !== undefined ? intText(this.ints[i]!) : this.members![i]!
  }

  /** Removes and returns the member at position `i` (SPOP). */
  removeAt(i: number): string {
    if (this.ints !== undefined) return intText(this.ints.splice(i, 1)[0]!)
    const members = this.members!
    const removed = members[i]!
    const last = members.pop()!
    if (i < members.length) {
      members[i] = last
      this.index?.set(last, i)
    }
    this.index?.delete(removed)
    return removed
  }

  /** Every member, in encoding order (ascending for an intset). */
  toArray(): Array<string> {
    return this.ints !== undefined ? this.ints.map(intText) : this.members!.slice()
  }

  forEach(fn: (member: string) => void): void {
    if (this.ints !== undefined) for (const n of this.ints) fn(intText(n))
    else for (const m of this.members!) fn(m)
  }

  /**
   * One SSCAN step over a hashtable-encoded set: at most `count` members going down from the cursor;
   * returns the next cursor, 0 when done. Same guarantee as HashValue.scan.
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const n = this.size
    let position = cursor === 0 ? n - 1 : Math.min(cursor - 1, n - 1)
    for (let examined = 0; position >= 0 && examined < count; examined++, position--) visit(this.at(position))
    return position < 0 ? 0 : position + 1
  }

  /** setTypeConvert(intset -> hashtable). */
  private convert(): void {
    this.members = this.ints!.map(intText)
    this.ints = undefined
    this.buildIndexIfLarge()
  }

  private buildIndexIfLarge(): void {
    const members = this.members!
    if (members.length <= INDEX_THRESHOLD) return
    const index = new Map<string, number>()
    for (let i = 0; i < members.length; i++) index.set(members[i]!, i)
    this.index = index
  }
}
