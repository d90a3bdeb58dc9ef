/**
 * The x87 long double emulation: exact-arithmetic properties (parsing rounds correctly, addition
 * rounds once, printing is the exact value rounded to 17 decimals), checked with rational arithmetic
 * on BigInts; and the whole INCRBYFLOAT computation against a real redis-server for random operands.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  ceilLongDouble,
  scaleLongDouble,
  addLongDouble,
  formatLongDouble,
  isFiniteLongDouble,
  type LongDouble,
  longDoubleFromBigInt,
  parseLongDouble
} from "../../src/util/longdouble.ts"
import { longDoubleText } from "../support/arbitraries.ts"
import { describeDifferential } from "../support/differential.ts"

/** INCRBYFLOAT's reply for a stored value and an increment, by the module. */
const incrByFloat = (stored: string, increment: string): string => {
  const a = parseLongDouble(stored)
  const b = parseLongDouble(increment)
  if (a === undefined || b === undefined) return "-ERR value is not a valid float"
  const sum = addLongDouble(a, b)
  if (!isFiniteLongDouble(sum)) return "-ERR increment would produce NaN or Infinity"
  return formatLongDouble(sum)
}

/** A finite value as an exact fraction num / den (den a power of two). */
const asFraction = (x: LongDouble): { num: bigint; den: bigint } => {
  if (x.kind !== "finite") throw new Error("not finite")
  const m = x.negative ? -x.mantissa : x.mantissa
  return x.exponent >= 0 ? { num: m << BigInt(x.exponent), den: 1n } : { num: m, den: 1n << BigInt(-x.exponent) }
}

/** A decimal literal (no exponent beyond +-60) as an exact fraction. */
const decimalFraction = (s: string): { num: bigint; den: bigint } => {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(s)!
  const fraction = match[3] ?? ""
  const exponent = Number(match[4] ?? "0") - fraction.length
  const digits = BigInt((match[2] ?? "") + fraction || "0") * (match[1] === "-" ? -1n : 1n)
  return exponent >= 0 ? { num: digits * 10n ** BigInt(exponent), den: 1n } : { num: digits, den: 10n ** BigInt(-exponent) }
}

const abs = (n: bigint) => (n < 0n ? -n : n)

/** n * 2^e as a C99 hexadecimal float literal. */
const hexFloat = (n: bigint, e: number): string => `${n < 0n ? "-" : ""}0x${abs(n).toString(16)}p${e}`

/** The weight of the last mantissa bit of x: no finite long double lies strictly between x and x +- ulp. */
const ulp = (x: LongDouble): { num: bigint; den: bigint } => {
  if (x.kind !== "finite") throw new Error("not finite")
  const bits = x.mantissa.toString(2).length
  // a normalized mantissa has 64 bits; a shorter one stands for the same value with trailing zeros
  const e = Math.max(x.exponent - (64 - bits), -16445)
  return e >= 0 ? { num: 1n << BigInt(e), den: 1n } : { num: 1n, den: 1n << BigInt(-e) }
}

describe("long double emulation", () => {
  it("gives Redis's answers where doubles do not", () => {
    expect(incrByFloat("10.5", "0.1")).toBe("10.6")
    expect(incrByFloat("0.1", "0.2")).toBe("0.3")
    expect(incrByFloat("0", "123456789012345678901234567890")).toBe("123456789012345678899921813504")
    expect(incrByFloat("0", "18446744073709551617")).toBe("18446744073709551616")
    // 2^-18 has 18 decimals ending in 5: glibc rounds the tie to even
    expect(incrByFloat("0", "0.000003814697265625")).toBe("0.00000381469726562")
    expect(incrByFloat("0", "0x1.fffffffffffffffffp0")).toBe("2")
    expect(incrByFloat("0", "-0.000000000000000001")).toBe("0")
    expect(incrByFloat("1.18e4932", "1.18e4932")).toBe("-ERR increment would produce NaN or Infinity")
    expect(incrByFloat("0", "1.5e-4951")).toBe("-ERR value is not a valid float")
    expect(incrByFloat("0", "3e-4951")).toBe("0")
    expect(incrByFloat("0", "0e-99999")).toBe("0")
    expect(incrByFloat("inf", "-inf")).toBe("-ERR increment would produce NaN or Infinity")
    expect(incrByFloat("0", "1".padStart(5120, "0"))).toBe("-ERR value is not a valid float")
    expect(incrByFloat("0", "1".padStart(5119, "0"))).toBe("1")
  })

  it("holds every 64-bit integer exactly", () =>
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }), (n) => {
        expect(formatLongDouble(longDoubleFromBigInt(n))).toBe(n.toString())
        expect(formatLongDouble(parseLongDouble(n.toString())!)).toBe(n.toString())
      }),
      { numRuns: 300 }
    ))

  it("parses decimals to the nearest long double", () =>
    fc.assert(
      fc.property(
        fc.tuple(fc.stringMatching(/^-?[0-9]{1,30}$/), fc.stringMatching(/^[0-9]{0,30}$/), fc.integer({ min: -60, max: 60 })),
        ([whole, fraction, e]) => {
          const text = `${whole}.${fraction}e${e}`
          const x = parseLongDouble(text)!
          const exact = decimalFraction(text)
          const value = asFraction(x)
          const u = ulp(x)
          // |exact - value| <= ulp / 2, cross-multiplied to stay in integers
          const error = abs(exact.num * value.den - value.num * exact.den) * u.den * 2n
          expect(error <= u.num * exact.den * value.den).toBe(true)
        }
      ),
      { numRuns: 300 }
    ))

  it("adds with one rounding: sums of values with few bits are exact", () =>
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
        fc.integer({ min: -30, max: 30 }),
        fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
        fc.integer({ min: -30, max: 30 }),
        (a, ea, b, eb) => {
          const x = parseLongDouble(hexFloat(a, ea))!
          const y = parseLongDouble(hexFloat(b, eb))!
          const sum = asFraction(addLongDouble(x, y))
          const fx = asFraction(x)
          const fy = asFraction(y)
          // where the exact sum needs at most 64 significant bits, no rounding may happen
          const exactNum = fx.num * fy.den + fy.num * fx.den
          const exactDen = fx.den * fy.den
          const bitsNeeded = abs(exactNum).toString(2).replace(/0+$/, "").length
          if (bitsNeeded <= 64) expect(sum.num * exactDen).toBe(exactNum * sum.den)
          expect(formatLongDouble(addLongDouble(x, y))).toBe(formatLongDouble(addLongDouble(y, x)))
        }
      ),
      { numRuns: 300 }
    ))

  it("prints the exact value rounded to 17 decimals, trailing zeros dropped", () =>
    fc.assert(
      fc.property(longDoubleText, (text) => {
        const x = parseLongDouble(text)
        if (x === undefined || x.kind !== "finite") return
        const printed = formatLongDouble(x)
        expect(printed).toMatch(/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]{0,16}[1-9])?$/)
        expect(printed).not.toBe("-0")
        // |printed - x| <= 0.5e-17
        const p = decimalFraction(printed)
        const v = asFraction(x)
        const error = abs(p.num * v.den - v.num * p.den) * 2n * 10n ** 17n
        expect(error <= p.den * v.den).toBe(true)
      }),
      { numRuns: 500 }
    ))

  it("rejects what strtold does not read completely, NaN, and out-of-range literals", () => {
    for (const text of ["", " 1", "1 ", "1\u0000", "0x", "0xp1", "1e", "1e+", ".", "-", "nan", "NaN(1)", "1_0", "1.5.2", "1e5000", "-1e5000", "1e-5000", "0x1p16384", "0x1p-16447"]) {
      expect(parseLongDouble(text), JSON.stringify(text)).toBeUndefined()
    }
    for (const text of ["inf", "-INF", "+Infinity", "0x1p16383", "0x1p-16445", ".5", "5.", "+.5e+1", "0X1P+2", "1E3", "0e-99999"]) {
      expect(parseLongDouble(text), JSON.stringify(text)).toBeDefined()
    }
  })
})

describeDifferential("long double emulation against Redis's INCRBYFLOAT", (servers) => {
  it("random stored values and increments give Redis's reply", async () => {
    const { theirs } = servers()
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(longDoubleText, longDoubleText), { minLength: 20, maxLength: 20 }), async (pairs) => {
        const commands = pairs.flatMap(([stored, increment], i) => [["SET", `k${i}`, stored], ["INCRBYFLOAT", `k${i}`, increment]])
        const replies = await theirs.pipeline(commands)
        pairs.forEach(([stored, increment], i) => {
          const reply = replies[2 * i + 1]!
          const redis = reply.raw.startsWith("-") ? reply.raw.trimEnd() : String(reply.value)
          expect({ stored, increment, reply: incrByFloat(stored, increment) }).toEqual({ stored, increment, reply: redis })
        })
      }),
      { numRuns: 100 }
    )
  })
})

describe("scaleLongDouble and ceilLongDouble (blocking timeouts: ceill(seconds * 1000.0))", () => {
  const ms = (s: string) => ceilLongDouble(scaleLongDouble(parseLongDouble(s)!, 1000n))
  it.each([
    ["1.5", 1500n],
    ["0.0001", 1n], // rounds up to 1 ms
    ["-0.0001", 0n], // towards zero: forever, not negative
    ["0.001", 1n], // the long double product rounds to exactly 1, an exact product would give 2
    ["1e-400", 1n], // below a double's range, not a long double's
    ["-2.5", -2500n],
    ["0x10", 16000n]
  ] as const)("%s s -> %s ms", (s, expected) => expect(ms(s)).toBe(expected))

  it("has no ceiling for infinities", () => expect(ms("inf")).toBeUndefined())

  it("is the ceiling of the rounded product for random values", () =>
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (d) => {
      const exact = ceilLongDouble(scaleLongDouble(parseLongDouble(String(d))!, 1000n))!
      // a double times 1000 is exact in 64 bits up to rounding, so compare with a double estimate
      expect(Math.abs(Number(exact) - Math.ceil(d * 1000))).toBeLessThanOrEqual(1)
    })))
})
