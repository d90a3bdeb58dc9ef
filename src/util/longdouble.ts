/**
 * Exact emulation of the x87 80-bit `long double` that Redis computes INCRBYFLOAT and HINCRBYFLOAT
 * with: `strtold` to parse, one addition, `printf("%.17Lf")` to print. A JS double has 53 bits of
 * mantissa where the x87 format has 64, so doubles give other answers ("10.5" + "0.1" is "10.6" in
 * Redis, 10.6 in doubles only by luck, and "0.1" + "0.2" is "0.3" in Redis but 0.30000000000000004
 * in doubles).
 *
 * A finite value is `mantissa * 2^exponent` with a BigInt mantissa below 2^64. Every operation
 * computes the exact result and rounds it once, to nearest with ties to even, at the precision of
 * the x87 format: 64 significant bits, exponents down to the subnormal 2^-16445, overflow at 2^16384.
 */

export type LongDouble =
  | { readonly kind: "finite"; readonly negative: boolean; readonly mantissa: bigint; readonly exponent: number }
  | { readonly kind: "infinite"; readonly negative: boolean }
  | { readonly kind: "nan" }

const PRECISION = 64
/** The weight of the last mantissa bit of subnormals (and of the smallest normal numbers). */
const MIN_LSB_EXPONENT = -16445
/** Values at or above 2^16384 overflow to infinity. */
const OVERFLOW_EXPONENT = 16384
/** Redis's MAX_LONG_DOUBLE_CHARS: string2ld rejects strings of this length or longer. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024
/** `%.17Lf`: digits after the decimal point. */
const FRACTION_DIGITS = 17
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS)

export const ZERO: LongDouble = { kind: "finite", negative: false, mantissa: 0n, exponent: 0 }

const finite = (negative: boolean, mantissa: bigint, exponent: number): LongDouble => ({
  kind: "finite",
  negative,
  mantissa,
  exponent
})

const infinity = (negative: boolean): LongDouble => ({ kind: "infinite", negative })

export const isFiniteLongDouble = (x: LongDouble): boolean => x.kind === "finite"

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length)

/**
 * Rounds the exact value `(-1)^negative * m * 2^e` to the long double format. `sticky` says that
 * the exact value is slightly more than `m * 2^e` (a division left a remainder); callers that pass it
 * give `m` at least two bits more than the format keeps, so it only breaks ties.
 */
const round = (negative: boolean, m: bigint, e: number, sticky: boolean): LongDouble => {
  if (m === 0n) return finite(negative, 0n, 0)
  const bits = bitLength(m)
  let lsb = Math.max(e + bits - PRECISION, MIN_LSB_EXPONENT)
  let q = m
  if (lsb > e) {
    const shift = BigInt(lsb - e)
    q = m >> shift
    const rest = m - (q << shift)
    const half = 1n << (shift - 1n)
    if (rest > half || (rest === half && (sticky || (q & 1n) === 1n))) q += 1n
    if (q === 1n << BigInt(PRECISION)) {
      q >>= 1n
      lsb += 1
    }
  } else {
    lsb = e
  }
  if (q === 0n) return finite(negative, 0n, 0)
  if (lsb + bitLength(q) > OVERFLOW_EXPONENT) return infinity(negative)
  return finite(negative, q, lsb)
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/
const INFINITY = /^([+-]?)(?:inf|infinity)$/i

/** An exponent as written, clamped far beyond any magnitude that matters (huge exponents are legal). */
const exponentValue = (text: string | undefined): number => {
  if (text === undefined) return 0
  const n = Number(text)
  return Math.max(-1e9, Math.min(1e9, n))
}

/**
 * Redis's `string2ld`: the whole string must be what `strtold` reads (decimal, hexadecimal with a
 * binary exponent, inf/infinity; no leading space; shorter than 5120 bytes), not NaN, and not out of
 * range (ERANGE: overflow to infinity, or a non-zero literal that underflows to zero). Returns
 * undefined where Redis replies "value is not a valid float".
 */
export const parseLongDouble = (s: string): LongDouble | undefined => {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return undefined
  const decimal = DECIMAL.exec(s)
  if (decimal !== null) return parseDecimal(decimal[1] === "-", decimal[2]!, decimal[3] ?? "", decimal[4])
  const hex = HEXADECIMAL.exec(s)
  if (hex !== null) return parseHex(hex[1] === "-", hex[2]!, hex[3] ?? "", hex[4])
  const inf = INFINITY.exec(s)
  if (inf !== null) return infinity(inf[1] === "-")
  return undefined
}

const parseDecimal = (
  negative: boolean,
  whole: string,
  fraction: string,
  exponentText: string | undefined
): LongDouble | undefined => {
  if (whole.length === 0 && fraction.length === 0) return undefined
  let digits = (whole + fraction).replace(/^0+/, "")
  if (digits.length === 0) return finite(negative, 0n, 0) // an exact zero, whatever its exponent
  let exponent = exponentValue(exponentText) - fraction.length
  const significant = digits.replace(/0+$/, "")
  exponent += digits.length - significant.length
  digits = significant
  // value = digits * 10^exponent, in [10^(n-1+exponent), 10^(n+exponent))
  const magnitude = digits.length + exponent
  if (magnitude - 1 >= 4933) return undefined // >= 1e4933 > LDBL_MAX: overflow
  if (magnitude <= -4951) return undefined // < 1e-4951 < half the smallest subnormal: underflow to zero
  const d = BigInt(digits)
  if (exponent >= 0) return checkRange(round(negative, d * 10n ** BigInt(exponent), 0, false))
  const denominator = 10n ** BigInt(-exponent)
  // Enough quotient bits that the rounding position lies at least two bits above its last one.
  const shift = Math.max(0, bitLength(denominator) - bitLength(d) + PRECISION + 2)
  const numerator = d << BigInt(shift)
  const quotient = numerator / denominator
  const sticky = quotient * denominator !== numerator
  return checkRange(round(negative, quotient, -shift, sticky))
}

const parseHex = (
  negative: boolean,
  whole: string,
  fraction: string,
  exponentText: string | undefined
): LongDouble | undefined => {
  if (whole.length === 0 && fraction.length === 0) return undefined
  const m = BigInt("0x" + whole + fraction)
  if (m === 0n) return finite(negative, 0n, 0)
  const exponent = exponentValue(exponentText) - 4 * fraction.length
  const top = bitLength(m) + exponent // value in [2^(top-1), 2^top)
  if (top - 1 >= OVERFLOW_EXPONENT) return undefined
  if (top <= MIN_LSB_EXPONENT - 1) return undefined // below half the smallest subnormal
  return checkRange(round(negative, m, exponent, false))
}

/** strtold's ERANGE cases that string2ld rejects: overflow, and non-zero input rounded to zero. */
const checkRange = (x: LongDouble): LongDouble | undefined =>
  x.kind === "infinite" || (x.kind === "finite" && x.mantissa === 0n) ? undefined : x

/** A 64-bit integer as a long double (exact: the mantissa holds 64 bits). */
export const longDoubleFromBigInt = (n: bigint): LongDouble =>
  n < 0n ? round(true, -n, 0, false) : round(false, n, 0, false)

/** `a + b` in long double arithmetic (round to nearest even); inf - inf is NaN. */
export const addLongDouble = (a: LongDouble, b: LongDouble): LongDouble => {
  if (a.kind === "nan" || b.kind === "nan") return { kind: "nan" }
  if (a.kind === "infinite") {
    if (b.kind === "infinite" && b.negative !== a.negative) return { kind: "nan" }
    return a
  }
  if (b.kind === "infinite") return b
  if (a.mantissa === 0n) return b.mantissa === 0n ? finite(a.negative && b.negative, 0n, 0) : b
  if (b.mantissa === 0n) return a
  const e = Math.min(a.exponent, b.exponent)
  const sa = (a.negative ? -a.mantissa : a.mantissa) << BigInt(a.exponent - e)
  const sb = (b.negative ? -b.mantissa : b.mantissa) << BigInt(b.exponent - e)
  const sum = sa + sb
  // An exact zero sum is +0 when rounding to nearest.
  if (sum === 0n) return ZERO
  return sum < 0n ? round(true, -sum, e, false) : round(false, sum, e, false)
}

/** `x * factor` for an integer factor, in long double arithmetic (exact product, rounded once). */
export const scaleLongDouble = (x: LongDouble, factor: bigint): LongDouble => {
  if (x.kind !== "finite") return x
  const negative = x.negative !== factor < 0n
  const m = x.mantissa * (factor < 0n ? -factor : factor)
  return m === 0n ? finite(negative, 0n, 0) : round(negative, m, x.exponent, false)
}

/** `ceill(x)` of a finite value as an exact integer; undefined for infinities and NaN. */
export const ceilLongDouble = (x: LongDouble): bigint | undefined => {
  if (x.kind !== "finite") return undefined
  if (x.exponent >= 0) {
    const n = x.mantissa << BigInt(x.exponent)
    return x.negative ? -n : n
  }
  const shift = BigInt(-x.exponent)
  const whole = x.mantissa >> shift
  const exact = whole << shift === x.mantissa
  // ceil rounds a positive fraction up and a negative one towards zero
  return x.negative ? -whole : exact ? whole : whole + 1n
}

/**
 * Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` (the exact value rounded half-even to 17 decimals,
 * as glibc prints), trailing zeros and a trailing point removed, "-0" printed as "0".
 */
export const formatLongDouble = (x: LongDouble): string => {
  if (x.kind === "nan") return "nan"
  if (x.kind === "infinite") return x.negative ? "-inf" : "inf"
  const sign = x.negative ? "-" : ""
  if (x.exponent >= 0) {
    const text = sign + (x.mantissa << BigInt(x.exponent)).toString()
    return text === "-0" ? "0" : text
  }
  const shift = BigInt(-x.exponent)
  const scaled = x.mantissa * FRACTION_SCALE
  let q = scaled >> shift
  const rest = scaled - (q << shift)
  const half = 1n << (shift - 1n)
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n
  const digits = q.toString().padStart(FRACTION_DIGITS + 1, "0")
  const whole = digits.slice(0, digits.length - FRACTION_DIGITS)
  const fraction = digits.slice(digits.length - FRACTION_DIGITS).replace(/0+$/, "")
  const text = sign + whole + (fraction.length > 0 ? "." + fraction : "")
  return text === "-0" ? "0" : text
}
