/**
 * Property tests of the geohash and of searches, in process: positions round-trip within their
 * cell, C's uint64 cast and %.Nf are reproduced exactly, and GEOSEARCH/GEORADIUS find exactly the
 * points a brute-force scan of every member finds (the 3x3-cell search misses nothing).
 */
import { Effect, ManagedRuntime } from "effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { formatFixed } from "../../src/commands/geo.ts"
import {
  decodeScore,
  distance,
  doubleToUint64Words,
  encodeScore,
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  standardGeohash
} from "../../src/keyspace/geohash.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

const lon = fc.double({ min: -180, max: 180, noNaN: true })
const lat = fc.double({ min: GEO_LAT_MIN, max: GEO_LAT_MAX, noNaN: true })
const CELL_LON = 360 / 2 ** 26
const CELL_LAT = (GEO_LAT_MAX - GEO_LAT_MIN) / 2 ** 26

describe("geohash", () => {
  it("a position decodes to the centre of its 52-bit cell, within half a cell of where it was", () => {
    // (within 1e-14 of longitude 180 the hash needs 54 bits and its score rounds, in Redis as here)
    fc.assert(
      fc.property(fc.double({ min: -180, max: 179.9999, noNaN: true }), lat, (x, y) => {
        const score = encodeScore(x, y)!
        expect(Number.isInteger(score) && score >= 0 && score <= 2 ** 52 + 2 ** 53).toBe(true)
        const [dx, dy] = decodeScore(score)
        expect(Math.abs(dx - x)).toBeLessThanOrEqual(CELL_LON / 2 + 1e-9)
        expect(Math.abs(dy - y)).toBeLessThanOrEqual(CELL_LAT / 2 + 1e-9)
        // the centre of a cell encodes to that cell again
        expect(encodeScore(dx, dy)).toBe(score)
      }),
      { numRuns: 2000 }
    )
  })

  it("positions outside Redis's limits do not encode", () => {
    expect(encodeScore(180.000001, 0)).toBeUndefined()
    expect(encodeScore(0, GEO_LAT_MAX + 1e-9)).toBeUndefined()
    expect(encodeScore(0, GEO_LAT_MIN - 1e-9)).toBeUndefined()
  })

  it("GEOHASH strings are standard geohashes: decoding one gives a box around the position", () => {
    const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
    /** Standard geohash decoding: bits alternate longitude, latitude, each halving its interval. */
    const decodeBox = (hash: string) => {
      const lonRange = [-180, 180]
      const latRange = [-90, 90]
      let even = true
      for (const ch of hash.slice(0, 10)) {
        const v = alphabet.indexOf(ch)
        for (let bit = 4; bit >= 0; bit--) {
          const range = even ? lonRange : latRange
          const mid = (range[0]! + range[1]!) / 2
          if ((v >> bit) & 1) range[0] = mid
          else range[1] = mid
          even = !even
        }
      }
      return { lonRange, latRange }
    }
    // (at longitude 180 itself the re-encoding wraps around to -180, in Redis as here)
    fc.assert(
      fc.property(fc.double({ min: -180, max: 179.9999, noNaN: true }), lat, (x, y) => {
        const score = encodeScore(x, y)!
        const hash = standardGeohash(score)
        expect(hash).toMatch(/^[0-9b-hjkmnp-z]{10}0$/)
        const [dx, dy] = decodeScore(score)
        const { lonRange, latRange } = decodeBox(hash)
        expect(dx).toBeGreaterThanOrEqual(lonRange[0]! - 1e-9)
        expect(dx).toBeLessThanOrEqual(lonRange[1]! + 1e-9)
        expect(dy).toBeGreaterThanOrEqual(latRange[0]! - 1e-9)
        expect(dy).toBeLessThanOrEqual(latRange[1]! + 1e-9)
      }),
      { numRuns: 1000 }
    )
  })

  it("C's (uint64_t) cast of a double is reproduced for every kind of score", () => {
    const TWO64 = 2n ** 64n
    const reference = (d: number): bigint => {
      if (Number.isNaN(d) || d < -(2 ** 63)) return 2n ** 63n
      if (d < 2 ** 63) return (BigInt(Math.trunc(d)) + TWO64) % TWO64
      if (d < 2 ** 64) return BigInt(Math.trunc(d))
      return 0n
    }
    const special = fc.constantFrom(0, -0, -1, 1.5, -1.5, 2 ** 52, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, Infinity, -Infinity, NaN)
    fc.assert(
      fc.property(fc.oneof(fc.double(), special, fc.integer().map((n) => n * 1e9)), (d) => {
        const [hi, lo] = doubleToUint64Words(d)
        expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(reference(d))
      }),
      { numRuns: 2000 }
    )
  })

  it("%.Nf rounds the exact binary value half to even, like glibc's printf", () => {
    // An independent rounding: toFixed(100) writes the exact value (a double needs fewer digits
    // than that wherever %.6f can be at a tie).
    const reference = (d: number, digits: number): string => {
      const negative = d < 0 || Object.is(d, -0)
      const exact = Math.abs(d).toFixed(100)
      const [whole, fraction] = exact.split(".") as [string, string]
      let kept = BigInt(whole + fraction.slice(0, digits))
      const rest = fraction.slice(digits)
      const half = "5".padEnd(rest.length, "0")
      if (rest > half || (rest === half && kept % 2n === 1n)) kept += 1n
      const text = kept.toString().padStart(digits + 1, "0")
      return `${negative ? "-" : ""}${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`
    }
    const ties = fc.tuple(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), fc.integer({ min: 1, max: 12 })).map(([n, e]) => n / 2 ** e)
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1e15, max: 1e15, noNaN: true }), ties), fc.constantFrom(4, 6), (d, digits) => {
        expect(formatFixed(d, digits)).toBe(reference(d, digits))
      }),
      { numRuns: 3000 }
    )
    expect(formatFixed(1e300, 6)).toBe(`${BigInt(1e300)}.000000`)
    expect(formatFixed(-Infinity, 6)).toBe("-inf")
  })
})

// --- searches against brute force ------------------------------------------------------------------

describe("geo searches against a brute-force scan (in-process RedisClient)", () => {
  const runtime = ManagedRuntime.make(embeddedRedis({ "zset-max-listpack-entries": "32" }))
  afterAll(() => runtime.dispose())

  const run = (...argv: ReadonlyArray<string>): Promise<unknown> =>
    runtime.runPromise(
      Effect.gen(function*() {
        const redis = yield* RedisClient
        return yield* redis.command(...argv)
      })
    )

  /** Points around a random place, from metres to hundreds of kilometres away, in latitudes Redis covers well. */
  const scene = fc.record({
    center: fc.tuple(fc.double({ min: -170, max: 170, noNaN: true }), fc.double({ min: -70, max: 70, noNaN: true })),
    offsets: fc.array(
      fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true })),
      { minLength: 1, maxLength: 80 }
    ),
    radiusKm: fc.double({ min: 0.001, max: 600, noNaN: true }),
    box: fc.tuple(fc.double({ min: 0.001, max: 1200, noNaN: true }), fc.double({ min: 0.001, max: 1200, noNaN: true }))
  })

  it("BYRADIUS and GEORADIUS find exactly the members within the radius, closest first", async () => {
    let nonEmpty = 0
    await fc.assert(
      fc.asyncProperty(scene, async ({ center, offsets, radiusKm }) => {
        await run("FLUSHALL")
        const points = offsets.map(([dx, dy], i) => [center[0] + dx, Math.max(-80, Math.min(80, center[1] + dy)), i] as const)
        await run("GEOADD", "g", ...points.flatMap(([x, y, i]) => [x.toFixed(6), y.toFixed(6), `p${i}`]))
        const decoded = new Map<string, readonly [number, number]>()
        for (const [, , i] of points) decoded.set(`p${i}`, decodeScore(Number(await run("ZSCORE", "g", `p${i}`))))
        // the centre is parsed from its 6-decimal text: the expectation uses those exact values
        const args = [center[0].toFixed(6), center[1].toFixed(6)]
        const [px, py] = args.map(Number) as [number, number]
        const expected = [...decoded]
          .map(([m, [x, y]]) => [m, distance(px, py, x, y)] as const)
          .filter(([, d]) => d <= radiusKm * 1000)
          .sort((a, b) => a[1] - b[1])
          .map(([m]) => m)
        const search = await run("GEOSEARCH", "g", "FROMLONLAT", ...args, "BYRADIUS", String(radiusKm), "km", "ASC")
        expect(new Set(search as Array<string>)).toEqual(new Set(expected))
        const distances = (search as Array<string>).map((m) => distance(px, py, ...decoded.get(m)!))
        for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeGreaterThanOrEqual(distances[i - 1]!)
        if (expected.length > 0) nonEmpty++
        const radius = await run("GEORADIUS", "g", ...args, String(radiusKm), "km", "ASC")
        expect(radius).toEqual(search)
      }),
      { numRuns: 150 }
    )
    expect(nonEmpty).toBeGreaterThan(50)
  })

  it("BYBOX finds exactly the members inside the box", async () => {
    await fc.assert(
      fc.asyncProperty(scene, async ({ center, offsets, box: [widthKm, heightKm] }) => {
        await run("FLUSHALL")
        const points = offsets.map(([dx, dy], i) => [center[0] + dx, Math.max(-80, Math.min(80, center[1] + dy)), i] as const)
        await run("GEOADD", "g", ...points.flatMap(([x, y, i]) => [x.toFixed(6), y.toFixed(6), `p${i}`]))
        const [px, py] = [Number(center[0].toFixed(6)), Number(center[1].toFixed(6))]
        const expected: Array<string> = []
        for (const [, , i] of points) {
          const [x, y] = decodeScore(Number(await run("ZSCORE", "g", `p${i}`)))
          // a point is inside when its east-west and north-south distances from the centre fit
          if (distance(x, y, px, y) <= (widthKm * 1000) / 2 && distance(x, y, x, py) <= (heightKm * 1000) / 2) expected.push(`p${i}`)
        }
        const found = await run("GEOSEARCH", "g", "FROMLONLAT", px.toFixed(6), py.toFixed(6), "BYBOX", String(widthKm), String(heightKm), "km")
        expect(new Set(found as Array<string>)).toEqual(new Set(expected))
      }),
      { numRuns: 150 }
    )
  })
})
