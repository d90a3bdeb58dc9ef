/**
 * SORT and SORT_RO (sort.c): sorting lists, sets and sorted sets by their elements or by weights read
 * from other keys (BY pattern, hash fields with `->`), GET patterns, LIMIT, ASC/DESC, ALPHA, STORE.
 *
 * The order is Redis's: numeric sorts compare scores and break ties by the elements' bytes; ALPHA
 * compares as C strings (strcoll in the C locale: up to the first NUL byte), or by bytes with STORE.
 * Equal elements keep their load order (glibc's qsort is a stable merge sort), except with BY and a
 * LIMIT, where Redis's partial quicksort (pqsort.c) decides, and so does its port below.
 */
import { HashValue } from "../keyspace/HashValue.ts"
import { ListValue } from "../keyspace/ListValue.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import { SetValue } from "../keyspace/SetValue.ts"
import { ZSetValue } from "../keyspace/ZSetValue.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, optionName } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "generic"

// --- strtod, as SORT reads weights ----------------------------------------------------------------

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/
const INFINITE = /^([+-]?)(?:inf|infinity)$/i
const DBL_MIN = 2.2250738585072014e-308

const hexValue = (sign: string, mantissa: string, exponent: string | undefined): number | undefined => {
  const dot = mantissa.indexOf(".")
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1)
  let m = digits.length === 0 ? 0n : BigInt("0x" + digits)
  let e = (exponent === undefined ? 0 : Number(exponent)) - 4 * (dot === -1 ? 0 : mantissa.length - dot - 1)
  if (m === 0n) return sign === "-" ? -0 : 0
  // normalize to at most 53 significant bits, keeping the value exact or noting it is not
  let exact = true
  while (m >= 1n << 64n) {
    if ((m & 1n) !== 0n) exact = false
    m >>= 1n
    e++
  }
  const value = Number(m) * 2 ** e
  if (!Number.isFinite(value)) return undefined
  if (Math.abs(value) < DBL_MIN) {
    // tiny: ERANGE unless the value is exactly representable
    if (!exact || value === 0 || BigInt(Math.round(value / 2 ** e)) !== m) return undefined
  }
  return sign === "-" ? -value : value
}

/**
 * A weight as SORT reads it: strtod over the C string (up to a NUL byte), leading white space allowed,
 * nothing after the number; NaN, overflow and underflow (ERANGE) are errors. "" reads as 0.
 */
const sortWeight = (s: string): number | undefined => {
  const nul = s.indexOf("\0")
  const text = nul === -1 ? s : s.slice(0, nul)
  if (text.length === 0) return 0
  if (text.length <= 10) {
    // the common case, a short plain integer
    let i = text.charCodeAt(0) === 45 ? 1 : 0
    if (i < text.length) {
      let n = 0
      for (; i < text.length; i++) {
        const d = text.charCodeAt(i) - 48
        if (d < 0 || d > 9) break
        n = n * 10 + d
      }
      if (i === text.length) return text.charCodeAt(0) === 45 ? -n : n
    }
  }
  let start = 0
  while (start < text.length) {
    const c = text.charCodeAt(start)
    if (c !== 32 && (c < 9 || c > 13)) break
    start++
  }
  const body = start === 0 ? text : text.slice(start)
  if (DECIMAL.test(body)) {
    const value = Number.parseFloat(body)
    if (!Number.isFinite(value)) return undefined
    if (value === 0) return /[1-9]/.test(body.split(/[eE]/)[0]!) ? undefined : value
    return Math.abs(value) < DBL_MIN ? undefined : value
  }
  const inf = INFINITE.exec(body)
  if (inf !== null) return inf[1] === "-" ? -Infinity : Infinity
  const hex = HEX.exec(body)
  if (hex !== null) return hexValue(hex[1]!, hex[2]!, hex[3])
  return undefined
}

// --- patterns -------------------------------------------------------------------------------------

/** A C string's bytes: up to the first NUL. */
const cString = (s: string): string => {
  const nul = s.indexOf("\0")
  return nul === -1 ? s : s.slice(0, nul)
}

/**
 * lookupKeyByPattern: the string the pattern names for an element: `#` is the element itself; the
 * first `*` is replaced by the element to name a key, holding a string, or a hash when the pattern
 * goes on with `->field`. Undefined when the pattern has no `*`, or the key or field is missing or of
 * another type.
 */
const lookupByPattern = (ctx: CommandContext, pattern: string, element: string): string | undefined => {
  if (pattern.charCodeAt(0) === 35 /* # */ && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return element
  const c = cString(pattern)
  const star = c.indexOf("*")
  if (star === -1) return undefined
  const arrow = c.indexOf("->", star + 1)
  const hasField = arrow !== -1 && arrow + 2 < c.length
  const field = hasField ? pattern.slice(arrow + 2) : undefined
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, hasField ? arrow : pattern.length)
  const value = ctx.db.lookupRead(key)
  if (value === undefined) return undefined
  if (field !== undefined) return value instanceof HashValue ? value.get(field) : undefined
  return typeof value === "string" ? value : undefined
}

// --- the comparator and pqsort --------------------------------------------------------------------

interface SortItem {
  readonly element: string
  score: number
  /** ALPHA with BY: the weight string, undefined when the key or field is missing. */
  weight: string | undefined
}

const byteCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
/** strcoll in the C locale: strcmp, which stops at a NUL byte. */
const collate = (a: string, b: string): number => byteCompare(cString(a), cString(b))

/** sortCompare, with its mode fixed. */
const comparator = (alpha: boolean, byPattern: boolean, store: boolean, desc: boolean) => {
  const text = store ? byteCompare : collate
  const compare = !alpha
    ? (a: SortItem, b: SortItem): number =>
      a.score > b.score ? 1 : a.score < b.score ? -1 : byteCompare(a.element, b.element)
    : byPattern
    ? (a: SortItem, b: SortItem): number =>
      a.weight === undefined || b.weight === undefined
        ? a.weight === b.weight ? 0 : a.weight === undefined ? -1 : 1
        : text(a.weight, b.weight)
    : (a: SortItem, b: SortItem): number => text(a.element, b.element)
  return desc ? (a: SortItem, b: SortItem): number => -compare(a, b) : compare
}

type Compare = (a: SortItem, b: SortItem) => number

const swap = (v: Array<SortItem>, i: number, j: number): void => {
  const t = v[i]!
  v[i] = v[j]!
  v[j] = t
}

const vecswap = (v: Array<SortItem>, i: number, j: number, n: number): void => {
  for (let k = 0; k < n; k++) swap(v, i + k, j + k)
}

const med3 = (v: Array<SortItem>, a: number, b: number, c: number, cmp: Compare): number =>
  cmp(v[a]!, v[b]!) < 0
    ? cmp(v[b]!, v[c]!) < 0 ? b : cmp(v[a]!, v[c]!) < 0 ? c : a
    : cmp(v[b]!, v[c]!) > 0 ? b : cmp(v[a]!, v[c]!) < 0 ? a : c

/**
 * pqsort.c: the BSD quicksort (median of three, of nine above 40 elements, three-way partition) that
 * only recurses into parts overlapping [left, right]. Elements that compare equal end up where its
 * partitioning leaves them, so this is the same algorithm step for step.
 */
const pqsort = (v: Array<SortItem>, a: number, n: number, cmp: Compare, left: number, right: number): void => {
  for (;;) {
    if (n < 7) {
      for (let pm = a + 1; pm < a + n; pm++) {
        for (let pl = pm; pl > a && cmp(v[pl - 1]!, v[pl]!) > 0; pl--) swap(v, pl, pl - 1)
      }
      return
    }
    let pm = a + Math.floor(n / 2)
    if (n > 7) {
      let pl = a
      let pn = a + n - 1
      if (n > 40) {
        const d = Math.floor(n / 8)
        pl = med3(v, pl, pl + d, pl + 2 * d, cmp)
        pm = med3(v, pm - d, pm, pm + d, cmp)
        pn = med3(v, pn - 2 * d, pn - d, pn, cmp)
      }
      pm = med3(v, pl, pm, pn, cmp)
    }
    swap(v, a, pm)
    let pa = a + 1
    let pb = a + 1
    let pc = a + n - 1
    let pd = a + n - 1
    for (;;) {
      let r: number
      while (pb <= pc && (r = cmp(v[pb]!, v[a]!)) <= 0) {
        if (r === 0) swap(v, pa++, pb)
        pb++
      }
      while (pb <= pc && (r = cmp(v[pc]!, v[a]!)) >= 0) {
        if (r === 0) swap(v, pc, pd--)
        pc--
      }
      if (pb > pc) break
      swap(v, pb++, pc--)
    }
    const pn = a + n
    let r = Math.min(pa - a, pb - pa)
    vecswap(v, a, pb - r, r)
    r = Math.min(pd - pc, pn - pd - 1)
    vecswap(v, pb, pn - r, r)
    const outside = (lo: number, hi: number): boolean => (left < lo && right < lo) || (left > hi && right > hi)
    if ((r = pb - pa) > 1 && !outside(a, a + r - 1)) pqsort(v, a, r, cmp, left, right)
    if ((r = pd - pc) > 1) {
      a = pn - r
      n = r
      if (!outside(a, a + r - 1)) continue
    }
    return
  }
}

// --- SORT -----------------------------------------------------------------------------------------

const sort = (ctx: CommandContext, argv: ReadonlyArray<string>, readonly: boolean): void => {
  let desc = false
  let alpha = false
  let limitStart = 0
  let limitCount = -1
  let storeKey: string | undefined
  let sortBy: string | undefined
  let dontSort = false
  const gets: Array<string> = []
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1
    const option = optionName(argv[j]!)
    if (option === "asc") {
      desc = false
    } else if (option === "desc") {
      desc = true
    } else if (option === "alpha") {
      alpha = true
    } else if (option === "limit" && left >= 2) {
      const start = intArg(ctx.reply, argv[j + 1]!)
      if (start === undefined) return
      const count = intArg(ctx.reply, argv[j + 2]!)
      if (count === undefined) return
      limitStart = start
      limitCount = count
      j += 2
    } else if (!readonly && option === "store" && left >= 1) {
      storeKey = argv[++j]!
    } else if (option === "by" && left >= 1) {
      sortBy = argv[++j]!
      // a pattern without '*' names no key: nothing to sort by (and a later BY does not undo it)
      if (!cString(sortBy).includes("*")) dontSort = true
    } else if (option === "get" && left >= 1) {
      gets.push(argv[++j]!)
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
  }

  const value = ctx.db.lookupRead(argv[1]!)
  if (value !== undefined && !(value instanceof ListValue || value instanceof SetValue || value instanceof ZSetValue)) {
    return ctx.reply.error(Errors.WRONGTYPE)
  }
  // a set has no order of its own: sorted anyway when the result is stored or a script asks
  if (dontSort && value instanceof SetValue && (storeKey !== undefined || ctx.client.kind === "script")) {
    dontSort = false
    alpha = true
    sortBy = undefined
  }
  if (value instanceof ZSetValue && value.isListpack) {
    // Redis sorts from the skiplist, converting a listpack set for good (even for SORT_RO)
    ctx.db.willModify(argv[1]!)
    value.convertToSkiplist()
  }
  const length = value === undefined ? 0 : value.size
  let start = Math.min(Math.max(limitStart, 0), length)
  const count = Math.min(Math.max(limitCount, -1), length)
  let end = count < 0 ? length - 1 : start + count - 1
  if (start >= length) {
    start = length - 1
    end = length - 2
  }
  if (end >= length) end = length - 1

  // the elements, in the order they are loaded; a list or sorted set that needs no sort loads its range
  let items: Array<SortItem>
  const item = (element: string): SortItem => ({ element, score: 0, weight: undefined })
  if (value === undefined) {
    items = []
  } else if (dontSort && (value instanceof ListValue || value instanceof ZSetValue)) {
    items = []
    if (end >= start) {
      if (value instanceof ListValue) {
        for (let i = start; i <= end; i++) items.push(item(value.at(desc ? length - 1 - i : i)!))
      } else {
        value.walk(desc ? length - 1 - start : start, desc, (member) => {
          items.push(item(member))
          return items.length < end - start + 1
        })
      }
      end -= start
      start = 0
    }
  } else if (value instanceof ListValue) {
    items = value.toArray().map(item)
  } else if (value instanceof SetValue) {
    items = value.members().map(item)
  } else {
    items = []
    ;(value as ZSetValue).walk(0, false, (member) => {
      items.push(item(member))
      return true
    })
  }

  let conversionError = false
  if (!dontSort) {
    for (const it of items) {
      let by: string | undefined = it.element
      if (sortBy !== undefined) {
        by = lookupByPattern(ctx, sortBy, it.element)
        if (by === undefined) continue
      }
      if (alpha) {
        if (sortBy !== undefined) it.weight = by
      } else {
        const score = sortWeight(by)
        if (score === undefined) {
          conversionError = true
          it.score = Number.NaN
        } else {
          it.score = score
        }
      }
    }
    const cmp = comparator(alpha, sortBy !== undefined, storeKey !== undefined, desc)
    if (sortBy !== undefined && (start !== 0 || end !== items.length - 1)) {
      pqsort(items, 0, items.length, cmp, start, end)
    } else {
      items.sort(cmp)
    }
  }

  const ranged = end - start + 1
  const outputLength = gets.length > 0 ? gets.length * ranged : ranged
  if (conversionError) return ctx.reply.error(Errors.SORT_SCORE_NOT_DOUBLE)
  if (storeKey === undefined) {
    const reply = ctx.reply
    reply.arrayHeader(outputLength)
    for (let j = start; j <= end; j++) {
      const element = items[j]!.element
      if (gets.length === 0) reply.bulk(element)
      for (const pattern of gets) reply.bulkOrNull(lookupByPattern(ctx, pattern, element))
    }
    return
  }
  const list = new ListValue(Math.max(outputLength, 4))
  for (let j = start; j <= end; j++) {
    const element = items[j]!.element
    if (gets.length === 0) list.pushTail(element)
    for (const pattern of gets) list.pushTail(lookupByPattern(ctx, pattern, element) ?? "")
  }
  if (outputLength > 0) {
    ctx.db.set(storeKey, list)
    ctx.signalWrite(NotifyClass.list, "sortstore", storeKey)
    ctx.addDirty(outputLength - 1)
  } else if (ctx.db.delete(storeKey)) {
    ctx.signalWrite(NotifyClass.generic, "del", storeKey)
  }
  ctx.reply.integer(outputLength)
}

/**
 * sortGetKeys: the sorted key, and the last STORE's target. Options are skipped with their arguments
 * (LIMIT 2, GET and BY 1); any other word is taken as an option without arguments.
 */
const sortKeys = (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  let store = -1
  for (let i = 2; i < argv.length; i++) {
    const option = optionName(argv[i]!)
    if (option === "limit") i += 2
    else if (option === "get" || option === "by") i += 1
    else if (option === "store" && i + 1 < argv.length) store = i + 1
  }
  return store === -1 ? [1] : [1, store]
}

const COMPLEXITY =
  "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."

export const sortCommands = [
  defineCommand({
    name: "sort",
    arity: -2,
    flags: "write denyoom movablekeys",
    keys: [1, 1, 1],
    acl: "@write @set @sortedset @list @slow @dangerous",
    getKeys: sortKeys,
    docs: { summary: "Sort the elements in a list, set or sorted set", since: "1.0.0", group, complexity: COMPLEXITY },
    handler: (ctx, argv) => sort(ctx, argv, false)
  }),
  defineCommand({
    name: "sort_ro",
    arity: -2,
    flags: "readonly movablekeys",
    keys: [1, 1, 1],
    acl: "@read @set @sortedset @list @slow @dangerous",
    docs: {
      summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
      since: "7.0.0",
      group,
      complexity: COMPLEXITY
    },
    handler: (ctx, argv) => sort(ctx, argv, true)
  })
]
