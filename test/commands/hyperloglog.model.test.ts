/**
 * Model-based property test of the HyperLogLog commands: random PFADD, PFMERGE and PFCOUNT sequences
 * against a model of the 16384 registers, computed from a BigInt MurmurHash64A written from the
 * published algorithm (register = low 14 bits of the hash, value = 1 + the zeros above them). After
 * every command each key's registers are read back (PFDEBUG DECODE while sparse, GETREG once dense)
 * and must be the model's; PFADD answers 1 exactly when it created the key or raised a register; a
 * sparse HLL never holds a register above 32 nor grows past hll-sparse-max-bytes; PFCOUNT stays within
 * a few percent of the exact number of distinct elements.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { RawConnection } from "../support/raw.ts"
import { connectedServer } from "../support/server.ts"

const MASK = (1n << 64n) - 1n

const murmur = (s: string): bigint => {
  const bytes = Buffer.from(s, "latin1")
  const m = 0xc6a4a7935bd1e995n
  let h = (0xadc83b19n ^ (BigInt(bytes.length) * m)) & MASK
  const blocks = bytes.length - (bytes.length % 8)
  for (let i = 0; i < blocks; i += 8) {
    let k = bytes.readBigUInt64LE(i)
    k = (k * m) & MASK
    k ^= k >> 47n
    k = (k * m) & MASK
    h = ((h ^ k) * m) & MASK
  }
  for (let j = bytes.length % 8 - 1; j >= 0; j--) h ^= BigInt(bytes[blocks + j]!) << BigInt(8 * j)
  if (bytes.length % 8 > 0) h = (h * m) & MASK
  h ^= h >> 47n
  h = (h * m) & MASK
  return h ^ (h >> 47n)
}

const registerOf = (element: string): readonly [number, number] => {
  const h = murmur(element)
  let rest = (h >> 14n) | (1n << 50n)
  let value = 1
  while ((rest & 1n) === 0n) {
    value++
    rest >>= 1n
  }
  return [Number(h & 16383n), value]
}

interface Hll {
  readonly registers: Uint8Array
  readonly elements: Set<string>
}

const keys = ["h1", "h2", "h3"] as const
const key = fc.constantFrom(...keys)
const element = fc.oneof(
  fc.constantFrom("a", "b", "", "\u0000", "x\u00ff"),
  fc.integer({ min: 0, max: 3000 }).map((n) => `e${n}`)
)
const op: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(key, fc.array(element, { maxLength: 8 })).map(([k, es]) => ["PFADD", k, ...es]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 50, max: 400 })).map(([k, from, n]) => ["PFADD", k, ...Array.from({ length: n }, (_, i) => `b${from + i}`)]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.array(key, { maxLength: 3 })).map(([d, ss]) => ["PFMERGE", d, ...ss]) },
  { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ["PFCOUNT", ...ks]) }
)

/** The registers a PFDEBUG DECODE text describes. */
const decoded = (text: string): Uint8Array => {
  const registers = new Uint8Array(16384)
  let i = 0
  for (const part of text.split(" ")) {
    const [kind, rest] = part.split(":") as [string, string]
    if (kind === "v") {
      const [value, run] = rest.split(",").map(Number) as [number, number]
      registers.fill(value, i, i + run)
      i += run
    } else {
      i += Number(rest)
    }
  }
  expect(i).toBe(16384)
  return registers
}

const checkKeys = async (conn: RawConnection, model: Map<string, Hll>, maxBytes: number): Promise<void> => {
  for (const k of keys) {
    const hll = model.get(k)
    const [encoding, length] = (await conn.pipeline([["PFDEBUG", "ENCODING", k], ["STRLEN", k]])).map((r) => r.value)
    if (hll === undefined) {
      expect(length).toBe(0)
      continue
    }
    let registers: Uint8Array
    if (encoding === "sparse") {
      expect(length as number).toBeLessThanOrEqual(Math.max(maxBytes, 18))
      registers = decoded(String((await conn.call("PFDEBUG", "DECODE", k)).value))
      expect(Math.max(...registers)).toBeLessThanOrEqual(32)
    } else {
      expect([encoding, length]).toEqual(["dense", 12304])
      registers = Uint8Array.from((await conn.call("PFDEBUG", "GETREG", k)).value as ReadonlyArray<number>)
    }
    expect(registers.join(), `registers of ${k}`).toBe(hll.registers.join())
  }
}

describe("HyperLogLog commands against a model of the registers", () => {
  const connection = connectedServer()

  for (const maxBytes of [3000, 60]) {
    it(`random sequences with hll-sparse-max-bytes ${maxBytes}`, async () => {
      const conn = connection()
      await conn.call("CONFIG", "SET", "hll-sparse-max-bytes", String(maxBytes))
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          await conn.call("FLUSHALL")
          const model = new Map<string, Hll>()
          const of = (k: string): Hll => model.get(k) ?? { registers: new Uint8Array(16384), elements: new Set() }
          for (const argv of ops) {
            const reply = (await conn.call(...argv)).value
            const [name, k] = argv as [string, string]
            if (name === "PFADD") {
              const hll = of(k)
              let changed = !model.has(k)
              for (const e of argv.slice(2)) {
                const [index, value] = registerOf(e)
                if (value > hll.registers[index]!) {
                  hll.registers[index] = value
                  changed = true
                }
                hll.elements.add(e)
              }
              model.set(k, hll)
              expect(reply).toBe(changed ? 1 : 0)
            } else if (name === "PFMERGE") {
              const target: Hll = { registers: new Uint8Array(16384), elements: new Set() }
              for (const source of argv.slice(1)) {
                const s = model.get(source)
                if (s === undefined) continue
                for (let i = 0; i < 16384; i++) target.registers[i] = Math.max(target.registers[i]!, s.registers[i]!)
                for (const e of s.elements) target.elements.add(e)
              }
              model.set(k, target)
              expect(reply).toBe("OK")
            } else {
              const union = new Set<string>()
              for (const source of argv.slice(1)) for (const e of model.get(source)?.elements ?? []) union.add(e)
              const count = reply as number
              expect(Math.abs(count - union.size), `${count} for ${union.size} elements`).toBeLessThanOrEqual(Math.max(2, union.size * 0.03))
            }
            await checkKeys(conn, model, maxBytes)
          }
        }),
        { numRuns: 40 }
      )
      await conn.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
    }, 120_000)
  }
})
