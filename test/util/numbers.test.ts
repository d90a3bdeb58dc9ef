/** Number parsing and formatting with Redis's (C's) exact rules. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { addLongLong, formatDouble, isLongLong, parseDouble, parseLongLong, parseLongLongBig } from "../../src/util/numbers.ts"

/** `printf("%.17g")` outputs produced by C's printf (through Python's % operator), an independent oracle. */
const printf17g: ReadonlyArray<readonly [number, string]> = [
  [0.1, "0.10000000000000001"],
  [1.1, "1.1000000000000001"],
  [-2.5, "-2.5"],
  [1e+21, "1e+21"],
  [1e-05, "1.0000000000000001e-05"],
  [123456789012345678, "1.2345678901234568e+17"],
  [0.3333333333333333, "0.33333333333333331"],
  [9007199254740992, "9007199254740992"],
  [-1e-300, "-1e-300"],
  [5e-324, "4.9406564584124654e-324"],
  [1.7976931348623157e+308, "1.7976931348623157e+308"],
  [100.0, "100"],
  [1e+16, "10000000000000000"],
  [1e+17, "1e+17"],
  [0.0001, "0.0001"],
  [1e-05, "1.0000000000000001e-05"],
  [3.0, "3"],
  [-0.5, "-0.5"],
  [12345.678, "12345.678"],
  [0.0001, "0.0001"],
  [9.999999999999998e+16, "99999999999999984"],
  [-1.989032661366619e+244, "-1.989032661366619e+244"],
  [7.761117632285041e+178, "7.761117632285041e+178"],
  [3.980498358697587e-249, "3.980498358697587e-249"],
  [-1.5432835417340557e+88, "-1.5432835417340557e+88"],
  [1.3647584518757569e-192, "1.3647584518757569e-192"],
  [-1.3701135617873088e-206, "-1.3701135617873088e-206"],
  [-1.7160537630466207e+197, "-1.7160537630466207e+197"],
  [6.294675241195386e-44, "6.2946752411953861e-44"],
  [1.0613447212142254e-202, "1.0613447212142254e-202"],
  [4.708325160387546e+207, "4.7083251603875462e+207"],
  [6.387016158513563e-12, "6.3870161585135632e-12"],
  [-9.973130378568733e-246, "-9.9731303785687331e-246"],
  [8.779753225680271e-236, "8.7797532256802712e-236"],
  [-5.795503248498993e-228, "-5.7955032484989932e-228"],
  [-5.988180159386011e+243, "-5.9881801593860111e+243"],
  [-1.306052388527796e-147, "-1.3060523885277959e-147"],
  [-2.436117699484841e-206, "-2.4361176994848409e-206"],
  [2.233386999150174e-232, "2.2333869991501741e-232"],
  [-3.51527970626667e-203, "-3.5152797062666699e-203"],
  [1.5987381841032883e-247, "1.5987381841032883e-247"]

]

describe("formatDouble (%.17g)", () => {
  it.each(printf17g)("%s -> %s", (d, text) => expect(formatDouble(d)).toBe(text))

  it("formats infinities and zeros as Redis does", () => {
    expect(formatDouble(Infinity)).toBe("inf")
    expect(formatDouble(-Infinity)).toBe("-inf")
    expect(formatDouble(0)).toBe("0")
    expect(formatDouble(-0)).toBe("-0")
  })

  it("round-trips every finite double", () =>
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      expect(Object.is(parseDouble(formatDouble(d)), d)).toBe(true)
    }), { numRuns: 5000 }))
})

describe("parseDouble (strtod + Redis's checks)", () => {
  it.each([
    ["1.5", 1.5],
    ["-2", -2],
    ["+3", 3],
    [".5", 0.5],
    ["5.", 5],
    ["1e3", 1000],
    ["1E-2", 0.01],
    ["inf", Infinity],
    ["-INF", -Infinity],
    ["+infinity", Infinity],
    ["0x10", 16],
    ["0x1p3", 8],
    ["-0x1.8p1", -3],
    ["1e-310", 1e-310],
    ["0e-400", 0]
  ] as const)("accepts %j", (s, v) => expect(parseDouble(s)).toBe(v))

  it("reads decimal integers (the fast path) exactly as strtod does, signs, zeros and lengths around 15", () =>
    fc.assert(
      fc.property(
        fc.constantFrom("", "-", "+"),
        fc.stringMatching(/^[0-9]{1,20}$/),
        fc.constantFrom("", "", "x", ".", "e2", " "),
        (sign, digits, tail) => {
          const s = sign + digits + tail
          const expected = tail === "x" || tail === " " ? undefined : Number.parseFloat(s)
          expect(Object.is(parseDouble(s), expected), s).toBe(true)
        }
      ),
      { numRuns: 3000 }
    ))

  it.each(["", " 1", "1 ", "abc", "nan", "1.2.3", "e5", "--1", "0x", "1e", "1_0", "\u00001", "1e400", "-1e400", "1e-400", "0x1p2000"])("rejects %j", (s) =>
    expect(parseDouble(s)).toBeUndefined())
})

describe("parseLongLong (string2ll)", () => {
  it.each([
    ["0", 0],
    ["-1", -1],
    ["123", 123],
    ["9007199254740991", 9007199254740991]
  ] as const)("accepts %j", (s, v) => expect(parseLongLong(s)).toBe(v))

  it.each(["", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "abc", "9223372036854775808", "-9223372036854775809", "123456789012345678901"])(
    "rejects %j",
    (s) => expect(parseLongLong(s)).toBeUndefined()
  )

  it("is exact across the whole 64-bit range through BigInt", () =>
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
      expect(isLongLong(n.toString())).toBe(true)
      expect(parseLongLongBig(n.toString())).toBe(n)
    })))

  it("rejects everything outside the 64-bit range", () =>
    fc.assert(fc.property(fc.bigInt({ min: 2n ** 63n, max: 2n ** 80n }), fc.boolean(), (n, negative) => {
      const s = (negative ? -(n + 1n) : n).toString()
      expect(isLongLong(s)).toBe(false)
    })))

  it("adds exactly and detects overflow", () =>
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (a, b) => {
      const sum = a + b
      const got = addLongLong(a, b)
      if (sum > 2n ** 63n - 1n || sum < -(2n ** 63n)) expect(got).toBeUndefined()
      else expect(BigInt(got!)).toBe(sum)
    })))
})
