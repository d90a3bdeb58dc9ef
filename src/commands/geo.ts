/** Geospatial commands (geo.c): GEOADD, GEOSEARCH, GEORADIUS, ... over sorted sets. */
import {
  compareKeys,
  decodeScore,
  decodeScoreAt,
  distance,
  encodeScoreText,
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  type GeoShape,
  searchRanges,
  type ShapeTest,
  standardGeohash,
  withinTest
} from "../keyspace/geohash.ts"
import { ZSetValue } from "../keyspace/ZSetValue.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { formatLongDouble, type LongDouble } from "../util/longdouble.ts"
import { floatArg, intArg, optionName } from "./args.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { deleteStoreTarget, readZSet, storeZSet, zadd, zsetLimits } from "./zsets.ts"

const group = "geo"

// --- number formats -----------------------------------------------------------------------------

const bits = new DataView(new ArrayBuffer(8))

/** A finite double as sign * mantissa * 2^exponent, exactly. */
const decompose = (d: number): { negative: boolean; mantissa: bigint; exponent: number } => {
  bits.setFloat64(0, d)
  const hi = bits.getUint32(0)
  const lo = bits.getUint32(4)
  const negative = hi >>> 31 === 1
  const biased = (hi >>> 20) & 0x7ff
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (biased !== 0) mantissa |= 1n << 52n
  return { negative, mantissa, exponent: (biased === 0 ? 1 : biased) - 1075 }
}

/** A double widened to the x87 long double (exact), for addReplyHumanLongDouble. */
const toLongDouble = (d: number): LongDouble => {
  if (Number.isNaN(d)) return { kind: "nan" }
  if (!Number.isFinite(d)) return { kind: "infinite", negative: d < 0 }
  return { kind: "finite", ...decompose(d) }
}

/** addReplyHumanLongDouble: %.17Lf without trailing zeros; RESP2 a bulk string, RESP3 a double. */
const replyCoordinate = (ctx: CommandContext, d: number): void => {
  ctx.reply.doubleText(formatLongDouble(toLongDouble(d)))
}

/** C's printf("%.<digits>f"): the exact value rounded half-even, sign kept on a negative zero result. */
export const formatFixed = (d: number, digits: number): string => {
  if (Number.isNaN(d)) return d < 0 ? "-nan" : "nan"
  if (!Number.isFinite(d)) return d > 0 ? "inf" : "-inf"
  const { negative, mantissa, exponent } = decompose(d)
  const scale = 10n ** BigInt(digits)
  let q: bigint
  if (exponent >= 0) {
    q = (mantissa << BigInt(exponent)) * scale
  } else {
    const shift = BigInt(-exponent)
    const scaled = mantissa * scale
    q = scaled >> shift
    const rest = scaled - (q << shift)
    const half = 1n << (shift - 1n)
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n
  }
  const text = q.toString().padStart(digits + 1, "0")
  const whole = text.slice(0, text.length - digits)
  const fraction = text.slice(text.length - digits)
  return (negative ? "-" : "") + whole + (digits > 0 ? "." + fraction : "")
}

// --- argument helpers ---------------------------------------------------------------------------

/** extractLongLatOrReply: [longitude, latitude] from argv[i], argv[i + 1]. */
const lonLatArg = (ctx: CommandContext, argv: ReadonlyArray<string>, i: number): readonly [number, number] | undefined => {
  const lon = floatArg(ctx.reply, argv[i]!)
  if (lon === undefined) return undefined
  const lat = floatArg(ctx.reply, argv[i + 1]!)
  if (lat === undefined) return undefined
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    ctx.reply.error(Errors.geoInvalidLonLat(`${formatFixed(lon, 6)},${formatFixed(lat, 6)}`))
    return undefined
  }
  return [lon, lat]
}

/** extractUnitOrReply: meters per unit. */
const unitArg = (ctx: CommandContext, unit: string): number | undefined => {
  switch (optionName(unit)) {
    case "m":
      return 1
    case "km":
      return 1000
    case "ft":
      return 0.3048
    case "mi":
      return 1609.34
  }
  ctx.reply.error(Errors.GEO_UNSUPPORTED_UNIT)
  return undefined
}

/** extractDistanceOrReply: `<radius> <unit>` at argv[i]. */
const radiusArg = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  i: number
): { radius: number; conversion: number } | undefined => {
  const radius = floatArg(ctx.reply, argv[i]!, Errors.GEO_NEED_NUMERIC_RADIUS)
  if (radius === undefined) return undefined
  if (radius < 0) {
    ctx.reply.error(Errors.GEO_RADIUS_NEGATIVE)
    return undefined
  }
  const conversion = unitArg(ctx, argv[i + 1]!)
  return conversion === undefined ? undefined : { radius, conversion }
}

/** extractBoxOrReply: `<width> <height> <unit>` at argv[i]. */
const boxArg = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  i: number
): { width: number; height: number; conversion: number } | undefined => {
  const width = floatArg(ctx.reply, argv[i]!, Errors.GEO_NEED_NUMERIC_WIDTH)
  if (width === undefined) return undefined
  const height = floatArg(ctx.reply, argv[i + 1]!, Errors.GEO_NEED_NUMERIC_HEIGHT)
  if (height === undefined) return undefined
  if (height < 0 || width < 0) {
    ctx.reply.error(Errors.GEO_BOX_NEGATIVE)
    return undefined
  }
  const conversion = unitArg(ctx, argv[i + 2]!)
  return conversion === undefined ? undefined : { width, height, conversion }
}

// --- GEOADD -------------------------------------------------------------------------------------

/** GEOADD key [NX|XX] [CH] lon lat member ...: runs and propagates as the equivalent ZADD. */
const geoadd = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let nx = false
  let xx = false
  let longIndex = 2
  for (; longIndex < argv.length; longIndex++) {
    const opt = optionName(argv[longIndex]!)
    if (opt === "nx") nx = true
    else if (opt === "xx") xx = true
    else if (opt !== "ch") break
  }
  if ((argv.length - longIndex) % 3 !== 0 || (xx && nx)) return ctx.reply.error(Errors.SYNTAX)
  const zaddArgv: Array<string> = ["zadd", ...argv.slice(1, longIndex)]
  for (let i = longIndex; i < argv.length; i += 3) {
    const position = lonLatArg(ctx, argv, i)
    if (position === undefined) return
    zaddArgv.push(encodeScoreText(position[0], position[1])!, argv[i + 2]!)
  }
  ctx.rewriteArgv(zaddArgv)
  zadd(ctx, zaddArgv, false)
}

// --- searches -----------------------------------------------------------------------------------

/**
 * The points found by the current search (geoPoint), as columns indexed by the order they were found
 * in, reused by every search: a search may find thousands of points and its command consumes them
 * before the next one runs. Doubles live in Float64Arrays and no column shrinks between searches:
 * points as objects, and arrays emptied and refilled by push, left about 100 bytes of garbage per
 * point (measured with the sampling heap profiler), and the young-generation collections that
 * followed woke V8's helper threads between requests.
 */
class FoundPoints {
  count = 0
  members: Array<string> = new Array(1024).fill("")
  scores = new Float64Array(1024)
  longitudes = new Float64Array(1024)
  latitudes = new Float64Array(1024)
  /** Orders points by distance (the shape test's key); `currentTest.meters` turns it into meters. */
  keys = new Float64Array(1024)
  /** The points' indexes in reply order: what the sorts permute. */
  order = new Int32Array(1024)

  /** Empties the columns for a search; a huge search once does not keep its columns. */
  clear(): void {
    this.count = 0
    if (this.scores.length > FOUND_CAPACITY_KEPT) this.resize(1024)
  }

  add(member: string, score: number, longitude: number, latitude: number, key: number): void {
    const n = this.count
    if (n === this.scores.length) this.resize(n * 2)
    this.members[n] = member
    this.scores[n] = score
    this.longitudes[n] = longitude
    this.latitudes[n] = latitude
    this.keys[n] = key
    this.order[n] = n
    this.count = n + 1
  }

  private resize(capacity: number): void {
    const resized = (column: Float64Array) => {
      const next = new Float64Array(capacity)
      next.set(column.subarray(0, Math.min(capacity, this.count)))
      return next
    }
    this.scores = resized(this.scores)
    this.longitudes = resized(this.longitudes)
    this.latitudes = resized(this.latitudes)
    this.keys = resized(this.keys)
    const order = new Int32Array(capacity)
    order.set(this.order.subarray(0, Math.min(capacity, this.count)))
    this.order = order
    this.members.length = capacity
    this.members.fill("", this.count)
  }
}
/** Beyond this many points, a search's columns are dropped at the next search (a huge search once). */
const FOUND_CAPACITY_KEPT = 65536
const found = new FoundPoints()

/** The current search's shape test: the comparators and the reply turn keys into meters with it. */
let currentTest: ShapeTest = withinTest({ type: "box", center: [0, 0], conversion: 1, width: 0, height: 0 })

/** Where decodeScoreTo leaves each candidate's longitude and latitude. */
const position = new Float64Array(2)

/**
 * geoGetPointsInRange over every cell of the search, stopping at `limit` points (ANY) when non-zero.
 * Fills the found columns and `found.order` (valid until the next search: the command replies or stores
 * before that) and returns how many points there are.
 */
const pointsWithin = (zset: ZSetValue, shape: GeoShape, limit: number): number => {
  const points = found
  points.clear()
  const within = withinTest(shape)
  currentTest = within
  for (const [min, max] of searchRanges(shape)) {
    if (limit !== 0 && points.count >= limit) break
    const first = zset.firstInScoreRange({ min, max, minex: false, maxex: true })
    if (first === -1) continue
    zset.walkRuns(first, false, (members, scores, from) => collectRun(points, members, scores, from, max, within, limit))
  }
  return points.count
}

/**
 * One run of a search range's entries (a leaf of the sorted set) into `points`: false once past `max`
 * or at `limit`. A function of its own rather than the body of walkRuns' callback, so that the JIT
 * inlines the decoding and the shape test into this loop: inlined into walkRuns instead, they did not
 * fit its inlining budget, and each point passed its doubles through heap numbers.
 */
const collectRun = (
  points: FoundPoints,
  members: ReadonlyArray<string>,
  scores: ReadonlyArray<number>,
  from: number,
  max: number,
  within: ShapeTest,
  limit: number
): boolean => {
  for (let i = from; i < scores.length; i++) {
    const score = scores[i]!
    if (!(score < max)) return false
    decodeScoreAt(scores, i, position)
    const longitude = position[0]!
    const latitude = position[1]!
    const key = within.key(longitude, latitude)
    if (key < 0) continue
    points.add(members[i]!, score, longitude, latitude, key)
    if (limit !== 0 && points.count >= limit) return false
  }
  return true
}

/** Compares two found points by their indexes. */
type PointCompare = (a: number, b: number) => number
const byDistance: PointCompare = (a, b) => compareKeys(found.keys[a]!, found.keys[b]!, currentTest)
const byDistanceDesc: PointCompare = (a, b) => -byDistance(a, b)

const median3 = (p: Int32Array, a: number, b: number, c: number, cmp: PointCompare): number =>
  cmp(p[a]!, p[b]!) < 0
    ? (cmp(p[b]!, p[c]!) < 0 ? b : (cmp(p[a]!, p[c]!) < 0 ? c : a))
    : (cmp(p[b]!, p[c]!) > 0 ? b : (cmp(p[a]!, p[c]!) < 0 ? a : c))

const swapPoints = (p: Int32Array, i: number, j: number): void => {
  const t = p[i]!
  p[i] = p[j]!
  p[j] = t
}

const insertionSort = (p: Int32Array, start: number, n: number, cmp: PointCompare): void => {
  for (let m = start + 1; m < start + n; m++) {
    for (let l = m; l > start && cmp(p[l - 1]!, p[l]!) > 0; l--) swapPoints(p, l, l - 1)
  }
}

/**
 * Redis's pqsort (Bentley-McIlroy quicksort that skips partitions outside positions [lo, hi]), used
 * when COUNT keeps only the first results. It is not stable, so points at equal distances come out
 * in the order this exact algorithm leaves them, which is what Redis replies. As in 7.0's copy, a
 * partition that swapped nothing does not switch to insertion sort (later versions added that).
 */
const partialSort = (p: Int32Array, start: number, n: number, cmp: PointCompare, lo: number, hi: number): void => {
  const outside = (s: number, count: number) => (lo < s && hi < s) || (lo >= s + count && hi >= s + count)
  for (;;) {
    if (n < 7) return insertionSort(p, start, n, cmp)
    let pm = start + Math.floor(n / 2)
    if (n > 7) {
      let pl = start
      let pn = start + n - 1
      if (n > 40) {
        const d = Math.floor(n / 8)
        pl = median3(p, pl, pl + d, pl + 2 * d, cmp)
        pm = median3(p, pm - d, pm, pm + d, cmp)
        pn = median3(p, pn - 2 * d, pn - d, pn, cmp)
      }
      pm = median3(p, pl, pm, pn, cmp)
    }
    swapPoints(p, start, pm)
    let pa = start + 1
    let pb = pa
    let pc = start + n - 1
    let pd = pc
    for (;;) {
      let c: number
      while (pb <= pc && (c = cmp(p[pb]!, p[start]!)) <= 0) {
        if (c === 0) {
          swapPoints(p, pa, pb)
          pa++
        }
        pb++
      }
      while (pb <= pc && (c = cmp(p[pc]!, p[start]!)) >= 0) {
        if (c === 0) {
          swapPoints(p, pc, pd)
          pd--
        }
        pc--
      }
      if (pb > pc) break
      swapPoints(p, pb, pc)
      pb++
      pc--
    }
    const pn = start + n
    let r = Math.min(pa - start, pb - pa)
    for (let i = 0; i < r; i++) swapPoints(p, start + i, pb - r + i)
    r = Math.min(pd - pc, pn - pd - 1)
    for (let i = 0; i < r; i++) swapPoints(p, pb + i, pn - r + i)
    r = pb - pa
    if (r > 1 && !outside(start, r)) partialSort(p, start, r, cmp, lo, hi)
    r = pd - pc
    if (r <= 1) return
    start = pn - r
    n = r
    if (outside(start, n)) return
  }
}

/** How a search command was called (georadiusGeneric's flags). */
interface SearchKind {
  /** GEORADIUS[_RO]: centre and radius as the first arguments. */
  readonly byCoordinates?: boolean
  /** GEORADIUSBYMEMBER[_RO]: a member and a radius as the first arguments. */
  readonly byMember?: boolean
  /** The _RO variants: no STORE/STOREDIST. */
  readonly readOnly?: boolean
  /** GEOSEARCH / GEOSEARCHSTORE: FROM... and BY... options. */
  readonly search?: boolean
  readonly searchStore?: boolean
}

/** georadiusGeneric: GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH and GEOSEARCHSTORE. */
const georadius = (ctx: CommandContext, argv: ReadonlyArray<string>, srcIndex: number, kind: SearchKind): void => {
  const reply = ctx.reply
  const zset = readZSet(ctx, argv[srcIndex]!)
  if (zset === null) return
  let center: readonly [number, number] = [0, 0]
  let conversion = 1
  let radius = 0
  let width = 0
  let height = 0
  let isBox = false
  let baseArgs: number
  let storeKey: string | undefined
  let storeDist = false
  if (kind.byCoordinates) {
    baseArgs = 6
    const position = lonLatArg(ctx, argv, 2)
    if (position === undefined) return
    center = position
    const r = radiusArg(ctx, argv, 4)
    if (r === undefined) return
    radius = r.radius
    conversion = r.conversion
  } else if (kind.byMember) {
    baseArgs = 5
    // Without the key, the radius is not even parsed: only the options are, to pick the reply.
    if (zset !== undefined) {
      const score = zset.score(argv[2]!)
      if (score === undefined) return reply.error(Errors.GEO_MEMBER_NOT_DECODED)
      center = decodeScore(score)
      const r = radiusArg(ctx, argv, 3)
      if (r === undefined) return
      radius = r.radius
      conversion = r.conversion
    }
  } else {
    baseArgs = kind.searchStore ? 3 : 2
    if (kind.searchStore) storeKey = argv[1]!
  }

  let withDist = false
  let withHash = false
  let withCoords = false
  let fromMember = false
  let fromLonLat = false
  let byRadius = false
  let byBox = false
  let sort: "none" | "asc" | "desc" = "none"
  let any = false
  let count = 0
  const remaining = argv.length - baseArgs
  const search = kind.search === true
  const storeAllowed = !kind.readOnly && !search
  for (let i = 0; i < remaining; i++) {
    const at = baseArgs + i
    const arg = optionName(argv[at]!)
    if (arg === "withdist") {
      withDist = true
    } else if (arg === "withhash") {
      withHash = true
    } else if (arg === "withcoord") {
      withCoords = true
    } else if (arg === "any") {
      any = true
    } else if (arg === "asc") {
      sort = "asc"
    } else if (arg === "desc") {
      sort = "desc"
    } else if (arg === "count" && i + 1 < remaining) {
      const n = intArg(reply, argv[at + 1]!)
      if (n === undefined) return
      if (n <= 0) return reply.error(Errors.GEO_COUNT_NOT_POSITIVE)
      count = n
      i++
    } else if (arg === "store" && i + 1 < remaining && storeAllowed) {
      storeKey = argv[at + 1]!
      storeDist = false
      i++
    } else if (arg === "storedist" && i + 1 < remaining && storeAllowed) {
      storeKey = argv[at + 1]!
      storeDist = true
      i++
    } else if (arg === "storedist" && search && kind.searchStore) {
      storeDist = true
    } else if (arg === "frommember" && i + 1 < remaining && search && !fromLonLat) {
      if (zset !== undefined) {
        const score = zset.score(argv[at + 1]!)
        if (score === undefined) return reply.error(Errors.GEO_MEMBER_NOT_DECODED)
        center = decodeScore(score)
      }
      fromMember = true
      i++
    } else if (arg === "fromlonlat" && i + 2 < remaining && search && !fromMember) {
      const position = lonLatArg(ctx, argv, at + 1)
      if (position === undefined) return
      center = position
      fromLonLat = true
      i += 2
    } else if (arg === "byradius" && i + 2 < remaining && search && !byBox) {
      const r = radiusArg(ctx, argv, at + 1)
      if (r === undefined) return
      radius = r.radius
      conversion = r.conversion
      isBox = false
      byRadius = true
      i += 2
    } else if (arg === "bybox" && i + 3 < remaining && search && !byRadius) {
      const box = boxArg(ctx, argv, at + 1)
      if (box === undefined) return
      width = box.width
      height = box.height
      conversion = box.conversion
      isBox = true
      byBox = true
      i += 3
    } else {
      return reply.error(Errors.SYNTAX)
    }
  }

  if (storeKey !== undefined && (withDist || withHash || withCoords)) {
    return reply.error(Errors.geoStoreIncompatible(kind.searchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS"))
  }
  if (search && !(fromMember || fromLonLat)) return reply.error(Errors.geoNeedsOneFrom(argv[0]!))
  if (search && !(byRadius || byBox)) return reply.error(Errors.geoNeedsOneBy(argv[0]!))
  if (any && count === 0) return reply.error(Errors.GEO_ANY_NEEDS_COUNT)

  if (zset === undefined) {
    if (storeKey === undefined) return reply.emptyArray()
    deleteStoreTarget(ctx, storeKey)
    return reply.integer(0)
  }
  // COUNT means the closest ones, unless ANY asked for whichever come first.
  if (count !== 0 && sort === "none" && !any) sort = "asc"

  const shape: GeoShape = isBox
    ? { type: "box", center, conversion, width, height }
    : { type: "circle", center, conversion, radius }
  const total = pointsWithin(zset, shape, any ? count : 0)
  if (total === 0 && storeKey === undefined) return reply.emptyArray()
  const order = found.order
  const returned = count === 0 || total < count ? total : count
  if (sort !== "none") {
    const cmp = sort === "asc" ? byDistance : byDistanceDesc
    // glibc's qsort is a stable merge sort, like %TypedArray%.prototype.sort (stable since ES2019)
    if (returned === total) order.subarray(0, total).sort(cmp)
    else partialSort(order, 0, total, cmp, 0, returned - 1)
  }

  if (storeKey === undefined) {
    const options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0)
    reply.arrayHeader(returned)
    for (let i = 0; i < returned; i++) {
      const point = order[i]!
      if (options > 0) reply.arrayHeader(options + 1)
      reply.bulk(found.members[point]!)
      if (withDist) reply.bulk(formatFixed(currentTest.meters(found.keys[point]!) / conversion, 4))
      // (long long) of the score; a score in a search range is never beyond 2^53
      if (withHash) reply.integer(Math.trunc(found.scores[point]!))
      if (withCoords) {
        reply.arrayHeader(2)
        replyCoordinate(ctx, found.longitudes[point]!)
        replyCoordinate(ctx, found.latitudes[point]!)
      }
    }
    return
  }

  if (returned === 0) {
    deleteStoreTarget(ctx, storeKey)
    return reply.integer(0)
  }
  const result = ZSetValue.skiplist()
  const limits = zsetLimits(ctx.config)
  let maxLength = 0
  for (let i = 0; i < returned; i++) {
    const point = order[i]!
    const member = found.members[point]!
    result.insert(member, storeDist ? currentTest.meters(found.keys[point]!) / conversion : found.scores[point]!, limits)
    if (member.length > maxLength) maxLength = member.length
  }
  result.convertToListpackIfFits(limits, maxLength)
  storeZSet(ctx, storeKey, result, search ? "geosearchstore" : "georadiusstore")
  ctx.addDirty(returned - 1)
  reply.integer(returned)
}

/**
 * The keys as Redis 7.0's key specs find them (COMMAND GETKEYS uses the specs): the key at 1, then
 * for each of the keywords STORE and STOREDIST, in that order, the argument after its first
 * occurrence at or after `startfrom` (6 for GEORADIUS, 5 for GEORADIUSBYMEMBER).
 */
const georadiusKeys = (startfrom: number) => (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  const out = [1]
  for (const keyword of ["store", "storedist"]) {
    for (let i = startfrom; i < argv.length; i++) {
      if (optionName(argv[i]!) !== keyword) continue
      if (i + 1 < argv.length) out.push(i + 1)
      break
    }
  }
  return out
}

// --- the command table --------------------------------------------------------------------------

const radiusComplexity =
  "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."
const searchComplexity =
  "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"

export const geoCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "geoadd",
    arity: -5,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @geo @slow",
    docs: {
      summary: "Add one or more geospatial items in the geospatial index represented using a sorted set",
      since: "3.2.0",
      group,
      complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set."
    },
    handler: geoadd
  }),
  defineCommand({
    name: "geopos",
    arity: -2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @geo @slow",
    docs: {
      summary: "Returns longitude and latitude of members of a geospatial index",
      since: "3.2.0",
      group,
      complexity: "O(N) where N is the number of members requested."
    },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      ctx.reply.arrayHeader(argv.length - 2)
      for (let j = 2; j < argv.length; j++) {
        const score = zset?.score(argv[j]!)
        if (score === undefined) {
          ctx.reply.nullArray()
          continue
        }
        const [lon, lat] = decodeScore(score)
        ctx.reply.arrayHeader(2)
        replyCoordinate(ctx, lon)
        replyCoordinate(ctx, lat)
      }
    }
  }),
  defineCommand({
    name: "geodist",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @geo @slow",
    docs: { summary: "Returns the distance between two members of a geospatial index", since: "3.2.0", group, complexity: "O(log(N))" },
    handler: (ctx, argv) => {
      let toMeters = 1
      if (argv.length === 5) {
        const unit = unitArg(ctx, argv[4]!)
        if (unit === undefined) return
        toMeters = unit
      } else if (argv.length > 5) {
        return ctx.reply.error(Errors.SYNTAX)
      }
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      const score1 = zset?.score(argv[2]!)
      const score2 = zset?.score(argv[3]!)
      if (score1 === undefined || score2 === undefined) return ctx.reply.nullBulk()
      const [lon1, lat1] = decodeScore(score1)
      const [lon2, lat2] = decodeScore(score2)
      ctx.reply.bulk(formatFixed(distance(lon1, lat1, lon2, lat2) / toMeters, 4))
    }
  }),
  defineCommand({
    name: "geohash",
    arity: -2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @geo @slow",
    docs: {
      summary: "Returns members of a geospatial index as standard geohash strings",
      since: "3.2.0",
      group,
      complexity: "O(log(N)) for each member requested, where N is the number of elements in the sorted set."
    },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      ctx.reply.arrayHeader(argv.length - 2)
      for (let j = 2; j < argv.length; j++) {
        const score = zset?.score(argv[j]!)
        if (score === undefined) ctx.reply.nullBulk()
        else ctx.reply.bulk(standardGeohash(score))
      }
    }
  }),
  defineCommand({
    name: "geosearch",
    arity: -7,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @geo @slow",
    docs: {
      summary:
        "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
      since: "6.2.0",
      group,
      complexity: searchComplexity
    },
    handler: (ctx, argv) => georadius(ctx, argv, 1, { search: true })
  }),
  defineCommand({
    name: "geosearchstore",
    arity: -8,
    flags: "write denyoom",
    keys: [1, 2, 1],
    acl: "@write @geo @slow",
    docs: {
      summary:
        "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
      since: "6.2.0",
      group,
      complexity: searchComplexity
    },
    handler: (ctx, argv) => georadius(ctx, argv, 2, { search: true, searchStore: true })
  }),
  defineCommand({
    name: "georadius",
    arity: -6,
    flags: "write denyoom movablekeys",
    keys: [1, 1, 1],
    acl: "@write @geo @slow",
    getKeys: georadiusKeys(6),
    docs: {
      summary:
        "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
      since: "3.2.0",
      group,
      complexity: radiusComplexity
    },
    handler: (ctx, argv) => georadius(ctx, argv, 1, { byCoordinates: true })
  }),
  defineCommand({
    name: "georadiusbymember",
    arity: -5,
    flags: "write denyoom movablekeys",
    keys: [1, 1, 1],
    acl: "@write @geo @slow",
    getKeys: georadiusKeys(5),
    docs: {
      summary:
        "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
      since: "3.2.0",
      group,
      complexity: radiusComplexity
    },
    handler: (ctx, argv) => georadius(ctx, argv, 1, { byMember: true })
  }),
  defineCommand({
    name: "georadius_ro",
    arity: -6,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @geo @slow",
    docs: { summary: "A read-only variant for GEORADIUS", since: "3.2.10", group, complexity: radiusComplexity },
    handler: (ctx, argv) => georadius(ctx, argv, 1, { byCoordinates: true, readOnly: true })
  }),
  defineCommand({
    name: "georadiusbymember_ro",
    arity: -5,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @geo @slow",
    docs: { summary: "A read-only variant for GEORADIUSBYMEMBER", since: "3.2.10", group, complexity: radiusComplexity },
    handler: (ctx, argv) => georadius(ctx, argv, 1, { byMember: true, readOnly: true })
  })
]
