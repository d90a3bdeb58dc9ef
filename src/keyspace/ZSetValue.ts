/**
 * The sorted set value (t_zset.c's data structures). Two encodings, as in Redis 7.0:
 * - "listpack": small sets are two parallel arrays (members, scores) kept in (score, member) order,
 *   compact for millions of small keys; used while the set stays within `zset-max-listpack-entries`
 *   members of at most `zset-max-listpack-value` bytes.
 * - "skiplist": a skiplist with spans (O(log n) insert, delete, rank and range start) plus a map from
 *   member to node for O(1) score lookups.
 * A set converts to "skiplist" when it outgrows the limits and never converts back, except for the
 * results of the *STORE commands (zsetConvertToListpackIfNeeded).
 *
 * Members are latin1 strings compared with `<` (memcmp order). The range searches reproduce Redis's
 * own walks, including their results on lex ranges over members with different scores (where Redis
 * says the result is unspecified, but it is a deterministic function of the encoding).
 */
import type { ObjectValue } from "./Value.ts"

/** zset-max-listpack-entries and zset-max-listpack-value. */
export interface ListpackLimits {
  readonly entries: number
  readonly value: number
}

/** A score interval; `minex`/`maxex` exclude the bound (zrangespec). */
export interface ScoreRange {
  readonly min: number
  readonly max: number
  readonly minex: boolean
  readonly maxex: boolean
}

/** "-" and "+" of a lex range: below and above every string. */
export const LEX_MIN: unique symbol = Symbol("lex-min")
export const LEX_MAX: unique symbol = Symbol("lex-max")
export type LexValue = string | typeof LEX_MIN | typeof LEX_MAX

/** A lex interval (zlexrangespec); "-" and "+" are always exclusive, as Redis parses them. */
export interface LexRange {
  readonly min: LexValue
  readonly max: LexValue
  readonly minex: boolean
  readonly maxex: boolean
}

/** sdscmplex: byte order with "-" below and "+" above everything, each equal to itself. */
export const compareLex = (a: LexValue, b: LexValue): number => {
  if (a === b) return 0
  if (a === LEX_MIN || b === LEX_MAX) return -1
  if (a === LEX_MAX || b === LEX_MIN) return 1
  return a < b ? -1 : 1
}

/** zslValueGteMin / zslValueLteMax / zslLexValueGteMin / zslLexValueLteMax. */
export const scoreGteMin = (score: number, r: ScoreRange): boolean => (r.minex ? score > r.min : score >= r.min)
export const scoreLteMax = (score: number, r: ScoreRange): boolean => (r.maxex ? score < r.max : score <= r.max)
export const lexGteMin = (member: string, r: LexRange): boolean =>
  r.minex ? compareLex(member, r.min) > 0 : compareLex(member, r.min) >= 0
export const lexLteMax = (member: string, r: LexRange): boolean =>
  r.maxex ? compareLex(member, r.max) < 0 : compareLex(member, r.max) <= 0

/** Ranges that cannot contain anything whatever the set holds. */
const scoreRangeEmpty = (r: ScoreRange): boolean => r.min > r.max || (r.min === r.max && (r.minex || r.maxex))
const lexRangeEmpty = (r: LexRange): boolean => {
  const cmp = compareLex(r.min, r.max)
  return cmp > 0 || (cmp === 0 && (r.minex || r.maxex))
}

/** Orders (score, member) pairs as the sorted set does. */
const before = (score: number, member: string, otherScore: number, otherMember: string): boolean =>
  score < otherScore || (score === otherScore && member < otherMember)

/**
 * How a listpack stores a score: an integer when the double is one (double2ll, which also turns -0
 * into 0), otherwise its %.17g text, which reads back as the same double.
 */
const LISTPACK_INTEGER_LIMIT = 4611686018427387903 // LLONG_MAX / 2, Redis's bound for double2ll
export const listpackScore = (score: number): number =>
  score === 0 ? 0 : score

/** True if a listpack holds this score as an integer (ZSCAN prints it as one). */
export const isListpackIntegerScore = (score: number): boolean =>
  Number.isInteger(score) && score >= -LISTPACK_INTEGER_LIMIT && score <= LISTPACK_INTEGER_LIMIT

// --- skiplist ---------------------------------------------------------------------------------

const MAX_LEVEL = 32
const LEVEL_P = 0.25

/**
 * Scratch vectors of the skiplist walks (zslInsert's update[] and rank[]), allocated once: every
 * walk fills the levels it uses before reading them, and walks never nest.
 */
const UPDATE: Array<SkipNode> = []
const RANK: Array<number> = []

const randomLevel = (): number => {
  let level = 1
  while (Math.random() < LEVEL_P && level < MAX_LEVEL) level++
  return level
}

/** zskiplistNode: forward links and the number of level-0 steps each one jumps (span). */
class SkipNode {
  member: string
  score: number
  backward: SkipNode | null = null
  readonly forward: Array<SkipNode | null> = []
  readonly span: number[] = []
  /** Position in SkipList.slots (ZSCAN cursor, random members). */
  slot = 0

  constructor(level: number, member: string, score: number) {
    this.member = member
    this.score = score
    for (let i = 0; i < level; i++) {
      this.forward.push(null)
      this.span.push(0)
    }
  }
}

/**
 * zskiplist + the zset dict. Also a dense array of the nodes (swap-with-last on delete), which gives
 * ZSCAN a cursor that returns every member present for the whole scan, and O(1) random members.
 */
class SkipList {
  readonly header = new SkipNode(MAX_LEVEL, "", 0)
  tail: SkipNode | null = null
  length = 0
  level = 1
  readonly dict = new Map<string, SkipNode>()
  readonly slots: Array<SkipNode> = []

  get first(): SkipNode | null {
    return this.header.forward[0]!
  }

  /** zslInsert (the member must be absent), with the member added to the dict and the slots. */
  insert(score: number, member: string): SkipNode {
    const node = this.link(score, member)
    node.slot = this.slots.length
    this.slots.push(node)
    this.dict.set(member, node)
    return node
  }

  /** zslInsert proper: a new node in the skiplist only. */
  private link(score: number, member: string): SkipNode {
    const update = UPDATE
    const rank = RANK
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!
      let next = x.forward[i]!
      while (next !== null && before(next.score, next.member, score, member)) {
        rank[i]! += x.span[i]!
        x = next
        next = x.forward[i]!
      }
      update[i] = x
    }
    const level = randomLevel()
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0
        update[i] = this.header
        this.header.span[i] = this.length
      }
      this.level = level
    }
    const node = new SkipNode(level, member, score)
    for (let i = 0; i < level; i++) {
      const u = update[i]!
      node.forward[i] = u.forward[i]!
      u.forward[i] = node
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!)
      u.span[i] = rank[0]! - rank[i]! + 1
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++
    node.backward = update[0] === this.header ? null : update[0]!
    const next = node.forward[0]!
    if (next !== null) next.backward = node
    else this.tail = node
    this.length++
    return node
  }

  /** zslDeleteNode, plus removing the member from the dict and the slots. */
  private unlink(x: SkipNode, update: ReadonlyArray<SkipNode>): void {
    this.unlinkNode(x, update)
    this.dict.delete(x.member)
    const last = this.slots.pop()!
    if (x.slot < this.slots.length) {
      this.slots[x.slot] = last
      last.slot = x.slot
    }
  }

  /** zslDeleteNode proper: the node out of the skiplist only. */
  private unlinkNode(x: SkipNode, update: ReadonlyArray<SkipNode>): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!
      if (u.forward[i] === x) {
        u.span[i]! += x.span[i]! - 1
        u.forward[i] = x.forward[i]!
      } else {
        u.span[i]!--
      }
    }
    const next = x.forward[0]!
    if (next !== null) next.backward = x.backward
    else this.tail = x.backward
    while (this.level > 1 && this.header.forward[this.level - 1] === null) this.level--
    this.length--
  }

  /** The update vector for the position of (score, member). */
  private path(score: number, member: string): Array<SkipNode> {
    const update = UPDATE
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!
      while (next !== null && before(next.score, next.member, score, member)) {
        x = next
        next = x.forward[i]!
      }
      update[i] = x
    }
    return update
  }

  /** zslDelete of a node known to be present. */
  delete(node: SkipNode): void {
    this.unlink(node, this.path(node.score, node.member))
  }

  /**
   * zslUpdateScore: in place when the order does not change, else unlinked and linked again. The
   * member keeps its slot, as it keeps its dict entry in Redis: a scan in progress still finds it.
   */
  updateScore(node: SkipNode, newScore: number): void {
    const prev = node.backward
    const next = node.forward[0]!
    if ((prev === null || prev.score < newScore) && (next === null || next.score > newScore)) {
      node.score = newScore
      return
    }
    this.unlinkNode(node, this.path(node.score, node.member))
    const moved = this.link(newScore, node.member)
    moved.slot = node.slot
    this.slots[node.slot] = moved
    this.dict.set(node.member, moved)
  }

  /** zslGetRank: 1-based rank of a present node. */
  rankOf(node: SkipNode): number {
    let rank = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!
      while (next !== null && (next.score < node.score || (next.score === node.score && next.member <= node.member))) {
        rank += x.span[i]!
        x = next
        next = x.forward[i]!
      }
      if (x === node) return rank
    }
    return 0
  }

  /** zslGetElementByRank (1-based). */
  byRank(rank: number): SkipNode | null {
    let traversed = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!
      while (next !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!
        x = next
        next = x.forward[i]!
      }
      if (traversed === rank) return x === this.header ? null : x
    }
    return null
  }

  /**
   * Walks down from the top level, advancing while `advance(next)`; returns the last node passed
   * (the header if none) with its 1-based rank (0 for the header). Fills `update` when given.
   */
  descend(advance: (node: SkipNode) => boolean, update?: Array<SkipNode>): readonly [SkipNode, number] {
    let rank = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!
      while (next !== null && advance(next)) {
        rank += x.span[i]!
        x = next
        next = x.forward[i]!
      }
      if (update !== undefined) update[i] = x
    }
    return [x, rank]
  }

  /** zslDeleteRangeByRank (1-based, inclusive). */
  deleteRankRange(start: number, end: number): number {
    const update = UPDATE
    let traversed = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]!
      while (next !== null && traversed + x.span[i]! < start) {
        traversed += x.span[i]!
        x = next
        next = x.forward[i]!
      }
      update[i] = x
    }
    traversed++
    let node = x.forward[0]!
    let removed = 0
    while (node !== null && traversed <= end) {
      const next: SkipNode | null = node.forward[0]!
      this.unlink(node, update)
      removed++
      traversed++
      node = next
    }
    return removed
  }

  /** zslDeleteRangeByScore / zslDeleteRangeByLex: from the first node not below the range, while in it. */
  deleteWhile(belowMin: (node: SkipNode) => boolean, withinMax: (node: SkipNode) => boolean): number {
    const update = UPDATE
    const [x] = this.descend(belowMin, update)
    let node = x.forward[0]!
    let removed = 0
    while (node !== null && withinMax(node)) {
      const next: SkipNode | null = node.forward[0]!
      this.unlink(node, update)
      removed++
      node = next
    }
    return removed
  }
}

// --- the value --------------------------------------------------------------------------------

/** A sorted set: listpack-encoded arrays or a skiplist, switching as Redis does. */
export class ZSetValue implements ObjectValue {
  get type(): "zset" {
    return "zset"
  }

  /** Listpack encoding: members and scores in order; both null in skiplist encoding. */
  private members: Array<string> | null
  private scores: Array<number> | null
  private list: SkipList | null

  private constructor(listpack: boolean) {
    this.members = listpack ? [] : null
    this.scores = listpack ? [] : null
    this.list = listpack ? null : new SkipList()
  }

  /** An empty set in the listpack encoding (createZsetListpackObject). */
  static listpack(): ZSetValue {
    return new ZSetValue(true)
  }

  /** An empty set in the skiplist encoding (createZsetObject). */
  static skiplist(): ZSetValue {
    return new ZSetValue(false)
  }

  /** The encoding ZADD starts a new key with, from its first member's length. */
  static forFirstMember(firstMember: string, limits: ListpackLimits): ZSetValue {
    return limits.entries === 0 || firstMember.length > limits.value ? ZSetValue.skiplist() : ZSetValue.listpack()
  }

  get size(): number {
    return this.members !== null ? this.members.length : this.list!.length
  }

  get isListpack(): boolean {
    return this.members !== null
  }

  encoding(): string {
    return this.members !== null ? "listpack" : "skiplist"
  }

  /** The score of a member, or undefined. */
  score(member: string): number | undefined {
    if (this.members !== null) {
      const i = this.members.indexOf(member)
      return i === -1 ? undefined : this.scores![i]!
    }
    return this.list!.dict.get(member)?.score
  }

  /** zsetConvert to skiplist. */
  private toSkiplist(): void {
    const members = this.members!
    const scores = this.scores!
    const list = new SkipList()
    // Inserting from the greatest keeps every insertion at the head: O(1) each.
    for (let i = members.length - 1; i >= 0; i--) list.insert(scores[i]!, members[i]!)
    this.members = null
    this.scores = null
    this.list = list
  }

  /** Adds a member that is not in the set, converting to skiplist first if the listpack would outgrow `limits`. */
  insert(member: string, score: number, limits: ListpackLimits): void {
    if (this.members !== null) {
      if (this.members.length + 1 > limits.entries || member.length > limits.value) {
        this.toSkiplist()
      } else {
        this.listpackInsert(member, score)
        return
      }
    }
    this.list!.insert(score, member)
  }

  private listpackInsert(member: string, score: number): void {
    const members = this.members!
    const scores = this.scores!
    const stored = listpackScore(score)
    // first position whose element sorts after the new one
    let lo = 0
    let hi = members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(stored, member, scores[mid]!, members[mid]!)) hi = mid
      else lo = mid + 1
    }
    // toSpliced allocates exactly the new length, where an in-place splice grows the backing store
    // by half: a million small sets would pay for the slack.
    this.members = members.toSpliced(lo, 0, member)
    this.scores = scores.toSpliced(lo, 0, stored)
  }

  /** Changes the score of a member that is in the set. */
  setScore(member: string, score: number): void {
    if (this.members !== null) {
      const i = this.members.indexOf(member)
      this.members = this.members.toSpliced(i, 1)
      this.scores = this.scores!.toSpliced(i, 1)
      this.listpackInsert(member, score)
      return
    }
    this.list!.updateScore(this.list!.dict.get(member)!, score)
  }

  /** Removes a member; false if it was not there. */
  remove(member: string): boolean {
    if (this.members !== null) {
      const i = this.members.indexOf(member)
      if (i === -1) return false
      this.members = this.members.toSpliced(i, 1)
      this.scores = this.scores!.toSpliced(i, 1)
      return true
    }
    const node = this.list!.dict.get(member)
    if (node === undefined) return false
    this.list!.delete(node)
    return true
  }

  /** 0-based rank of a member from the lowest score (or the highest with `reverse`), -1 if absent. */
  rank(member: string, reverse = false): number {
    let rank: number
    if (this.members !== null) {
      rank = this.members.indexOf(member)
      if (rank === -1) return -1
    } else {
      const node = this.list!.dict.get(member)
      if (node === undefined) return -1
      rank = this.list!.rankOf(node) - 1
    }
    return reverse ? this.size - 1 - rank : rank
  }

  /**
   * Visits the elements from 0-based `rank`, towards higher scores or (with `reverse`) lower ones,
   * while `visit` returns true.
   */
  walk(rank: number, reverse: boolean, visit: (member: string, score: number) => boolean): void {
    const size = this.size
    if (rank < 0 || rank >= size) return
    if (this.members !== null) {
      const members = this.members
      const scores = this.scores!
      if (reverse) {
        for (let i = rank; i >= 0; i--) if (!visit(members[i]!, scores[i]!)) return
      } else {
        for (let i = rank; i < members.length; i++) if (!visit(members[i]!, scores[i]!)) return
      }
      return
    }
    const list = this.list!
    let node = rank === 0 ? list.first : rank === size - 1 ? list.tail : list.byRank(rank + 1)
    while (node !== null) {
      if (!visit(node.member, node.score)) return
      node = reverse ? node.backward : node.forward[0]!
    }
  }

  /** The member and score at a 0-based rank (which must be valid). */
  at(rank: number): readonly [string, number] {
    if (this.members !== null) return [this.members[rank]!, this.scores![rank]!]
    const list = this.list!
    const node = rank === 0 ? list.first! : rank === list.length - 1 ? list.tail! : list.byRank(rank + 1)!
    return [node.member, node.score]
  }

  /** zzlFirstInRange / zslFirstInRange: rank of the first element in the range, -1 if none. */
  firstInScoreRange(r: ScoreRange): number {
    if (scoreRangeEmpty(r) || this.size === 0) return -1
    if (this.members !== null) {
      const scores = this.scores!
      if (!scoreGteMin(scores[scores.length - 1]!, r) || !scoreLteMax(scores[0]!, r)) return -1
      let lo = 0
      let hi = scores.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (scoreGteMin(scores[mid]!, r)) hi = mid
        else lo = mid + 1
      }
      return scoreLteMax(scores[lo]!, r) ? lo : -1
    }
    const list = this.list!
    if (!scoreGteMin(list.tail!.score, r) || !scoreLteMax(list.first!.score, r)) return -1
    const [x, rank] = list.descend((n) => !scoreGteMin(n.score, r))
    const node = x.forward[0]!
    return scoreLteMax(node.score, r) ? rank : -1
  }

  /** zzlLastInRange / zslLastInRange: rank of the last element in the range, -1 if none. */
  lastInScoreRange(r: ScoreRange): number {
    if (scoreRangeEmpty(r) || this.size === 0) return -1
    if (this.members !== null) {
      const scores = this.scores!
      if (!scoreGteMin(scores[scores.length - 1]!, r) || !scoreLteMax(scores[0]!, r)) return -1
      let lo = 0
      let hi = scores.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (scoreLteMax(scores[mid]!, r)) lo = mid + 1
        else hi = mid
      }
      return scoreGteMin(scores[lo - 1]!, r) ? lo - 1 : -1
    }
    const list = this.list!
    if (!scoreGteMin(list.tail!.score, r) || !scoreLteMax(list.first!.score, r)) return -1
    const [x, rank] = list.descend((n) => scoreLteMax(n.score, r))
    return scoreGteMin(x.score, r) ? rank - 1 : -1
  }

  /** zzlFirstInLexRange / zslFirstInLexRange. */
  firstInLexRange(r: LexRange): number {
    if (lexRangeEmpty(r) || this.size === 0) return -1
    if (this.members !== null) {
      const members = this.members
      if (!lexGteMin(members[members.length - 1]!, r) || !lexLteMax(members[0]!, r)) return -1
      // A linear walk, like the listpack's: members are in order only when all scores are equal.
      for (let i = 0; i < members.length; i++) {
        if (lexGteMin(members[i]!, r)) return lexLteMax(members[i]!, r) ? i : -1
      }
      return -1
    }
    const list = this.list!
    if (!lexGteMin(list.tail!.member, r) || !lexLteMax(list.first!.member, r)) return -1
    const [x, rank] = list.descend((n) => !lexGteMin(n.member, r))
    const node = x.forward[0]!
    return lexLteMax(node.member, r) ? rank : -1
  }

  /** zzlLastInLexRange / zslLastInLexRange. */
  lastInLexRange(r: LexRange): number {
    if (lexRangeEmpty(r) || this.size === 0) return -1
    if (this.members !== null) {
      const members = this.members
      if (!lexGteMin(members[members.length - 1]!, r) || !lexLteMax(members[0]!, r)) return -1
      for (let i = members.length - 1; i >= 0; i--) {
        if (lexLteMax(members[i]!, r)) return lexGteMin(members[i]!, r) ? i : -1
      }
      return -1
    }
    const list = this.list!
    if (!lexGteMin(list.tail!.member, r) || !lexLteMax(list.first!.member, r)) return -1
    const [x, rank] = list.descend((n) => lexLteMax(n.member, r))
    return lexGteMin(x.member, r) ? rank - 1 : -1
  }

  /** Removes the elements of 0-based ranks start..end (valid, inclusive); returns how many. */
  deleteRankRange(start: number, end: number): number {
    if (this.members !== null) {
      this.members = this.members.toSpliced(start, end - start + 1)
      this.scores = this.scores!.toSpliced(start, end - start + 1)
      return end - start + 1
    }
    return this.list!.deleteRankRange(start + 1, end + 1)
  }

  /** zzlDeleteRangeByScore / zslDeleteRangeByScore. */
  deleteScoreRange(r: ScoreRange): number {
    if (this.members !== null) {
      const first = this.firstInScoreRange(r)
      if (first === -1) return 0
      let end = first
      while (end < this.scores!.length && scoreLteMax(this.scores![end]!, r)) end++
      return this.deleteRankRange(first, end - 1)
    }
    return this.list!.deleteWhile((n) => !scoreGteMin(n.score, r), (n) => scoreLteMax(n.score, r))
  }

  /** zzlDeleteRangeByLex / zslDeleteRangeByLex. */
  deleteLexRange(r: LexRange): number {
    if (this.members !== null) {
      const first = this.firstInLexRange(r)
      if (first === -1) return 0
      let end = first
      while (end < this.members.length && lexLteMax(this.members[end]!, r)) end++
      return this.deleteRankRange(first, end - 1)
    }
    return this.list!.deleteWhile((n) => !lexGteMin(n.member, r), (n) => lexLteMax(n.member, r))
  }

  /**
   * The element at position `i` in [0, size) of an arbitrary but O(1) order (listpack position or
   * skiplist slot): uniform random picks and random subsets.
   */
  atPosition(i: number): readonly [string, number] {
    if (this.members !== null) return [this.members[i]!, this.scores![i]!]
    const node = this.list!.slots[i]!
    return [node.member, node.score]
  }

  /** A uniformly random element (dictGetFairRandomKey / lpRandomPair). */
  randomEntry(random: () => number = Math.random): readonly [string, number] {
    return this.atPosition(Math.floor(random() * this.size))
  }

  /**
   * One ZSCAN step over the skiplist encoding: visits up to `count` members from the cursor and
   * returns the next cursor (0 when done). Like Database.scan, the cursor walks the dense slots
   * downwards, so a member present for the whole scan is returned at least once.
   */
  scan(cursor: number, count: number, visit: (member: string, score: number) => void): number {
    const slots = this.list!.slots
    let position = cursor === 0 ? slots.length - 1 : Math.min(cursor - 1, slots.length - 1)
    let examined = 0
    while (position >= 0 && examined < count) {
      const node = slots[position]!
      visit(node.member, node.score)
      position--
      examined++
    }
    return position < 0 ? 0 : position + 1
  }

  /**
   * zsetConvertToListpackIfNeeded for a freshly built result: back to listpack when it fits the
   * limits (the *STORE commands do this; nothing else ever converts back).
   */
  convertToListpackIfFits(limits: ListpackLimits, maxMemberLength: number): void {
    if (this.list === null) return
    if (this.list.length > limits.entries || maxMemberLength > limits.value) return
    const members: Array<string> = []
    const scores: Array<number> = []
    for (let node = this.list.first; node !== null; node = node.forward[0]!) {
      members.push(node.member)
      scores.push(listpackScore(node.score))
    }
    this.members = members
    this.scores = scores
    this.list = null
  }

  clone(): ZSetValue {
    if (this.members !== null) {
      const copy = ZSetValue.listpack()
      copy.members = this.members.slice()
      copy.scores = this.scores!.slice()
      return copy
    }
    const copy = ZSetValue.skiplist()
    for (let node = this.list!.tail; node !== null; node = node.backward) copy.list!.insert(node.score, node.member)
    return copy
  }

  memoryUsage(): number {
    let bytes = 48
    if (this.members !== null) {
      for (const m of this.members) bytes += m.length + 12
      return bytes + this.members.length * 8
    }
    for (const node of this.list!.slots) bytes += node.member.length + 48 + node.forward.length * 16
    return bytes
  }
}
