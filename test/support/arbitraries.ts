/** fast-check generators shared by the command-family tests: small key spaces make commands collide. */
import fc from "fast-check"

/** A few keys, so random commands hit the same keys and types clash (WRONGTYPE paths). */
export const key = fc.constantFrom("k1", "k2", "k3", "k4")

/** Bytes-as-latin1 values, including the awkward ones: empty, CRLF, NUL, high bytes, numbers. */
export const value = fc.oneof(
  fc.constantFrom("", "v", "hello world", "a\r\nb", "\u0000\u00ff", "0", "-1", "10", "3.14", "1e3", " 1", "01"),
  fc.string({ maxLength: 12 }).map((s) => Buffer.from(s, "utf8").latin1Slice(0, Buffer.byteLength(s, "utf8"))),
  fc.integer({ min: -1000, max: 1000 }).map(String)
)

/** Integer arguments as clients send them, valid and not. */
export const intArg = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.constantFrom(
    "0",
    "-0",
    "01",
    "+1",
    " 1",
    "1.5",
    "abc",
    "",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "4611686018427387904",
    "99999999999999999999"
  )
)

/** Float arguments, valid and not. */
export const floatArg = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom("0", "1.5", "-2.25", "1e3", "inf", "-inf", "+inf", "nan", "abc", "", " 1", "0x10", ".5", "5.", "1e400")
)

/** Case variations of a command or option name, as clients may send them. */
export const anyCase = (word: string) =>
  fc.constantFrom(word.toLowerCase(), word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1).toLowerCase())

/** The exact decimal expansion of k / 2^j (every binary fraction has a finite one). */
const dyadicDecimal = (k: bigint, j: number): string => {
  const negative = k < 0n
  const digits = ((negative ? -k : k) * 5n ** BigInt(j)).toString().padStart(j + 1, "0")
  const text = j === 0 ? digits : `${digits.slice(0, digits.length - j)}.${digits.slice(digits.length - j)}`
  return negative ? `-${text}` : text
}

/**
 * Numbers as INCRBYFLOAT/HINCRBYFLOAT receive them (strtold syntax), aimed at long double corners:
 * many significant digits, exponents near the format's limits, hexadecimal floats, values just
 * beyond 64 bits, binary fractions whose 17-decimal rounding is an exact tie, and invalid text.
 */
export const longDoubleText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(
    fc.constantFrom("", "-", "+"),
    fc.stringMatching(/^[0-9]{0,22}$/),
    fc.option(fc.stringMatching(/^[0-9]{0,22}$/), { nil: undefined }),
    fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined })
  ).map(([sign, whole, fraction, exponent]) =>
    `${sign}${whole.length === 0 && (fraction ?? "").length === 0 ? "0" : whole}${fraction === undefined ? "" : "." + fraction}${exponent === undefined ? "" : "e" + exponent}`
  ),
  fc.double({ noNaN: true }).map(String),
  fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.constantFrom(-4955, -4951, -4950, -4940, 4925, 4931, 4932, 4933))
    .map(([d, e]) => `${d}e${e}`),
  fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }).map(String),
  fc.tuple(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.integer({ min: 0, max: 80 })).map(([k, j]) => dyadicDecimal(k, j)),
  fc.tuple(fc.constantFrom("", "-"), fc.stringMatching(/^[0-9a-f]{0,20}$/), fc.stringMatching(/^[0-9a-f]{0,6}$/), fc.integer({ min: -16500, max: 16400 }))
    .map(([sign, whole, fraction, p]) => `${sign}0x${whole.length === 0 ? "1" : whole}${fraction.length === 0 ? "" : "." + fraction}p${p}`),
  fc.constantFrom("inf", "-inf", "Infinity", "nan", "", " 1", "1 ", "0x", "1e", ".", "-", "abc", "1.5.2", "0e-99999", "1e-99999", "1e99999")
)
