/**
 * Property test of strings changed in place (their byte form, see src/keyspace/StoredString.ts):
 * random SETBIT, SETRANGE, APPEND, BITFIELD, SET and PFADD interleaved with the reads that turn the
 * bytes back into a string or read them as bytes (GET, GETRANGE, STRLEN, GETBIT, BITCOUNT, DUMP
 * restored under another key, PFCOUNT) and with keyspace snapshots (what BGSAVE writes) walked while
 * the writes go on. Bitmap keys are checked against a model of plain byte arrays written from the
 * commands' documentation; HLL keys against the set of elements added (the eight elements used fall
 * in distinct registers, so counts are exact). Every reply must be the model's, each snapshot must
 * yield the values of its instant, and the memory accounting must match a recount afterwards.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { storedBytes } from "../../src/keyspace/Database.ts"
import { EXPIRE_OVERHEAD, keyBytes } from "../../src/keyspace/memory.ts"
import { StoredString } from "../../src/keyspace/StoredString.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { type Driver, T0, withDriver } from "./snapshot-support.ts"

type Argv = ReadonlyArray<string>
const bitKey = fc.constantFrom("s1", "s2")
const hllKey = fc.constantFrom("h1", "h2")
const offset = fc.integer({ min: 0, max: 90 })
const text = fc.constantFrom("", "a", "xyz", "\u00ff\u0000\u0080", "0123456789abcdef0123")
const element = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h")

type Step =
  | { readonly kind: "command"; readonly argv: Argv }
  | { readonly kind: "snapshot" }
  | { readonly kind: "walk"; readonly n: number }

const command: fc.Arbitrary<Argv> = fc.oneof(
  fc.tuple(bitKey, offset, fc.constantFrom("0", "1")).map(([k, o, b]) => ["SETBIT", k, String(o), b]),
  fc.tuple(bitKey, fc.integer({ min: 0, max: 20 }), text).map(([k, o, v]) => ["SETRANGE", k, String(o), v]),
  fc.tuple(bitKey, text).map(([k, v]) => ["APPEND", k, v]),
  fc.tuple(bitKey, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 255 })).map(([k, i, v]) => ["BITFIELD", k, "SET", "u8", `#${i}`, String(v)]),
  fc.tuple(bitKey, text).map(([k, v]) => ["SET", k, v]),
  fc.tuple(bitKey).map(([k]) => ["DEL", k]),
  fc.tuple(bitKey).map(([k]) => ["GET", k]),
  fc.tuple(bitKey, fc.integer({ min: -12, max: 12 }), fc.integer({ min: -12, max: 12 })).map(([k, a, b]) => ["GETRANGE", k, String(a), String(b)]),
  fc.tuple(bitKey).map(([k]) => ["STRLEN", k]),
  fc.tuple(bitKey, offset).map(([k, o]) => ["GETBIT", k, String(o)]),
  fc.tuple(bitKey).map(([k]) => ["BITCOUNT", k]),
  fc.tuple(bitKey, fc.integer({ min: -6, max: 6 }), fc.integer({ min: -6, max: 6 })).map(([k, a, b]) => ["BITCOUNT", k, String(a), String(b)]),
  fc.tuple(bitKey).map(([k]) => ["DUMP", k]),
  fc.tuple(hllKey, fc.array(element, { maxLength: 3 })).map(([k, es]) => ["PFADD", k, ...es]),
  fc.tuple(hllKey).map(([k]) => ["PFCOUNT", k]),
  fc.tuple(hllKey).map(([k]) => ["GET", k]),
  fc.tuple(hllKey).map(([k]) => ["DUMP", k])
)

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: command.map((argv) => ({ kind: "command" as const, argv })) },
  { weight: 1, arbitrary: fc.constant({ kind: "snapshot" as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 }).map((n) => ({ kind: "walk" as const, n })) }
)

const latin1 = (bytes: ReadonlyArray<number>): string => String.fromCharCode(...bytes)
const bytesOf = (s: string): Array<number> => Array.from(s, (c) => c.charCodeAt(0))
const popcount = (bytes: ReadonlyArray<number>): number =>
  bytes.reduce((n, b) => n + b.toString(2).split("").filter((c) => c === "1").length, 0)
/** Documented range semantics: negative indexes count from the end, then clamp to [0, length - 1]. */
const clamp = (start: number, end: number, length: number): readonly [number, number] => {
  const s = Math.max(0, start < 0 ? length + start : start)
  const e = Math.min(length - 1, Math.max(0, end < 0 ? length + end : end))
  return [s, e]
}

/** The model: bitmap keys as byte arrays, HLL keys as the elements added. */
class Model {
  readonly bits = new Map<string, Array<number>>()
  readonly hlls = new Map<string, Set<string>>()

  /** The reply the model expects, applying the command; `undefined` where it only checks the shape. */
  apply(argv: Argv): Reply | undefined {
    const [name, key] = [argv[0]!, argv[1]!]
    const bytes = this.bits.get(key)
    const grow = (length: number): Array<number> => {
      const b = bytes ?? []
      while (b.length < length) b.push(0)
      this.bits.set(key, b)
      return b
    }
    switch (name) {
      case "SETBIT": {
        const o = Number(argv[2])
        const b = grow((o >> 3) + 1)
        const old = (b[o >> 3]! >> (7 - (o & 7))) & 1
        const mask = 1 << (7 - (o & 7))
        b[o >> 3] = argv[3] === "1" ? b[o >> 3]! | mask : b[o >> 3]! & ~mask
        return old
      }
      case "SETRANGE": {
        const o = Number(argv[2])
        const v = bytesOf(argv[3]!)
        if (v.length === 0) return bytes?.length ?? 0
        const b = grow(o + v.length)
        v.forEach((c, i) => (b[o + i] = c))
        return b.length
      }
      case "APPEND": {
        const b = grow(0)
        b.push(...bytesOf(argv[2]!))
        return b.length
      }
      case "BITFIELD": {
        const i = Number(argv[4]!.slice(1))
        const b = grow(i + 1)
        const old = b[i]!
        b[i] = Number(argv[5])
        return [old]
      }
      case "SET":
        this.bits.set(key, bytesOf(argv[2]!))
        return "OK"
      case "DEL":
        return this.bits.delete(key) ? 1 : 0
      case "GET":
        if (key.startsWith("h")) return undefined
        return bytes === undefined ? null : latin1(bytes)
      case "GETRANGE": {
        if (bytes === undefined || bytes.length === 0) return ""
        const [s, e] = clamp(Number(argv[2]), Number(argv[3]), bytes.length)
        if (Number(argv[2]) < 0 && Number(argv[3]) < 0 && Number(argv[2]) > Number(argv[3])) return ""
        return s > e ? "" : latin1(bytes.slice(s, e + 1))
      }
      case "STRLEN":
        return bytes?.length ?? 0
      case "GETBIT": {
        const o = Number(argv[2])
        return ((bytes?.[o >> 3] ?? 0) >> (7 - (o & 7))) & 1
      }
      case "BITCOUNT": {
        if (bytes === undefined) return 0
        if (argv.length === 2) return popcount(bytes)
        const [a, b] = [Number(argv[2]), Number(argv[3])]
        if (a < 0 && b < 0 && a > b) return 0
        const [s, e] = clamp(a, b, bytes.length)
        return s > e ? 0 : popcount(bytes.slice(s, e + 1))
      }
      case "PFADD": {
        let set = this.hlls.get(key)
        let changed = false
        if (set === undefined) {
          this.hlls.set(key, set = new Set())
          changed = true
        }
        for (const e of argv.slice(2)) {
          if (!set.has(e)) changed = true
          set.add(e)
        }
        return changed ? 1 : 0
      }
      case "PFCOUNT":
        return this.hlls.get(key)?.size ?? 0
      default:
        return undefined
    }
  }
}

/** What a key holds, read through the commands (independent of the snapshot code). */
const read = (driver: Driver, key: string): string | null => driver.call("GET", key) as string | null

/** Restores a DUMP payload under a scratch key and reads it back. */
const restored = (driver: Driver, payload: string): string => {
  assert.strictEqual(driver.call("RESTORE", "scratch", "0", payload, "REPLACE"), "OK")
  const value = read(driver, "scratch")!
  driver.call("DEL", "scratch")
  return value
}

const KEYS = ["s1", "s2", "h1", "h2"]

describe("strings changed in place against a model of byte arrays", () => {
  it.effect("every reply, every DUMP and every snapshot matches the model", () =>
    withDriver((driver) => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 80, size: "max" }), (steps) => {
          driver.reset(T0)
          const model = new Model()
          let snapshot: ReturnType<typeof driver.keyspace.snapshot> | undefined
          let expected = new Map<string, string>()
          const yielded = new Map<string, string>()
          const walk = (n: number): void => {
            for (let i = 0; i < n && snapshot !== undefined; i++) {
              const entry = snapshot.next()
              if (entry === undefined) break
              yielded.set(entry.key, entry.value as string)
            }
          }
          const finish = (): void => {
            if (snapshot === undefined) return
            walk(Infinity)
            snapshot.release()
            snapshot = undefined
            assert.deepStrictEqual(yielded, expected)
          }
          for (const s of steps) {
            if (s.kind === "walk") {
              walk(s.n)
            } else if (s.kind === "snapshot") {
              finish()
              yielded.clear()
              expected = new Map()
              for (const k of KEYS) {
                const v = read(driver, k)
                if (v !== null) expected.set(k, v)
              }
              for (const [k, b] of model.bits) assert.strictEqual(expected.get(k), latin1(b), k)
              snapshot = driver.keyspace.snapshot()
            } else {
              const reply = driver.call(...s.argv)
              const want = model.apply(s.argv)
              const key = s.argv[1]!
              if (s.argv[0] === "DUMP") {
                const now = key.startsWith("h") ? read(driver, key) : model.bits.has(key) ? latin1(model.bits.get(key)!) : null
                if (now === null) assert.isNull(reply)
                else assert.strictEqual(restored(driver, reply as string), now, `DUMP ${key}`)
              } else if (s.argv[0] === "GET" && key.startsWith("h")) {
                if (model.hlls.has(key)) assert.strictEqual((reply as string).slice(0, 4), "HYLL")
                else assert.isNull(reply)
              } else {
                assert.deepStrictEqual(reply, want, s.argv.join(" "))
              }
            }
          }
          finish()
          // the accounting of values in byte form matches a recount
          driver.keyspace.reconcile()
          for (const db of driver.keyspace.dbs) {
            let recount = 0
            for (const [key, stored] of db.entries) {
              recount += keyBytes(key) + storedBytes(stored)
              if (stored instanceof StoredString && typeof stored.value !== "string") {
                assert.strictEqual(stored.value.accounted, stored.value.heapBytes(), key)
              }
            }
            assert.strictEqual(db.memory, recount + db.expires.size * EXPIRE_OVERHEAD)
          }
        }),
        { numRuns: 400 }
      )
    }))
})
