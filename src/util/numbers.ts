/**
 * Conversions between Redis's textual numbers and JS numbers, with Redis's exact rules.
 *
 * Redis parses integers with `string2ll` (no sign but '-', no leading zeros, no spaces, 64-bit range)
 * and doubles with `strtod` (decimal or hex, inf/infinity, rejecting NaN, spaces and trailing bytes).
 * Every command parses through these functions so that all commands accept and reject the same inputs.
 */

export const INT64_MAX = 9223372036854775807n
export const INT64_MIN = -9223372036854775808n
const INT64_MAX_STR = "9223372036854775807"
const INT64_MIN_ABS_STR = "9223372036854775808"

/** Exact test of Redis's `string2ll` syntax and range, without converting. */
export const isLongLong = (s: string): boolean => {
  const len = s.length
  if (len === 0 || len > 20) return false
  let i = 0
  const neg = s.charCodeAt(0) === 45 /* - */
  if (neg) {
    i = 1
    if (len === 1) return false
  }
  const first = s.charCodeAt(i)
  if (first === 48 /* 0 */) return len === 1 // "0" only; "-0", "01" are rejected like string2ll
  if (first < 49 || first > 57) return false
  for (let j = i + 1; j < len; j++) {
    const c = s.charCodeAt(j)
    if (c < 48 || c > 57) return false
  }
  const digits = len - i
  if (digits < 19) return true
  if (digits > 19) return false
  const abs = neg ? s.slice(1) : s
  return abs <= (neg ? INT64_MIN_ABS_STR : INT64_MAX_STR)
}

/**
 * `string2ll` as a JS number: exact for |n| <= 2^53, rounded beyond (callers that do 64-bit arithmetic
 * use `parseLongLongBig`). Returns undefined when Redis would reply "value is not an integer".
 */
export const parseLongLong = (s: string): number | undefined => {
  const len = s.length
  if (len > 0 && len < 16) {
    // fast path: at most 15 digits always fits and is exact
    let i = 0
    let neg = false
    if (s.charCodeAt(0) === 45) {
      if (len === 1) return undefined
      neg = true
      i = 1
    }
    const first = s.charCodeAt(i)
    if (first === 48) return len === 1 ? 0 : undefined
    if (first < 49 || first > 57) return undefined
    let n = first - 48
    for (let j = i + 1; j < len; j++) {
      const c = s.charCodeAt(j)
      if (c < 48 || c > 57) return undefined
      n = n * 10 + (c - 48)
    }
    return neg ? -n : n
  }
  return isLongLong(s) ? Number(s) : undefined
}

/** `string2ll` with exact 64-bit value. */
export const parseLongLongBig = (s: string): bigint | undefined => (isLongLong(s) ? BigInt(s) : undefined)

/** A value of a string key as an integer, the way INCR/DECR read it (same rules as string2ll). */
export const parseInteger = parseLongLong

/** Exact 64-bit addition; undefined on overflow (Redis: "increment or decrement would overflow"). */
export const addLongLong = (a: number | bigint, b: number | bigint): number | bigint | undefined => {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b
    if (Number.isSafeInteger(r) && Number.isSafeInteger(a) && Number.isSafeInteger(b)) return r
  }
  const r = BigInt(a) + BigInt(b)
  if (r > INT64_MAX || r < INT64_MIN) return undefined
  return Number.isSafeInteger(Number(r)) ? Number(r) : r
}

/** A value parsed by `parseLongLong`/`addLongLong` back to Redis's decimal form. */
export const formatLongLong = (n: number | bigint): string => (typeof n === "bigint" ? n.toString() : String(n))

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const HEX_FLOAT = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/
const INFINITY = /^([+-]?)(?:inf|infinity)$/i

/**
 * Redis's `string2d`/`getDoubleFromObject`: the whole string must be a strtod number, no leading
 * space, not NaN, and not out of range (strtod's ERANGE: overflow to infinity or underflow to zero;
 * a literal "inf" is fine). Returns undefined for "value is not a valid float".
 */
export const parseDouble = (s: string): number | undefined => {
  const len = s.length
  if (len === 0 || len > 5 * 1024) return undefined
  const c0 = s.charCodeAt(0)
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return undefined
  if (len <= 15) {
    // the common score, a short decimal integer: exact as a double, no regular expression needed
    const signed = c0 === 45 || c0 === 43 ? 1 : 0
    if (signed < len) {
      let n = 0
      let i = signed
      for (; i < len; i++) {
        const d = s.charCodeAt(i) - 48
        if (d < 0 || d > 9) break
        n = n * 10 + d
      }
      if (i === len) return c0 === 45 ? -n : n
    }
  }
  let value: number
  let mantissa: string
  if (DECIMAL_FLOAT.test(s)) {
    value = Number.parseFloat(s)
    // split only to tell an underflow from a zero: rare, and not worth an array per parse
    mantissa = value === 0 ? s.split(/[eE]/)[0]! : ""
  } else {
    const inf = INFINITY.exec(s)
    if (inf !== null) return inf[1] === "-" ? -Infinity : Infinity
    const hex = HEX_FLOAT.exec(s)
    if (hex === null) return undefined
    value = parseHexFloat(hex[1]!, hex[2]!, hex[3])
    mantissa = hex[2]!
  }
  if (!Number.isFinite(value)) return undefined // overflow (ERANGE, HUGE_VAL)
  // underflow to zero (ERANGE): a non-zero digit in the mantissa
  if (value === 0 && /[1-9a-fA-F]/.test(mantissa)) return undefined
  return value
}

const parseHexFloat = (sign: string, mantissa: string, exponent: string | undefined): number => {
  const dot = mantissa.indexOf(".")
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1)
  const fracDigits = dot === -1 ? 0 : mantissa.length - dot - 1
  const m = digits.length === 0 ? 0n : BigInt("0x" + digits)
  const e = (exponent === undefined ? 0 : Number(exponent)) - 4 * fracDigits
  // BigInt -> Number rounds to nearest; scaling by a power of two is exact unless it under/overflows
  const value = Number(m) * 2 ** e
  return sign === "-" ? -value : value
}

/**
 * C's `printf("%.17g", d)`, which Redis 7.0 uses for every double it replies with (ZSCORE, RESP3
 * doubles, INCRBYFLOAT's sibling HINCRBYFLOAT stores long doubles instead, see longdouble.ts).
 */
export const formatDouble = (d: number): string => {
  if (d === 0) return Object.is(d, -0) ? "-0" : "0"
  if (!Number.isFinite(d)) return Number.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf"
  return formatG(d, 17)
}

/** `%.<precision>g` for a finite non-zero double. */
export const formatG = (d: number, precision: number): string => {
  const expForm = d.toExponential(precision - 1) // correctly rounded digits, e.g. "-1.1000000000000001e+0"
  const eAt = expForm.indexOf("e")
  const exp = Number(expForm.slice(eAt + 1))
  const negative = expForm.charCodeAt(0) === 45
  const digits = expForm.slice(negative ? 1 : 0, eAt).replace(".", "")
  const sign = negative ? "-" : ""
  if (exp < -4 || exp >= precision) {
    const frac = stripZeros(digits.slice(1))
    const e = Math.abs(exp)
    return `${sign}${digits[0]}${frac.length > 0 ? "." + frac : ""}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" + e : e}`
  }
  if (exp >= 0) {
    const int = digits.slice(0, exp + 1)
    const frac = stripZeros(digits.slice(exp + 1))
    return `${sign}${int}${frac.length > 0 ? "." + frac : ""}`
  }
  const frac = stripZeros("0".repeat(-exp - 1) + digits)
  return `${sign}0.${frac}`
}

const stripZeros = (s: string): string => {
  let end = s.length
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--
  return s.slice(0, end)
}
