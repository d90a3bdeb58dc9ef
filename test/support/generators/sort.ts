/**
 * Random SORT / SORT_RO commands and the writes that feed them, for the differential suites. Sources:
 * lists `l1` `l2` (any elements, duplicates and NUL bytes included: their load order is the list's),
 * an intset `i1`, a set of strings `s1` and a sorted set `z1` (whose load order in Redis is its hash
 * table's: so no ALPHA with BY on them, where ties keep that order, nor BY without '*' on `s1`, which
 * replies in that order). Weights `w_<element>` (strings) and hashes `h_<element>` (field `f`).
 */
import fc from "fast-check"
import { anyCase } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

// Redis's SORT checks errno after strtod without clearing it first: an out-of-range weight ("1e400")
// leaves ERANGE behind, and until some failing syscall overwrites it (an EAGAIN read, at a time that
// depends on the network) every later numeric SORT in that process may answer "One or more scores
// can't be converted into double". So no out-of-range numbers here, and no empty strings (the case
// the stale errno decided first); see ARCHITECTURE's known differences
const listElement = fc.constantFrom("a", "b", "c", "B", "1", "2", "10", "-1", "2.5", "a\u0000x", "a\u0000y", "\u00ff", " 3", "x")
const setElement = fc.constantFrom("a", "b", "c", "B", "1", "2", "10", "-1", "2.5", "\u00ff", "x", "yy", "3e2")
const intElement = fc.constantFrom("1", "2", "3", "10", "-5", "100", "0", "7")
const weight = fc.constantFrom("1", "2", "2", "-1", "2.5", "0", "abc", " 3", "inf", "-inf", "nan", "0x10", "10", "b", "a", "1\u0000z")

const weightKey = fc.oneof(listElement, setElement).map((e) => `w_${e}`)
const hashKey = fc.oneof(listElement, setElement).map((e) => `h_${e}`)

export const sortWrite: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("l1", "l2"), fc.array(listElement, { minLength: 1, maxLength: 8 })).map(([k, es]) => ["RPUSH", k, ...es]) },
  { weight: 2, arbitrary: fc.array(setElement, { minLength: 1, maxLength: 8 }).map((es) => ["SADD", "s1", ...es]) },
  { weight: 1, arbitrary: fc.array(intElement, { minLength: 1, maxLength: 6 }).map((es) => ["SADD", "i1", ...es]) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }).map(String), setElement), { minLength: 1, maxLength: 6 }).map((ps) => ["ZADD", "z1", ...ps.flat()]) },
  { weight: 4, arbitrary: fc.tuple(weightKey, weight).map(([k, w]) => ["SET", k, w]) },
  { weight: 2, arbitrary: fc.tuple(hashKey, fc.constantFrom("f", "g"), weight).map(([k, f, w]) => ["HSET", k, f, w]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("LPUSH", "SADD"), weightKey, fc.constant("x")) },
  { weight: 1, arbitrary: fc.constant(["SET", "str", "v"]) }
)

type Source = "list" | "intset" | "set" | "zset" | "other"
const source: fc.Arbitrary<readonly [string, Source]> = fc.constantFrom(
  ["l1", "list"],
  ["l2", "list"],
  ["i1", "intset"],
  ["s1", "set"],
  ["z1", "zset"],
  ["missing", "list"],
  ["str", "other"],
  ["w_a", "other"]
)

const byPattern = fc.constantFrom("w_*", "h_*->f", "h_*->g", "nosort", "w_*->", "x*y", "w_\u0000*")
const getPattern = fc.constantFrom("#", "w_*", "h_*->f", "h_*->", "nostar", "#\u0000x", "*")

const option: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  anyCase("asc").map((o) => [o]),
  anyCase("desc").map((o) => [o]),
  anyCase("alpha").map((o) => [o]),
  fc.tuple(anyCase("limit"), fc.integer({ min: -2, max: 8 }).map(String), fc.integer({ min: -2, max: 8 }).map(String)),
  fc.tuple(anyCase("by"), byPattern),
  fc.tuple(anyCase("get"), getPattern),
  fc.tuple(anyCase("store"), fc.constantFrom("dst", "l2", "str")),
  fc.constantFrom(["limit", "x", "1"], ["limit", "0"], ["bogus"], ["by"], ["get"])
)

/** SORT or SORT_RO with options that keep Redis's answer independent of its hash tables. */
export const sortCommand: fc.Arbitrary<Command> = fc
  .tuple(fc.constantFrom("SORT", "sort", "SORT_RO"), source, fc.array(option, { maxLength: 5 }))
  .filter(([, [, type], options]) => {
    if (type !== "set" && type !== "zset") return true
    // read the options as SORT does: the last BY wins
    const flat = options.flat()
    let pattern: string | undefined
    let dontSort = false
    let alpha = false
    let store = false
    for (let j = 0; j < flat.length; j++) {
      const o = flat[j]!.toLowerCase()
      const left = flat.length - j - 1
      if (o === "alpha") alpha = true
      else if (o === "limit" && left >= 2) j += 2
      else if (o === "store" && left >= 1) store = true, j++
      else if (o === "by" && left >= 1) {
        pattern = flat[++j]!
        if (!pattern.split("\u0000")[0]!.includes("*")) dontSort = true
      }
      else if (o === "get" && left >= 1) j++
    }
    if (pattern === undefined) return true
    const sorts = !dontSort
    if (sorts && alpha) return false
    if (type === "set" && !sorts && !store) return false
    return true
  })
  .map(([c, [k], options]) => [c, k, ...options.flat()])

export const sortSequence: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .tuple(
    fc.array(sortWrite, { minLength: 3, maxLength: 15 }),
    fc.array(fc.oneof({ weight: 3, arbitrary: sortCommand }, { weight: 1, arbitrary: sortWrite }, { weight: 1, arbitrary: fc.constant(["LRANGE", "dst", "0", "-1"]) }), { minLength: 1, maxLength: 10 })
  )
  .map(([writes, rest]) => [...writes, ...rest])

/**
 * Sequences whose SORTs read only lists and intsets (their load order is Redis's too): the BY and GET
 * lookups, hence the "keymiss" events, happen in the same order.
 */
export const listSortSequence: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .tuple(
    fc.array(sortWrite, { minLength: 3, maxLength: 12 }),
    fc.array(sortCommand.filter((c) => ["l1", "l2", "i1", "missing", "str"].includes(c[1]!)), { minLength: 1, maxLength: 6 })
  )
  .map(([writes, sorts]) => [...writes, ...sorts])
