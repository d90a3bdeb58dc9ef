/**
 * Redis 7.0's geohash (geohash.c, geohash_helper.c): a position is 26 bits of latitude and 26 bits of
 * longitude interleaved into a 52-bit integer, stored as the member's sorted-set score. Searches cover
 * the query shape with a cell and its 8 neighbours at a coarser step, read each cell as a score range,
 * and keep the points within the shape. Distances are Haversine on Redis's earth radius.
 *
 * Every computation follows Redis's order of floating-point operations, so scores are bit-identical
 * to Redis's and a search visits the same cells, in the same order, as Redis does.
 */

export const GEO_STEP_MAX = 26
export const GEO_LAT_MIN = -85.05112878
export const GEO_LAT_MAX = 85.05112878
export const GEO_LONG_MIN = -180
export const GEO_LONG_MAX = 180

const EARTH_RADIUS_IN_METERS = 6372797.560856
const MERCATOR_MAX = 20037726.37
const D_R = Math.PI / 180.0
const TWO32 = 4294967296
const TWO63 = 9223372036854775808

const degRad = (ang: number): number => ang * D_R
const radDeg = (ang: number): number => ang / D_R

/**
 * A geohash of `step` bits per axis (GeoHashBits), exact: a coordinate at the very top of its range
 * sets a 27th bit, so the value can exceed 2^53, where doubles stop being exact.
 */
export interface HashBits {
  readonly bits: bigint
  readonly step: number
}

/** The zero hash marks a neighbour excluded from a search (GZERO / HASHISZERO). */
const ZERO_HASH: HashBits = { bits: 0n, step: 0 }
const isZero = (h: HashBits): boolean => h.bits === 0n && h.step === 0

export interface CoordRange {
  readonly min: number
  readonly max: number
}

/** The cell a hash stands for (GeoHashArea). */
export interface HashArea {
  readonly longitude: CoordRange
  readonly latitude: CoordRange
}

const WGS84_LONG: CoordRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX }
const WGS84_LAT: CoordRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX }
/** The standard geohash ranges, for GEOHASH's textual hashes. */
export const STANDARD_LONG: CoordRange = { min: -180, max: 180 }
export const STANDARD_LAT: CoordRange = { min: -90, max: 90 }

// --- 64-bit helpers on two 32-bit words ---------------------------------------------------------

/** Spreads the 16 low bits of `v` to the even bits of a 32-bit word. */
const spread16 = (v: number): number => {
  v &= 0xffff
  v = (v | (v << 8)) & 0x00ff00ff
  v = (v | (v << 4)) & 0x0f0f0f0f
  v = (v | (v << 2)) & 0x33333333
  v = (v | (v << 1)) & 0x55555555
  return v
}

/** Gathers the even bits of a 32-bit word into 16 bits. */
const compact16 = (v: number): number => {
  v &= 0x55555555
  v = (v | (v >>> 1)) & 0x33333333
  v = (v | (v >>> 2)) & 0x0f0f0f0f
  v = (v | (v >>> 4)) & 0x00ff00ff
  v = (v | (v >>> 8)) & 0x0000ffff
  return v
}

/** interleave64: latitude bits at even positions, longitude bits at odd ones. Inputs are uint32. */
const interleave = (lat: number, lon: number): bigint => {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0
  return (BigInt(hi) << 32n) | BigInt(lo)
}

/**
 * C's `(uint64_t)` cast of a double as compiled for x86-64: a signed truncation (cvttsd2si) below 2^63,
 * and above it a truncation of `d - 2^63` with the top bit set; out-of-range values and NaN come out
 * as the "integer indefinite" 0x8000000000000000 (which the second branch turns into 0). Returns the
 * high and low 32-bit words.
 */
export const doubleToUint64Words = (d: number): readonly [number, number] => {
  if (d >= TWO63) {
    const rest = d - TWO63
    if (rest >= TWO63) return [0, 0]
    const t = Math.trunc(rest)
    const hi = Math.floor(t / TWO32)
    return [(hi | 0x80000000) >>> 0, t - hi * TWO32]
  }
  if (!(d >= -TWO63)) return [0x80000000, 0]
  const t = Math.trunc(d)
  const m = Math.abs(t)
  const mhi = Math.floor(m / TWO32)
  const mlo = m - mhi * TWO32
  if (t >= 0) return [mhi, mlo]
  // two's complement of the magnitude
  return [(~mhi + (mlo === 0 ? 1 : 0)) >>> 0, (-mlo) >>> 0]
}

// --- encoding and decoding ----------------------------------------------------------------------

/** geohashEncode: undefined when the position is outside Redis's limits or the ranges. */
export const encode = (
  longRange: CoordRange,
  latRange: CoordRange,
  longitude: number,
  latitude: number,
  step: number
): HashBits | undefined => {
  if (step > 32 || step === 0) return undefined
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) {
    return undefined
  }
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) {
    return undefined
  }
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min)
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min)
  latOffset *= 2 ** step
  longOffset *= 2 ** step
  // C converts the offsets to uint32_t, truncating
  return { bits: interleave(latOffset >>> 0, longOffset >>> 0), step }
}

/**
 * The score of a WGS84 position as GEOADD writes it into its ZADD (sdsfromlonglong of the 52-bit
 * hash, exact even where the double parsed from it rounds), or undefined outside the limits.
 */
export const encodeScoreText = (longitude: number, latitude: number): string | undefined => {
  const hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, GEO_STEP_MAX)
  return hash === undefined ? undefined : align52(hash).toString()
}

/** The score a position gets in the sorted set: the double nearest to its hash. */
export const encodeScore = (longitude: number, latitude: number): number | undefined => {
  const text = encodeScoreText(longitude, latitude)
  return text === undefined ? undefined : Number(text)
}

/** geohashAlign52Bits: a hash of any step shifted to the 52-bit score scale. */
const align52 = (hash: HashBits): bigint => hash.bits << BigInt(52 - hash.step * 2)

/** geohashDecode over the 64 bits given as words; the step says how many of them are meaningful. */
const decodeWords = (
  longRange: CoordRange,
  latRange: CoordRange,
  hi: number,
  lo: number,
  step: number
): HashArea => {
  const ilat = (compact16(lo) | (compact16(hi) << 16)) >>> 0
  const ilon = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0
  const latScale = latRange.max - latRange.min
  const longScale = longRange.max - longRange.min
  const cells = 2 ** step
  // `ilat + 1` is uint32 arithmetic in C: it wraps to 0 at 2^32 - 1
  return {
    latitude: {
      min: latRange.min + (ilat * 1.0 / cells) * latScale,
      max: latRange.min + (((ilat + 1) >>> 0) * 1.0 / cells) * latScale
    },
    longitude: {
      min: longRange.min + (ilon * 1.0 / cells) * longScale,
      max: longRange.min + (((ilon + 1) >>> 0) * 1.0 / cells) * longScale
    }
  }
}

const decodeHash = (hash: HashBits): HashArea =>
  decodeWords(WGS84_LONG, WGS84_LAT, Number((hash.bits >> 32n) & 0xffffffffn), Number(hash.bits & 0xffffffffn), hash.step)

/** geohashDecodeAreaToLongLat: the centre of the cell, clamped to Redis's limits. */
const areaCenter = (area: HashArea): readonly [number, number] => {
  let x = (area.longitude.min + area.longitude.max) / 2
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN
  let y = (area.latitude.min + area.latitude.max) / 2
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN
  return [x, y]
}

/**
 * decodeGeohash: the [longitude, latitude] a score stands for. Any score decodes (as in Redis, a
 * score that is not a geohash gives some clamped position), through C's uint64 cast.
 */
export const decodeScore = (score: number): readonly [number, number] => {
  decodeScoreTo(score, decoded)
  return [decoded[0]!, decoded[1]!]
}

const decoded = new Float64Array(2)

const GEO_CELLS = 2 ** GEO_STEP_MAX
const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN
const LONG_SCALE = GEO_LONG_MAX - GEO_LONG_MIN

/**
 * decodeScore writing into `out` (longitude, latitude) without allocating: a search decodes every
 * candidate point. The arithmetic is decodeWords + areaCenter's, in the same order, so the doubles
 * are the same bits.
 */
export const decodeScoreTo = (score: number, out: Float64Array): void => {
  let hi: number
  let lo: number
  if (score >= 0 && score < TWO63) {
    // a geo set's scores are non-negative 52-bit integers: the uint64 cast is the truncation
    const t = Math.trunc(score)
    hi = Math.floor(t / TWO32)
    lo = t - hi * TWO32
  } else {
    const words = doubleToUint64Words(score)
    hi = words[0]
    lo = words[1]
  }
  decodeWordsTo(hi | 0, lo | 0, out)
}

/**
 * decodeScoreTo of `scores[index]` for a search's loop: the double is read here rather than passed
 * in, and the usual case (0 <= score < 2^53) is one straight block. Both keep the loop's doubles out of
 * the heap: passed through a call, or split over helpers the JIT would not all inline, each candidate
 * point left heap numbers.
 */
export const decodeScoreAt = (scores: ReadonlyArray<number>, index: number, out: Float64Array): void => {
  const score = scores[index]!
  if (!(score >= 0 && score < TWO53)) return decodeScoreTo(score, out)
  const hi = Math.floor(score / TWO32)
  // int32s of the same bits: small integers for the bit operations
  decodeWordsTo(hi | 0, (Math.trunc(score) - hi * TWO32) | 0, out)
}

const TWO53 = 9007199254740992

/** decodeScoreTo for the 64 bits of the cast as two words, each as an int32 of the same bits. */
const decodeWordsTo = (hi: number, lo: number, out: Float64Array): void => {
  const ilat = (compact16(lo) | (compact16(hi) << 16)) >>> 0
  const ilon = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0
  const latMin = GEO_LAT_MIN + (ilat * 1.0 / GEO_CELLS) * LAT_SCALE
  const latMax = GEO_LAT_MIN + (((ilat + 1) >>> 0) * 1.0 / GEO_CELLS) * LAT_SCALE
  const longMin = GEO_LONG_MIN + (ilon * 1.0 / GEO_CELLS) * LONG_SCALE
  const longMax = GEO_LONG_MIN + (((ilon + 1) >>> 0) * 1.0 / GEO_CELLS) * LONG_SCALE
  // the clamps as Math.min/max (C's two ifs, for values that are never NaN): a variable that may take
  // the constant, an exported module binding, was a tagged value, and the double a heap number
  out[0] = Math.max(Math.min((longMin + longMax) / 2, GEO_LONG_MAX), GEO_LONG_MIN)
  out[1] = Math.max(Math.min((latMin + latMax) / 2, GEO_LAT_MAX), GEO_LAT_MIN)
}

const GEO_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"

/** GEOHASH's 11-character standard geohash of a score (re-encoded on the -90..90 latitude range). */
export const standardGeohash = (score: number): string => {
  const [x, y] = decodeScore(score)
  const hash = encode(STANDARD_LONG, STANDARD_LAT, x, y, GEO_STEP_MAX)
  const bits = hash === undefined ? 0n : hash.bits
  let out = ""
  for (let i = 0; i < 11; i++) {
    // 52 bits give 10 characters; the 11th is 0, as in Redis
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)
    out += GEO_ALPHABET[idx]
  }
  return out
}

// --- neighbours ---------------------------------------------------------------------------------

const EVEN_BITS = 0x5555555555555555n
const ODD_BITS = 0xaaaaaaaaaaaaaaaan
const U64 = 0xffffffffffffffffn

/** geohash_move_x / geohash_move_y: one cell east/west (odd bits) or north/south (even bits). */
const move = (hash: HashBits, d: number, axisMask: bigint, otherMask: bigint): HashBits => {
  if (d === 0) return hash
  const bits = hash.bits
  let axis = bits & axisMask
  const other = bits & otherMask
  const shift = BigInt(64 - hash.step * 2)
  const zz = otherMask >> shift
  if (d > 0) {
    axis = (axis + (zz + 1n)) & U64
  } else {
    axis = axis | zz
    axis = (axis - (zz + 1n)) & U64
  }
  axis &= axisMask >> shift
  return { bits: axis | other, step: hash.step }
}
const moveX = (hash: HashBits, d: number): HashBits => move(hash, d, ODD_BITS, EVEN_BITS)
const moveY = (hash: HashBits, d: number): HashBits => move(hash, d, EVEN_BITS, ODD_BITS)

interface Neighbors {
  north: HashBits
  south: HashBits
  east: HashBits
  west: HashBits
  northEast: HashBits
  northWest: HashBits
  southEast: HashBits
  southWest: HashBits
}

const neighborsOf = (hash: HashBits): Neighbors => ({
  east: moveX(hash, 1),
  west: moveX(hash, -1),
  south: moveY(hash, -1),
  north: moveY(hash, 1),
  northWest: moveY(moveX(hash, -1), 1),
  northEast: moveY(moveX(hash, 1), 1),
  southEast: moveY(moveX(hash, 1), -1),
  southWest: moveY(moveX(hash, -1), -1)
})

// --- distances and shapes -----------------------------------------------------------------------

/** geohashGetDistance: Haversine great-circle distance in meters. */
export const distance = (lon1d: number, lat1d: number, lon2d: number, lat2d: number): number => {
  const lat1r = degRad(lat1d)
  const lon1r = degRad(lon1d)
  const lat2r = degRad(lat2d)
  const lon2r = degRad(lon2d)
  const u = Math.sin((lat2r - lat1r) / 2)
  const v = Math.sin((lon2r - lon1r) / 2)
  return haversineMeters(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v)
}

/** The great-circle distance in meters for the haversine term `a` (the last step of `distance`). */
const haversineMeters = (a: number): number => 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a))

/** The area of a search: a circle of `radius` or a `width` x `height` box, in units of `conversion` meters. */
export type GeoShape =
  | {
    readonly type: "circle"
    readonly center: readonly [number, number]
    readonly conversion: number
    readonly radius: number
  }
  | {
    readonly type: "box"
    readonly center: readonly [number, number]
    readonly conversion: number
    readonly width: number
    readonly height: number
  }

/**
 * geoAppendIfWithinShape's test for one shape, split in two so that a search need not finish the
 * distance of every point: `key(lon, lat)` is negative (-1) for a point outside the shape, else a number
 * that orders points as their distances do, and `meters(key)` is the distance, bit for bit the double
 * `distance` computes. For a circle the key is the haversine term under the square root, so the arcsine
 * (the dearest part, a fifth of a large search) is only taken for the points a reply shows and for the
 * few whose inclusion or order it alone decides.
 */
export interface ShapeTest {
  key(lon: number, lat: number): number
  meters(key: number): number
}

/**
 * ShapeTest.key of a point outside the shape (every key of a point inside is 0 or more). Not exported:
 * returned beside a double key, an exported binding made the result a tagged value, so every key
 * became a heap number (16 bytes of garbage per candidate point, measured).
 */
const OUTSIDE = -1

/** Relative gap between two haversine terms beyond which their distances cannot compare otherwise. */
const KEY_MARGIN = 1e-9

export const withinTest = (shape: GeoShape): ShapeTest =>
  shape.type === "box" ? new BoxTest(shape) : new CircleTest(shape)

/**
 * The shape tests are classes, not closures made per search: a method is one function the JIT can
 * inline into the search's loop, and a call it does not inline passes its doubles as heap numbers.
 */
class CircleTest implements ShapeTest {
  private readonly lat1r: number
  private readonly lon1r: number
  private readonly cosLat1: number
  private readonly limit: number
  private readonly maxLatDelta: number
  private readonly surelyIn: number
  private readonly surelyOut: number

  constructor(shape: Extract<GeoShape, { type: "circle" }>) {
    const [x1, y1] = shape.center
    this.lat1r = degRad(y1)
    this.lon1r = degRad(x1)
    this.cosLat1 = Math.cos(this.lat1r)
    this.limit = shape.radius * shape.conversion
    // R * |lat2 - lat1| never exceeds the great-circle distance, so a point whose latitude alone puts
    // it beyond the radius is out without the trigonometry (with a margin for rounding: every point
    // that may be inside still gets Redis's exact computation, so results do not change)
    this.maxLatDelta = (this.limit / EARTH_RADIUS_IN_METERS) * (1 + 1e-9) + 1e-12
    // the term at the radius; well below it a point is in, well above it out, and in between the exact
    // distance decides (a radius beyond half the circumference takes in every point)
    const half = this.limit / (2.0 * EARTH_RADIUS_IN_METERS)
    const keyLimit = half >= Math.PI / 2 ? Infinity : Math.sin(half) ** 2
    this.surelyIn = keyLimit * (1 - KEY_MARGIN)
    this.surelyOut = keyLimit * (1 + KEY_MARGIN)
  }

  key(lon: number, lat: number): number {
    const lat2r = degRad(lat)
    if (Math.abs(lat2r - this.lat1r) > this.maxLatDelta) return OUTSIDE
    const lon2r = degRad(lon)
    const u = Math.sin((lat2r - this.lat1r) / 2)
    const v = Math.sin((lon2r - this.lon1r) / 2)
    const key = u * u + this.cosLat1 * Math.cos(lat2r) * v * v
    if (key < this.surelyIn) return key
    if (key > this.surelyOut) return OUTSIDE
    return haversineMeters(key) > this.limit ? OUTSIDE : key
  }

  meters(key: number): number {
    return haversineMeters(key)
  }
}

class BoxTest implements ShapeTest {
  private readonly shape: Extract<GeoShape, { type: "box" }>

  constructor(shape: Extract<GeoShape, { type: "box" }>) {
    this.shape = shape
  }

  key(lon: number, lat: number): number {
    return boxDistanceIfWithin(this.shape, this.shape.center[0], this.shape.center[1], lon, lat)
  }

  meters(key: number): number {
    return key
  }
}

/**
 * Compares two points by distance given their keys (`ShapeTest`): keys far enough apart order as the
 * distances do; for keys within a hair of each other the distances decide, as Redis compares them.
 */
export const compareKeys = (k1: number, k2: number, test: ShapeTest): number => {
  if (k1 === k2) return 0
  if (Math.abs(k1 - k2) > KEY_MARGIN * Math.max(Math.abs(k1), Math.abs(k2))) return k1 > k2 ? 1 : -1
  const d1 = test.meters(k1)
  const d2 = test.meters(k2)
  return d1 > d2 ? 1 : d1 === d2 ? 0 : -1
}

const boxDistanceIfWithin = (
  shape: Extract<GeoShape, { type: "box" }>,
  x1: number,
  y1: number,
  lon: number,
  lat: number
): number => {
  const lonDistance = distance(lon, lat, x1, lat)
  const latDistance = distance(lon, lat, lon, y1)
  if (lonDistance > (shape.width * shape.conversion) / 2 || latDistance > (shape.height * shape.conversion) / 2) {
    return OUTSIDE
  }
  return distance(x1, y1, lon, lat)
}

/** geohashEstimateStepsByRadius: the coarsest step whose cells still cover the radius with 3x3 cells. */
const estimateStepsByRadius = (rangeMeters: number, lat: number): number => {
  if (rangeMeters === 0) return 26
  let step = 1
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2
    step++
  }
  step -= 2
  // Cells narrow towards the poles: go one or two steps coarser there.
  if (lat > 66 || lat < -66) {
    step--
    if (lat > 80 || lat < -80) step--
  }
  if (step < 1) step = 1
  if (step > 26) step = 26
  return step
}

/** geohashBoundingBox: [minLon, minLat, maxLon, maxLat] of the shape. */
const boundingBox = (shape: GeoShape): readonly [number, number, number, number] => {
  const [longitude, latitude] = shape.center
  const height = shape.conversion * (shape.type === "circle" ? shape.radius : shape.height / 2)
  const width = shape.conversion * (shape.type === "circle" ? shape.radius : shape.width / 2)
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS)
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)))
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)))
  const southern = latitude < 0
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta
  ]
}

/**
 * geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors' order: the cells to scan for a search,
 * in Redis's order (centre, N, S, E, W, NE, NW, SE, SW), excluded cells and a cell equal to the one
 * scanned just before it left out. Each cell is the score range [min, max) to read.
 */
export const searchRanges = (shape: GeoShape): ReadonlyArray<readonly [number, number]> => {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape)
  const [longitude, latitude] = shape.center
  const radiusMeters = shape.conversion *
    (shape.type === "circle"
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)))
  let steps = estimateStepsByRadius(radiusMeters, latitude)
  let hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps) ?? ZERO_HASH
  let neighbors = neighborsOf(hash)
  let area = decodeHash(hash)

  // Near a cell's edge the estimated step can be too fine for the neighbours to cover the shape.
  const north = decodeHash(neighbors.north)
  const south = decodeHash(neighbors.south)
  const east = decodeHash(neighbors.east)
  const west = decodeHash(neighbors.west)
  const decreaseStep = north.latitude.max < maxLat || south.latitude.min > minLat ||
    east.longitude.max < maxLon || west.longitude.min > minLon
  if (steps > 1 && decreaseStep) {
    steps--
    hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps) ?? ZERO_HASH
    neighbors = neighborsOf(hash)
    area = decodeHash(hash)
  }

  // Leave out the neighbours the shape cannot reach.
  if (steps >= 2) {
    if (area.latitude.min < minLat) {
      neighbors.south = ZERO_HASH
      neighbors.southWest = ZERO_HASH
      neighbors.southEast = ZERO_HASH
    }
    if (area.latitude.max > maxLat) {
      neighbors.north = ZERO_HASH
      neighbors.northEast = ZERO_HASH
      neighbors.northWest = ZERO_HASH
    }
    if (area.longitude.min < minLon) {
      neighbors.west = ZERO_HASH
      neighbors.southWest = ZERO_HASH
      neighbors.northWest = ZERO_HASH
    }
    if (area.longitude.max > maxLon) {
      neighbors.east = ZERO_HASH
      neighbors.southEast = ZERO_HASH
      neighbors.northEast = ZERO_HASH
    }
  }

  const cells = [
    hash,
    neighbors.north,
    neighbors.south,
    neighbors.east,
    neighbors.west,
    neighbors.northEast,
    neighbors.northWest,
    neighbors.southEast,
    neighbors.southWest
  ]
  const ranges: Array<readonly [number, number]> = []
  let lastProcessed = 0
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!
    if (isZero(cell)) continue
    // With huge radii adjacent neighbours can be the same cell: scan it once. Like Redis, a
    // neighbour is never compared with the centre cell (index 0 reads as "nothing processed").
    const last = cells[lastProcessed]!
    if (lastProcessed !== 0 && cell.bits === last.bits && cell.step === last.step) continue
    // C converts the uint64 bounds to doubles for the range (rounding to nearest)
    ranges.push([Number(align52(cell)), Number(align52({ bits: cell.bits + 1n, step: cell.step }))])
    lastProcessed = i
  }
  return ranges
}
