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
