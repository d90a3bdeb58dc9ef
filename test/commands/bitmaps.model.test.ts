/**
 * Model-based property test of the bitmap commands: random sequences of SETBIT, GETBIT, BITCOUNT,
 * BITPOS, BITOP, BITFIELD (every overflow mode, signed and unsigned widths 1..64), SET, APPEND and
 * LPUSH run against this server and against a plain model, written from the commands' documentation:
 * a key is an array of bits (bit 0 is the most significant bit of the first byte), and every command is
 * defined bit by bit. Every reply must be the model's, and after every command every key must hold
 * exactly the model's bytes.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { RawConnection } from "../support/raw.ts"
import { connectedServer } from "../support/server.ts"

type Slot = { readonly type: "string"; bytes: Array<number> } | { readonly type: "list" }
type Model = Map<string, Slot>

const keys = ["b1", "b2", "b3"] as const
const key = fc.constantFrom(...keys)
const WRONGTYPE = { error: "WRONGTYPE Operation against a key holding the wrong kind of value" }

const bitAt = (bytes: ReadonlyArray<number>, i: number): number => ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1

/** Grows `bytes` with zero bytes so that bit `i` exists. */
const reach = (bytes: Array<number>, i: number): void => {
  while (bytes.length <= i >> 3) bytes.push(0)
}

const writeBit = (bytes: Array<number>, i: number, bit: number): void => {
  reach(bytes, i)
  const mask = 1 << (7 - (i & 7))
  bytes[i >> 3] = bit === 1 ? bytes[i >> 3]! | mask : bytes[i >> 3]! & ~mask
}

/** Documented range semantics: negative indexes count from the end, then clamp to [0, total - 1]. */
const range = (start: number, end: number, total: number): readonly [number, number] => {
  const s = Math.max(0, start < 0 ? total + start : start)
  const e = Math.min(total - 1, Math.max(0, end < 0 ? total + end : end))
  return [s, e]
}

type Field = { readonly signed: boolean; readonly bits: number }
const fieldRange = (f: Field): readonly [bigint, bigint] =>
  f.signed ? [-(1n << BigInt(f.bits - 1)), (1n << BigInt(f.bits - 1)) - 1n] : [0n, (1n << BigInt(f.bits)) - 1n]

const readField = (bytes: ReadonlyArray<number>, offset: number, f: Field): bigint => {
  let v = 0n
  for (let j = 0; j < f.bits; j++) v = v * 2n + BigInt(bitAt(bytes, offset + j))
  if (f.signed && v >= 1n << BigInt(f.bits - 1)) v -= 1n << BigInt(f.bits)
  return v
}

const writeField = (bytes: Array<number>, offset: number, f: Field, value: bigint): void => {
  let v = ((value % (1n << BigInt(f.bits))) + (1n << BigInt(f.bits))) % (1n << BigInt(f.bits))
  for (let j = f.bits - 1; j >= 0; j--) {
    writeBit(bytes, offset + j, Number(v & 1n))
    v >>= 1n
  }
}

/** What a BITFIELD write stores for `target` under an overflow mode; undefined for FAIL. */
const overflowed = (target: bigint, f: Field, mode: string): bigint | undefined => {
  const [min, max] = fieldRange(f)
  if (target >= min && target <= max) return target
  if (mode === "FAIL") return undefined
  if (mode === "SAT") return target > max ? max : min
  const size = 1n << BigInt(f.bits)
  const wrapped = ((target - min) % size + size) % size + min
  return wrapped
}

// --- operations -----------------------------------------------------------------------------------

const smallOffset = fc.integer({ min: 0, max: 40 })
const index = fc.integer({ min: -12, max: 12 })
const fieldType = fc.oneof(
  fc.record({ signed: fc.boolean(), bits: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ signed: fc.boolean(), bits: fc.integer({ min: 1, max: 63 }) }),
  fc.constant({ signed: true, bits: 64 })
).map((f) => ({ signed: f.signed, bits: f.bits }))
const fieldValue = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map(BigInt),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 0n, -1n)
)
type BitfieldSub =
  | { readonly op: "GET"; readonly type: Field; readonly offset: number; readonly hash: boolean }
  | { readonly op: "SET" | "INCRBY"; readonly type: Field; readonly offset: number; readonly hash: boolean; readonly value: bigint }
  | { readonly op: "OVERFLOW"; readonly mode: "WRAP" | "SAT" | "FAIL" }
const bitfieldSub: fc.Arbitrary<BitfieldSub> = fc.oneof(
  fc.record({ op: fc.constant("GET" as const), type: fieldType, offset: smallOffset, hash: fc.boolean() }),
  fc.record({ op: fc.constantFrom("SET" as const, "INCRBY" as const), type: fieldType, offset: smallOffset, hash: fc.boolean(), value: fieldValue }),
  fc.record({ op: fc.constant("OVERFLOW" as const), mode: fc.constantFrom("WRAP" as const, "SAT" as const, "FAIL" as const) })
)
const typeName = (f: Field) => `${f.signed ? "i" : "u"}${f.bits}`
const unit = fc.constantFrom(undefined, "BIT", "BYTE", "bit")

const op: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(key, smallOffset, fc.constantFrom("0", "1")).map(([k, o, b]) => ["SETBIT", k, String(o), b]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.integer({ min: 0, max: 60 })).map(([k, o]) => ["GETBIT", k, String(o)]) },
  { weight: 1, arbitrary: key.map((k) => ["BITCOUNT", k]) },
  { weight: 3, arbitrary: fc.tuple(key, index, index, unit).map(([k, s, e, u]) => ["BITCOUNT", k, String(s), String(e), ...(u === undefined ? [] : [u])]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom("0", "1")).map(([k, b]) => ["BITPOS", k, b]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom("0", "1"), index).map(([k, b, s]) => ["BITPOS", k, b, String(s)]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.constantFrom("0", "1"), index, index, unit).map(([k, b, s, e, u]) => ["BITPOS", k, b, String(s), String(e), ...(u === undefined ? [] : [u])]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("AND", "OR", "XOR"), key, fc.array(key, { minLength: 1, maxLength: 3 })).map(([o, d, ks]) => ["BITOP", o, d, ...ks]) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([d, s]) => ["BITOP", "NOT", d, s]) },
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom("BITFIELD", "BITFIELD_RO"), key, fc.array(bitfieldSub, { maxLength: 4 })).map(([c, k, subs]) => [
      c,
      k,
      ...subs.flatMap((s) => {
        if (s.op === "OVERFLOW") return ["OVERFLOW", s.mode]
        const offset = s.hash ? `#${Math.floor(s.offset / 4)}` : String(s.offset)
        return s.op === "GET" ? ["GET", typeName(s.type), offset] : [s.op, typeName(s.type), offset, String(s.value)]
      })
    ])
  },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom("", "a", "\u00ff\u0000", "foobar")).map(([k, v]) => ["SET", k, v]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom("x", "\u0080")).map(([k, v]) => ["APPEND", k, v]) },
  { weight: 1, arbitrary: key.map((k) => ["LPUSH", k, "e"]) },
  { weight: 1, arbitrary: key.map((k) => ["DEL", k]) }
)

type Expected = bigint | null | { readonly error: string } | ReadonlyArray<Expected> | "OK"

/** Applies one command to the model and returns the reply it predicts. */
const apply = (model: Model, argv: ReadonlyArray<string>): Expected => {
  const name = argv[0]!
  const k = argv[1]!
  const slot = model.get(k)
  const bytesOf = (s: Slot | undefined): Array<number> | undefined => (s?.type === "string" ? s.bytes : undefined)
  switch (name) {
    case "SET":
      model.set(k, { type: "string", bytes: [...Buffer.from(argv[2]!, "latin1")] })
      return "OK"
    case "DEL":
      return BigInt(model.delete(k) ? 1 : 0)
    case "LPUSH":
      if (slot?.type === "string") return WRONGTYPE
      model.set(k, { type: "list" })
      return 0n // not compared
    case "APPEND": {
      if (slot?.type === "list") return WRONGTYPE
      const bytes = [...(bytesOf(slot) ?? []), ...Buffer.from(argv[2]!, "latin1")]
      model.set(k, { type: "string", bytes })
      return BigInt(bytes.length)
    }
    case "SETBIT": {
      if (slot?.type === "list") return WRONGTYPE
      const bytes = bytesOf(slot) ?? []
      const i = Number(argv[2])
      const old = bitAt(bytes, i)
      writeBit(bytes, i, Number(argv[3]))
      model.set(k, { type: "string", bytes })
      return BigInt(old)
    }
    case "GETBIT":
      if (slot?.type === "list") return WRONGTYPE
      return BigInt(bitAt(bytesOf(slot) ?? [], Number(argv[2])))
    case "BITCOUNT": {
      if (slot?.type === "list") return WRONGTYPE
      const bytes = bytesOf(slot) ?? []
      const bitUnit = argv[4]?.toUpperCase() === "BIT"
      const total = bitUnit ? bytes.length * 8 : bytes.length
      // two negative indexes in the wrong order are an empty range, before any clamping
      if (argv.length > 2 && Number(argv[2]) < 0 && Number(argv[3]) < 0 && Number(argv[2]) > Number(argv[3])) return 0n
      const [s, e] = argv.length === 2 ? [0, total - 1] : range(Number(argv[2]), Number(argv[3]), total)
      let count = 0
      for (let b = s; b <= e; b++) {
        if (bitUnit) count += bitAt(bytes, b)
        else for (let j = 0; j < 8; j++) count += bitAt(bytes, b * 8 + j)
      }
      return BigInt(count)
    }
    case "BITPOS": {
      if (slot?.type === "list") return WRONGTYPE
      const bit = Number(argv[2])
      if (slot === undefined) return bit === 1 ? -1n : 0n
      const bytes = slot.bytes
      const bitUnit = argv[5]?.toUpperCase() === "BIT"
      const total = bitUnit ? bytes.length * 8 : bytes.length
      const endGiven = argv.length >= 5
      const [s, e] = range(argv.length >= 4 ? Number(argv[3]) : 0, endGiven ? Number(argv[4]) : total - 1, total)
      if (s > e) return -1n
      const [from, to] = bitUnit ? [s, e] : [s * 8, e * 8 + 7]
      for (let i = from; i <= to; i++) if (bitAt(bytes, i) === bit) return BigInt(i)
      // no clear bit: the string continues with zeros, unless an end was given
      return bit === 1 || endGiven ? -1n : BigInt(bytes.length * 8)
    }
    case "BITOP": {
      const sources = argv.slice(3).map((s) => model.get(s))
      if (sources.some((s) => s?.type === "list")) return WRONGTYPE
      const inputs = sources.map((s) => bytesOf(s) ?? [])
      const length = Math.max(...inputs.map((b) => b.length))
      const op = argv[1]!
      const out: Array<number> = []
      for (let i = 0; i < length; i++) {
        const column = inputs.map((b) => b[i] ?? 0)
        out.push(
          op === "NOT"
            ? ~column[0]! & 0xff
            : column.reduce((a, b) => (op === "AND" ? a & b : op === "OR" ? a | b : a ^ b))
        )
      }
      if (length === 0) model.delete(argv[2]!)
      else model.set(argv[2]!, { type: "string", bytes: out })
      return BigInt(length)
    }
    case "BITFIELD":
    case "BITFIELD_RO": {
      const subs: Array<{ op: string; type: Field; offset: number; value: bigint; mode: string }> = []
      let mode = "WRAP"
      for (let j = 2; j < argv.length;) {
        const sub = argv[j]!
        if (sub === "OVERFLOW") {
          mode = argv[j + 1]!
          j += 2
          continue
        }
        const t = argv[j + 1]!
        const type = { signed: t[0] === "i", bits: Number(t.slice(1)) }
        const o = argv[j + 2]!
        const offset = o.startsWith("#") ? Number(o.slice(1)) * type.bits : Number(o)
        subs.push({ op: sub, type, offset, value: sub === "GET" ? 0n : BigInt(argv[j + 3]!), mode })
        j += sub === "GET" ? 3 : 4
      }
      const writes = subs.some((s) => s.op !== "GET")
      if (writes && name === "BITFIELD_RO") return { error: "ERR BITFIELD_RO only supports the GET subcommand" }
      if (slot?.type === "list") return WRONGTYPE
      if (!writes) return subs.map((s) => readField(bytesOf(slot) ?? [], s.offset, s.type))
      const bytes = bytesOf(slot) ?? []
      // the string grows to hold every field written, failed writes included
      for (const s of subs) if (s.op !== "GET") reach(bytes, s.offset + s.type.bits - 1)
      model.set(k, { type: "string", bytes })
      return subs.map((s) => {
        const old = readField(bytes, s.offset, s.type)
        if (s.op === "GET") return old
        // an unsigned field reads SET's value as an unsigned 64-bit integer
        const target = s.op === "INCRBY" ? old + s.value : !s.type.signed && s.value < 0n ? s.value + (1n << 64n) : s.value
        const stored = overflowed(target, s.type, s.mode)
        if (stored === undefined) return null
        writeField(bytes, s.offset, s.type, stored)
        return s.op === "INCRBY" ? stored : old
      })
    }
  }
  throw new Error(`no model for ${name}`)
}

const normalize = (value: unknown): unknown => {
  if (value instanceof Error) return { error: value.message }
  if (typeof value === "number") return BigInt(value)
  if (Array.isArray(value)) return value.map(normalize)
  return value
}

const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x))

const check = async (conn: RawConnection, model: Model, argv: ReadonlyArray<string>): Promise<void> => {
  const expected = apply(model, argv)
  const actual = normalize((await conn.call(...argv)).value)
  if (argv[0] !== "LPUSH") expect(show(actual), show(argv)).toBe(show(expected))
  const stored = await conn.pipeline(keys.map((k) => ["GET", k]))
  keys.forEach((k, i) => {
    const slot = model.get(k)
    const value = stored[i]!.value
    if (slot?.type === "list") expect(value instanceof Error).toBe(true)
    else expect(value, `${k} after ${show(argv)}`).toBe(slot === undefined ? null : Buffer.from(slot.bytes).latin1Slice(0, slot.bytes.length))
  })
}

describe("bitmap commands against a model", () => {
  const connection = connectedServer()

  it("random sequences: every reply and every stored value", async () => {
    const conn = connection()
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        await conn.call("FLUSHALL")
        const model: Model = new Map()
        for (const argv of ops) await check(conn, model, argv)
      }),
      { numRuns: 300 }
    )
  })
})
