/**
 * The sorted set value (t_zset.c's data structures). Two encodings, as in Redis 7.0:
 * - "listpack": small sets are two parallel arrays (members, scores) kept in (score, member) order,
 *   compact for millions of small keys; used while the set stays within `zset-max-listpack-entries`
 *   members of at most `zset-max-listpack-value` bytes.
 * - "skiplist" (Redis's name, kept for OBJECT ENCODING): an order-statistics tree, a B+tree counting
 *   the entries under each child, for O(log n) insert, delete, rank and range start, plus a map from
 *   member to score for O(1) lookups. A skiplist in JS scatters every step of a walk over three
 *   objects; the tree reads a few contiguous arrays instead (several times faster on large sets).
 * A set converts to "skiplist" when it outgrows the limits and never converts back, except for the
 * results of the *STORE commands (zsetConvertToListpackIfNeeded).
 *
 * Members are latin1 strings compared with `<` (memcmp order). The listpack's range searches are
 * Redis's own walks, including their results on lex ranges over members with different scores
 * (unspecified in Redis's documentation, but deterministic for a listpack). For the large encoding
 * that result depends on the random levels of Redis's skiplist, so no answer can match it.
 */
import { SLOT, STRING_OVERHEAD, ZSET_LISTPACK, ZSET_TREE_MEMBER } from "./memory.ts"
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

// --- order-statistics tree ----------------------------------------------------------------------

/** Entries per leaf and children per inner node of the tree (tests pass tiny ones to exercise splits). */
export const TREE_NODE_CAPACITY = 64

/**
 * A run of entries for ZSetValue.walkRuns: its members and scores, read from index `from` (towards the
 * end of the arrays, or towards index 0 in a reverse walk).
 */
export type RunVisitor = (members: ReadonlyArray<string>, scores: ReadonlyArray<number>, from: number) => boolean

/** A leaf: entries in (score, member) order, linked to its neighbours for walks. */
class Leaf {
  members: Array<string> = []
  scores: Array<number> = []
  prev: Leaf | null = null
  next: Leaf | null = null
}

/**
 * An inner node: its children, the number of entries under each (ranks), and for each child but the
 * first a separator key at or below every key of that child. Separators are not updated when keys
 * are deleted, so they stay lower bounds, which is all a descent needs.
 */
class Inner {
  children: Array<Leaf | Inner> = []
  counts: Array<number> = []
  sepScores: Array<number> = []
  sepMembers: Array<string> = []
}

/** A member's score and its position in the dense slots (ZSCAN cursor, random picks). */
class DictEntry {
  score: number
  slot: number
  constructor(score: number, slot: number) {
    this.score = score
    this.slot = slot
  }
}

/**
 * The path of the last descent: the inner nodes passed and the child taken in each. Descents never
 * nest, so one shared scratch path serves every tree.
 */
const PATH_NODES: Array<Inner> = []
const PATH_INDEX: Array<number> = []
let pathDepth = 0

const sumBefore = (counts: ReadonlyArray<number>, end: number): number => {
  let sum = 0
  for (let i = 0; i < end; i++) sum += counts[i]!
  return sum
}

/**
 * The "skiplist" encoding's structure: a B+tree whose inner nodes count the entries below each
 * child, so that insert, delete, rank, element-by-rank and range start are O(log n) like Redis's
 * skiplist, with far fewer scattered memory reads. Plus the member -> score dict, and the members in
 * a dense array (deletion moves the last one into the hole) for scans and random picks.
 */
class OrderTree {
  private root: Leaf | Inner = new Leaf()
  head: Leaf
  tail: Leaf
  length = 0
  readonly dict = new Map<string, DictEntry>()
  readonly slots: Array<string> = []
  readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
    this.head = this.root as Leaf
    this.tail = this.head
  }

  /** The leaf where (score, member) belongs, recording the path. */
  private leafFor(score: number, member: string): Leaf {
    let node = this.root
    pathDepth = 0
    while (node instanceof Inner) {
      // the last child whose separator is at or below the key (child 0 has none)
      let lo = 1
      let hi = node.children.length - 1
      let idx = 0
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        if (before(score, member, node.sepScores[mid]!, node.sepMembers[mid]!)) hi = mid - 1
        else {
          idx = mid
          lo = mid + 1
        }
      }
      PATH_NODES[pathDepth] = node
      PATH_INDEX[pathDepth++] = idx
      node = node.children[idx]!
    }
    return node
  }

  /** The leaf holding 0-based `rank` (valid) and the position in it, recording the path. */
  private leafAt(rank: number): readonly [Leaf, number] {
    let node = this.root
    pathDepth = 0
    while (node instanceof Inner) {
      let idx = 0
      while (rank >= node.counts[idx]!) rank -= node.counts[idx++]!
      PATH_NODES[pathDepth] = node
      PATH_INDEX[pathDepth++] = idx
      node = node.children[idx]!
    }
    return [node, rank]
  }

  /** Adds an absent member to the dict, the slots and the tree. */
  insert(score: number, member: string): void {
    this.dict.set(member, new DictEntry(score, this.slots.length))
    this.slots.push(member)
    this.link(score, member)
  }

  private link(score: number, member: string): void {
    const leaf = this.leafFor(score, member)
    const scores = leaf.scores
    const members = leaf.members
    let lo = 0
    let hi = members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(score, member, scores[mid]!, members[mid]!)) hi = mid
      else lo = mid + 1
    }
    members.splice(lo, 0, member)
    scores.splice(lo, 0, score)
    for (let d = 0; d < pathDepth; d++) PATH_NODES[d]!.counts[PATH_INDEX[d]!]!++
    this.length++
    if (members.length > this.capacity) this.splitLeaf(leaf)
  }

  private splitLeaf(leaf: Leaf): void {
    const half = leaf.members.length >>> 1
    const right = new Leaf()
    right.members = leaf.members.splice(half)
    right.scores = leaf.scores.splice(half)
    right.prev = leaf
    right.next = leaf.next
    if (leaf.next !== null) leaf.next.prev = right
    else this.tail = right
    leaf.next = right
    this.addSibling(pathDepth - 1, leaf, right, right.scores[0]!, right.members[0]!, right.members.length)
  }

  /** Puts `right` after `left` (the child taken at path level `d`) in their parent, splitting up the path. */
  private addSibling(d: number, left: Leaf | Inner, right: Leaf | Inner, sepScore: number, sepMember: string, rightCount: number): void {
    if (d < 0) {
      const root = new Inner()
      root.children = [left, right]
      root.counts = [this.length - rightCount, rightCount]
      root.sepScores = [0, sepScore]
      root.sepMembers = ["", sepMember]
      this.root = root
      return
    }
    const parent = PATH_NODES[d]!
    const i = PATH_INDEX[d]!
    parent.children.splice(i + 1, 0, right)
    parent.counts[i]! -= rightCount
    parent.counts.splice(i + 1, 0, rightCount)
    parent.sepScores.splice(i + 1, 0, sepScore)
    parent.sepMembers.splice(i + 1, 0, sepMember)
    if (parent.children.length <= this.capacity) return
    const half = parent.children.length >>> 1
    const sibling = new Inner()
    sibling.children = parent.children.splice(half)
    sibling.counts = parent.counts.splice(half)
    sibling.sepScores = parent.sepScores.splice(half)
    sibling.sepMembers = parent.sepMembers.splice(half)
    this.addSibling(d - 1, parent, sibling, sibling.sepScores[0]!, sibling.sepMembers[0]!, sumBefore(sibling.counts, sibling.counts.length))
  }

  /** Removes the entry at `pos` of `leaf`, found by the descent just made. */
  private unlinkAt(leaf: Leaf, pos: number): void {
    leaf.members.splice(pos, 1)
    leaf.scores.splice(pos, 1)
    for (let d = 0; d < pathDepth; d++) PATH_NODES[d]!.counts[PATH_INDEX[d]!]!--
    this.length--
    if (leaf.members.length > 0 || pathDepth === 0) return
    // an emptied leaf leaves the tree (nodes are never merged: emptied ones just go)
    if (leaf.prev !== null) leaf.prev.next = leaf.next
    else this.head = leaf.next!
    if (leaf.next !== null) leaf.next.prev = leaf.prev
    else this.tail = leaf.prev!
    for (let d = pathDepth - 1; d >= 0; d--) {
      const parent = PATH_NODES[d]!
      const i = PATH_INDEX[d]!
      parent.children.splice(i, 1)
      parent.counts.splice(i, 1)
      parent.sepScores.splice(i, 1)
      parent.sepMembers.splice(i, 1)
      if (parent.children.length > 0) break
    }
    // a root left with one child hands over to it
    while (this.root instanceof Inner && this.root.children.length === 1) this.root = this.root.children[0]!
  }

  /** Unlinks (score, member), which is present, from the tree only. */
  private unlink(score: number, member: string): void {
    const leaf = this.leafFor(score, member)
    let lo = 0
    let hi = leaf.members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(leaf.scores[mid]!, leaf.members[mid]!, score, member)) lo = mid + 1
      else hi = mid
    }
    this.unlinkAt(leaf, lo)
  }

  /** Drops a member from the dict and the slots (the last slot moves into its place). */
  private forget(member: string): void {
    const entry = this.dict.get(member)!
    this.dict.delete(member)
    const last = this.slots.pop()!
    if (entry.slot < this.slots.length) {
      this.slots[entry.slot] = last
      this.dict.get(last)!.slot = entry.slot
    }
  }

  /** Removes a present member. */
  delete(member: string): void {
    this.unlink(this.dict.get(member)!.score, member)
    this.forget(member)
  }

  /** Moves a present member to a new score; it keeps its slot, so a scan in progress still finds it. */
  updateScore(member: string, score: number): void {
    const entry = this.dict.get(member)!
    this.unlink(entry.score, member)
    entry.score = score
    this.link(score, member)
  }

  /** 0-based rank of a present member. */
  rankOf(member: string): number {
    const score = this.dict.get(member)!.score
    const leaf = this.leafFor(score, member)
    let rank = 0
    for (let d = 0; d < pathDepth; d++) rank += sumBefore(PATH_NODES[d]!.counts, PATH_INDEX[d]!)
    let lo = 0
    let hi = leaf.members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(leaf.scores[mid]!, leaf.members[mid]!, score, member)) lo = mid + 1
      else hi = mid
    }
    return rank + lo
  }

  /** Member and score at a valid 0-based rank. */
  at(rank: number): readonly [string, number] {
    const [leaf, i] = this.leafAt(rank)
    return [leaf.members[i]!, leaf.scores[i]!]
  }

  /** Visits the entries from a valid rank onwards (or backwards) a leaf at a time (see ZSetValue.walkRuns). */
  walkRuns(rank: number, reverse: boolean, visit: RunVisitor): void {
    let [leaf, i] = this.leafAt(rank) as [Leaf | null, number]
    while (leaf !== null && visit(leaf.members, leaf.scores, i)) {
      leaf = reverse ? leaf.prev : leaf.next
      i = leaf === null || !reverse ? 0 : leaf.members.length - 1
    }
  }

  /** Visits entries from a valid rank onwards (or backwards) while `visit` returns true. */
  walk(rank: number, reverse: boolean, visit: (member: string, score: number) => boolean): void {
    let [leaf, i] = this.leafAt(rank) as [Leaf | null, number]
    while (leaf !== null) {
      const members = leaf.members
      const scores = leaf.scores
      if (reverse) {
        for (; i >= 0; i--) if (!visit(members[i]!, scores[i]!)) return
        leaf = leaf.prev
        i = leaf === null ? 0 : leaf.members.length - 1
      } else {
        for (; i < members.length; i++) if (!visit(members[i]!, scores[i]!)) return
        leaf = leaf.next
        i = 0
      }
    }
  }

  /**
   * How many leading entries satisfy `holds`, for a predicate that holds up to some point of the
   * order and not after it (a range bound): the descent Redis's zslFirstInRange and friends make.
   */
  countWhile(holds: (member: string, score: number) => boolean): number {
    let node = this.root
    let rank = 0
    while (node instanceof Inner) {
      let lo = 1
      let hi = node.children.length - 1
      let idx = 0
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        if (holds(node.sepMembers[mid]!, node.sepScores[mid]!)) {
          idx = mid
          lo = mid + 1
        } else {
          hi = mid - 1
        }
      }
      rank += sumBefore(node.counts, idx)
      node = node.children[idx]!
    }
    let lo = 0
    let hi = node.members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (holds(node.members[mid]!, node.scores[mid]!)) lo = mid + 1
      else hi = mid
    }
    return rank + lo
  }

  /** Removes the entry at a valid rank. */
  deleteAt(rank: number): void {
    const [leaf, i] = this.leafAt(rank)
    const member = leaf.members[i]!
    this.unlinkAt(leaf, i)
    this.forget(member)
  }
}

// --- the value --------------------------------------------------------------------------------

/** A sorted set: listpack-encoded arrays or the tree Redis calls "skiplist", switching as Redis does. */
export class ZSetValue implements ObjectValue {
  /** LRU clock of the key's last access (OBJECT IDLETIME), set by the Database. */
  lru = 0
  accounted = -1
  keySlot = -1
  /** Total length of the members (memory accounting). */
  private chars = 0
  get type(): "zset" {
    return "zset"
  }

  /** Listpack encoding: members and scores in order; both null in skiplist encoding. */
  private members: Array<string> | null
  private scores: Array<number> | null
  private tree: OrderTree | null

  private constructor(tree: OrderTree | null) {
    this.members = tree === null ? [] : null
    this.scores = tree === null ? [] : null
    this.tree = tree
  }

  /** An empty set in the listpack encoding (createZsetListpackObject). */
  static listpack(): ZSetValue {
    return new ZSetValue(null)
  }

  /**
   * An empty set in the skiplist encoding (createZsetObject). Tests pass a tiny node capacity to
   * exercise the tree's splits.
   */
  static skiplist(nodeCapacity = TREE_NODE_CAPACITY): ZSetValue {
    return new ZSetValue(new OrderTree(nodeCapacity))
  }

  /**
   * A sorted set of distinct members in a given encoding (loading a file). The pairs need not be in
   * order: they are sorted as the set orders them. The arrays are the set's from now on (the loader
   * made them for it).
   */
  static fromPairs(members: Array<string>, scores: Array<number>, listpack: boolean): ZSetValue {
    let chars = 0
    for (let i = 0; i < members.length; i++) chars += members[i]!.length
    if (!listpack) {
      const set = ZSetValue.skiplist()
      for (let i = 0; i < members.length; i++) set.tree!.insert(scores[i]!, members[i]!)
      set.chars = chars
      return set
    }
    const set = ZSetValue.listpack()
    set.chars = chars
    // a listpack read from a file is in order already: no sort, no index array
    let sorted = true
    for (let i = 1; i < members.length && sorted; i++) sorted = before(scores[i - 1]!, members[i - 1]!, scores[i]!, members[i]!)
    if (sorted) {
      for (let i = 0; i < scores.length; i++) scores[i] = listpackScore(scores[i]!)
      set.members = members
      set.scores = scores
      return set
    }
    const order = members.map((_, i) => i)
    order.sort((a, b) => (before(scores[a]!, members[a]!, scores[b]!, members[b]!) ? -1 : before(scores[b]!, members[b]!, scores[a]!, members[a]!) ? 1 : 0))
    set.members = order.map((i) => members[i]!)
    set.scores = order.map((i) => listpackScore(scores[i]!))
    return set
  }

  /** The encoding ZADD starts a new key with, from its first member's length. */
  static forFirstMember(firstMember: string, limits: ListpackLimits): ZSetValue {
    return limits.entries === 0 || firstMember.length > limits.value ? ZSetValue.skiplist() : ZSetValue.listpack()
  }

  get size(): number {
    return this.members !== null ? this.members.length : this.tree!.length
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
    return this.tree!.dict.get(member)?.score
  }

  /** zsetConvert(OBJ_ENCODING_SKIPLIST) from outside, as SORT does to the set it sorts. */
  convertToSkiplist(): void {
    if (this.members !== null) this.toSkiplist()
  }

  /** zsetConvert to skiplist. */
  private toSkiplist(): void {
    const members = this.members!
    const scores = this.scores!
    const tree = new OrderTree(TREE_NODE_CAPACITY)
    for (let i = 0; i < members.length; i++) tree.insert(scores[i]!, members[i]!)
    this.members = null
    this.scores = null
    this.tree = tree
  }

  /** Adds a member that is not in the set, converting to skiplist first if the listpack would outgrow `limits`. */
  insert(member: string, score: number, limits: ListpackLimits): void {
    this.chars += member.length
    if (this.members !== null) {
      if (this.members.length + 1 > limits.entries || member.length > limits.value) {
        this.toSkiplist()
      } else {
        this.listpackInsert(member, score)
        return
      }
    }
    this.tree!.insert(score, member)
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
    this.tree!.updateScore(member, score)
  }

  /** Removes a member; false if it was not there. */
  remove(member: string): boolean {
    if (this.members !== null) {
      const i = this.members.indexOf(member)
      if (i === -1) return false
      this.members = this.members.toSpliced(i, 1)
      this.scores = this.scores!.toSpliced(i, 1)
      this.chars -= member.length
      return true
    }
    if (!this.tree!.dict.has(member)) return false
    this.tree!.delete(member)
    this.chars -= member.length
    return true
  }

  /** 0-based rank of a member from the lowest score (or the highest with `reverse`), -1 if absent. */
  rank(member: string, reverse = false): number {
    let rank: number
    if (this.members !== null) {
      rank = this.members.indexOf(member)
      if (rank === -1) return -1
    } else {
      if (!this.tree!.dict.has(member)) return -1
      rank = this.tree!.rankOf(member)
    }
    return reverse ? this.size - 1 - rank : rank
  }

  /**
   * Visits the elements from 0-based `rank`, towards higher scores or (with `reverse`) lower ones,
   * while `visit` returns true.
   */
  walk(rank: number, reverse: boolean, visit: (member: string, score: number) => boolean): void {
    if (rank < 0 || rank >= this.size) return
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
    this.tree!.walk(rank, reverse, visit)
  }

  /**
   * Visits the entries from a valid rank onwards (backwards when `reverse`) in runs: `visit(members,
   * scores, from)` reads a run's arrays from index `from` and returns false to stop. For loops where a
   * call per entry costs more than the work done with it (GEOSEARCH's thousands of points, the replies
   * of ZRANGE by rank).
   */
  walkRuns(rank: number, reverse: boolean, visit: RunVisitor): void {
    if (rank < 0 || rank >= this.size) return
    if (this.members !== null) visit(this.members, this.scores!, rank)
    else this.tree!.walkRuns(rank, reverse, visit)
  }

  /** The member and score at a 0-based rank (which must be valid). */
  at(rank: number): readonly [string, number] {
    if (this.members !== null) return [this.members[rank]!, this.scores![rank]!]
    return this.tree!.at(rank)
  }

  private get first(): readonly [string, number] {
    return this.at(0)
  }

  private get last(): readonly [string, number] {
    return this.at(this.size - 1)
  }

  /** zzlFirstInRange / zslFirstInRange: rank of the first element in the range, -1 if none. */
  firstInScoreRange(r: ScoreRange): number {
    if (scoreRangeEmpty(r) || this.size === 0) return -1
    if (!scoreGteMin(this.last[1], r) || !scoreLteMax(this.first[1], r)) return -1
    const rank = this.countWhile((_m, s) => !scoreGteMin(s, r))
    return rank < this.size && scoreLteMax(this.at(rank)[1], r) ? rank : -1
  }

  /** zzlLastInRange / zslLastInRange: rank of the last element in the range, -1 if none. */
  lastInScoreRange(r: ScoreRange): number {
    if (scoreRangeEmpty(r) || this.size === 0) return -1
    if (!scoreGteMin(this.last[1], r) || !scoreLteMax(this.first[1], r)) return -1
    const rank = this.countWhile((_m, s) => scoreLteMax(s, r)) - 1
    return rank >= 0 && scoreGteMin(this.at(rank)[1], r) ? rank : -1
  }

  /**
   * zzlFirstInLexRange / zslFirstInLexRange. A listpack is walked linearly, like Redis's listpack,
   * so members of different scores get Redis's answer; the tree answers by descent.
   */
  firstInLexRange(r: LexRange): number {
    if (lexRangeEmpty(r) || this.size === 0) return -1
    if (!lexGteMin(this.last[0], r) || !lexLteMax(this.first[0], r)) return -1
    if (this.members !== null) {
      const members = this.members
      for (let i = 0; i < members.length; i++) {
        if (lexGteMin(members[i]!, r)) return lexLteMax(members[i]!, r) ? i : -1
      }
      return -1
    }
    const rank = this.tree!.countWhile((m) => !lexGteMin(m, r))
    return rank < this.size && lexLteMax(this.at(rank)[0], r) ? rank : -1
  }

  /** zzlLastInLexRange / zslLastInLexRange. */
  lastInLexRange(r: LexRange): number {
    if (lexRangeEmpty(r) || this.size === 0) return -1
    if (!lexGteMin(this.last[0], r) || !lexLteMax(this.first[0], r)) return -1
    if (this.members !== null) {
      const members = this.members
      for (let i = members.length - 1; i >= 0; i--) {
        if (lexLteMax(members[i]!, r)) return lexGteMin(members[i]!, r) ? i : -1
      }
      return -1
    }
    const rank = this.tree!.countWhile((m) => lexLteMax(m, r)) - 1
    return rank >= 0 && lexGteMin(this.at(rank)[0], r) ? rank : -1
  }

  /** How many leading elements satisfy a predicate that holds up to a point of the order. */
  private countWhile(holds: (member: string, score: number) => boolean): number {
    if (this.members !== null) {
      const members = this.members
      const scores = this.scores!
      let lo = 0
      let hi = members.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (holds(members[mid]!, scores[mid]!)) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    return this.tree!.countWhile(holds)
  }

  /** Removes the elements of 0-based ranks start..end (valid, inclusive); returns how many. */
  deleteRankRange(start: number, end: number): number {
    if (this.members !== null) {
      for (let i = start; i <= end; i++) this.chars -= this.members[i]!.length
      this.members = this.members.toSpliced(start, end - start + 1)
      this.scores = this.scores!.toSpliced(start, end - start + 1)
      return end - start + 1
    }
    for (let i = start; i <= end; i++) {
      this.chars -= this.tree!.at(start)[0].length
      this.tree!.deleteAt(start)
    }
    return end - start + 1
  }

  /** From `first` on, removes elements while `within` holds; returns how many. */
  private deleteFrom(first: number, within: (member: string, score: number) => boolean): number {
    let end = first
    while (end < this.size && within(...this.at(end))) end++
    return end === first ? 0 : this.deleteRankRange(first, end - 1)
  }

  /** zzlDeleteRangeByScore / zslDeleteRangeByScore. */
  deleteScoreRange(r: ScoreRange): number {
    // the listpack starts from its first element in range, the tree (as Redis's skiplist) from the first not below min
    const first = this.members !== null ? this.firstInScoreRange(r) : this.countWhile((_m, s) => !scoreGteMin(s, r))
    if (first === -1) return 0
    return this.deleteFrom(first, (_m, s) => scoreLteMax(s, r))
  }

  /** zzlDeleteRangeByLex / zslDeleteRangeByLex. */
  deleteLexRange(r: LexRange): number {
    const first = this.members !== null ? this.firstInLexRange(r) : this.countWhile((m) => !lexGteMin(m, r))
    if (first === -1) return 0
    return this.deleteFrom(first, (m) => lexLteMax(m, r))
  }

  /**
   * The element at position `i` in [0, size) of an arbitrary but O(1) order (listpack position or
   * skiplist slot): uniform random picks and random subsets.
   */
  atPosition(i: number): readonly [string, number] {
    if (this.members !== null) return [this.members[i]!, this.scores![i]!]
    const member = this.tree!.slots[i]!
    return [member, this.tree!.dict.get(member)!.score]
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
    const tree = this.tree!
    const slots = tree.slots
    let position = cursor === 0 ? slots.length - 1 : Math.min(cursor - 1, slots.length - 1)
    let examined = 0
    while (position >= 0 && examined < count) {
      const member = slots[position]!
      visit(member, tree.dict.get(member)!.score)
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
    if (this.tree === null) return
    if (this.tree.length > limits.entries || maxMemberLength > limits.value) return
    const members: Array<string> = []
    const scores: Array<number> = []
    if (this.tree.length > 0) {
      this.tree.walk(0, false, (member, score) => {
        members.push(member)
        scores.push(listpackScore(score))
        return true
      })
    }
    this.members = members
    this.scores = scores
    this.tree = null
  }

  clone(): ZSetValue {
    if (this.members !== null) {
      const copy = ZSetValue.listpack()
      copy.members = this.members.slice()
      copy.scores = this.scores!.slice()
      copy.chars = this.chars
      return copy
    }
    const copy = ZSetValue.skiplist(this.tree!.capacity)
    if (this.size > 0) {
      this.tree!.walk(0, false, (member, score) => {
        copy.tree!.insert(score, member)
        return true
      })
    }
    copy.chars = this.chars
    return copy
  }

  heapBytes(): number {
    if (this.members !== null) return ZSET_LISTPACK + this.members.length * (SLOT + STRING_OVERHEAD + 8) + this.chars
    return 200 + this.tree!.length * ZSET_TREE_MEMBER + this.chars
  }

  memoryUsage(): number {
    let bytes = 48
    if (this.members !== null) {
      for (const m of this.members) bytes += m.length + 12
      return bytes + this.members.length * 8
    }
    // per member: its string, the leaf's two slots, the dict entry, the slots array
    for (const m of this.tree!.slots) bytes += m.length + 88
    return bytes
  }
}
