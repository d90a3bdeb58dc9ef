/**
 * Geo commands against a real redis-server: every error path of geo.c byte for byte (RESP2 and
 * RESP3), GEOADD scores bit-identical to Redis's for random coordinates, and random searches whose
 * members, order, distances (to the printed 4 decimals) and coordinates (1e-6 degrees) match.
 */
import fc from "fast-check"
import { it } from "vitest"
import {
  type Command,
  checkCommands,
  checkSequences,
  describeDifferential,
  exact,
  toComparable
} from "../support/differential.ts"
import { decodeScore, distance, encodeScoreText } from "../../src/keyspace/geohash.ts"
import type { RawReply } from "../support/raw.ts"
import { anywhereLat, anywhereLon, geoCommand, member, nearLat, nearLon, search, searchAmongTies } from "../support/generators/geo.ts"

const examples: ReadonlyArray<Command> = [
  ["SET", "str", "x"],
  // GEOADD: options, the triplets, then each coordinate pair, then ZADD's own checks
  ["GEOADD", "g", "1", "2"],
  ["GEOADD", "g", "1", "2", "m", "3"],
  ["GEOADD", "g", "NX", "XX", "1", "2", "m"],
  ["GEOADD", "g", "CH", "CH", "CH"],
  ["GEOADD", "g", "NX", "CH", "1", "2"],
  ["GEOADD", "g", "x", "2", "m"],
  ["GEOADD", "g", "1", "x", "m"],
  ["GEOADD", "g", "200", "100", "m"],
  ["GEOADD", "g", "1", "85.06", "m"],
  ["GEOADD", "g", "-180.0000001", "0", "m"],
  ["GEOADD", "g", "1e300", "2", "m"],
  ["GEOADD", "g", "-0.0078125", "95", "m"],
  ["GEOADD", "g", "inf", "0", "m"],
  ["GEOADD", "g", "1", "2", "ok", "1", "95", "bad"],
  ["EXISTS", "g"],
  ["GEOADD", "str", "1", "2", "m"],
  ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
  ["GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo", "2.349014", "48.864716", "Paris"],
  ["GEOADD", "g", "NX", "0", "0", "Palermo", "-0.127758", "51.507351", "London"],
  ["GEOADD", "g", "XX", "CH", "12.496366", "41.902782", "Paris", "0", "0", "Nowhere"],
  ["GEOADD", "g", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw", "0", "0", "origin", "-0", "-0", "negorigin"],
  ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
  // GEOPOS / GEOHASH / GEODIST
  ["GEOPOS", "g", "Palermo", "missing", "ne", "sw", "origin", "negorigin"],
  ["GEOPOS", "nokey", "a", "b"],
  ["GEOPOS", "str", "a"],
  ["GEOPOS", "g"],
  ["GEOHASH", "g", "Palermo", "Catania", "ne", "sw", "origin", "missing"],
  ["GEOHASH", "nokey", "a"],
  ["GEOHASH", "str", "a"],
  ["GEODIST", "g", "Palermo", "Catania"],
  ["GEODIST", "g", "Palermo", "Catania", "km"],
  ["GEODIST", "g", "Palermo", "Catania", "MI"],
  ["GEODIST", "g", "Palermo", "Catania", "Ft"],
  ["GEODIST", "g", "Palermo", "Catania", "m"],
  ["GEODIST", "g", "Palermo", "Catania", "yd"],
  ["GEODIST", "g", "Palermo", "Catania", "km", "x"],
  ["GEODIST", "g", "Palermo", "Palermo"],
  ["GEODIST", "g", "ne", "sw"],
  ["GEODIST", "g", "Palermo", "missing"],
  ["GEODIST", "nokey", "a", "b"],
  ["GEODIST", "nokey", "a", "b", "yd"],
  ["GEODIST", "str", "a", "b"],
  // a plain sorted set decodes too, whatever its scores
  ["ZADD", "z", "1", "a", "-5", "neg", "1e300", "huge", "inf", "pinf", "-inf", "ninf", "123.75", "frac", "4503599627370496", "top"],
  ["GEOPOS", "z", "a", "neg", "huge", "pinf", "ninf", "frac", "top"],
  ["GEOHASH", "z", "a", "neg", "huge", "pinf", "ninf", "frac", "top"],
  ["GEODIST", "z", "neg", "huge"],
  ["GEOSEARCH", "z", "FROMMEMBER", "a", "BYBOX", "1", "1", "m", "WITHHASH", "WITHCOORD", "WITHDIST"],
  ["GEOSEARCH", "z", "FROMMEMBER", "neg", "BYRADIUS", "1", "km", "WITHHASH"],
  // GEORADIUS and GEORADIUSBYMEMBER: centre and radius first, then the options
  ["GEORADIUS", "g", "15", "37", "200", "km"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "WITHDIST", "ASC"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "WITHDIST", "DESC"],
  ["GEORADIUS", "g", "15", "37", "2000", "km", "COUNT", "2"],
  ["GEORADIUS", "g", "15", "37", "2000", "km", "COUNT", "2", "DESC"],
  ["GEORADIUS", "g", "15", "37", "2000", "km", "COUNT", "1", "ANY"],
  ["GEORADIUS", "g", "15", "37", "2000", "km", "COUNT", "10", "ANY", "WITHDIST"],
  ["GEORADIUS", "g", "15", "37", "1", "m"],
  ["GEORADIUS", "g", "0", "0", "0", "m", "WITHDIST"],
  ["GEORADIUS", "g", "0", "0", "20000", "km"],
  ["GEORADIUS", "g", "200", "0", "1", "m"],
  ["GEORADIUS", "g", "x", "0", "1", "m"],
  ["GEORADIUS", "g", "0", "0", "x", "m"],
  ["GEORADIUS", "g", "0", "0", "-1", "m"],
  ["GEORADIUS", "g", "0", "0", "1", "yd"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "ANY"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT", "0"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT", "-1"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT", "x"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "STORE"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "STORE", "x", "WITHDIST"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "FOO"],
  ["GEORADIUS", "g", "0", "0", "1", "m", "FROMLONLAT", "0", "0"],
  ["GEORADIUS", "nokey", "0", "0", "1", "m"],
  ["GEORADIUS", "nokey", "0", "0", "1", "m", "STORE", "str"],
  ["EXISTS", "str"],
  ["SET", "str", "x"],
  ["GEORADIUS", "str", "0", "0", "1", "m"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "dst"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "dst", "COUNT", "1"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "dst"],
  ["EXISTS", "dst"],
  ["GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "WITHDIST", "WITHCOORD"],
  ["GEORADIUSBYMEMBER", "g", "missing", "200", "km"],
  ["GEORADIUSBYMEMBER", "g", "Palermo", "x", "km"],
  ["GEORADIUSBYMEMBER", "nokey", "zz", "x", "m"],
  ["GEORADIUSBYMEMBER", "nokey", "zz", "1", "m", "FOO"],
  ["GEORADIUSBYMEMBER", "nokey", "zz", "1", "m", "STORE", "dst2"],
  ["GEORADIUSBYMEMBER", "str", "zz", "1", "m"],
  ["GEORADIUS_RO", "g", "15", "37", "200", "km", "WITHDIST"],
  ["GEORADIUS_RO", "g", "15", "37", "200", "km", "STORE", "x"],
  ["GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "STOREDIST", "x"],
  ["GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "COUNT", "1"],
  // GEOSEARCH / GEOSEARCHSTORE: exactly one FROM and one BY
  ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST", "WITHCOORD"],
  ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "DESC", "WITHHASH"],
  ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "1000", "200", "km", "COUNT", "1"],
  ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "0", "0", "km"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "STORE", "x"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "STOREDIST"],
  ["geoSearch", "g", "FROMLONLAT", "0", "0", "WITHDIST", "ASC"],
  ["geosearch", "g", "BYRADIUS", "1", "m", "WITHDIST", "ASC"],
  ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "m", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "BYRADIUS", "5000", "km"],
  ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "g", "FROMMEMBER", "missing", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "95", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "x", "x", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "-1", "1", "m"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "-1", "yd"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "yd"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1"],
  ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "ANY"],
  ["GEOSEARCH", "nokey", "FROMMEMBER", "zz", "BYBOX", "1", "1", "m"],
  ["GEOSEARCH", "nokey", "FROMMEMBER", "zz", "BYBOX", "1", "1", "m", "COUNT", "0"],
  ["GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "m"],
  ["GEOSEARCH", "str", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "m"],
  ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"],
  ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
  ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "STOREDIST", "DESC", "COUNT", "1"],
  ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
  ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"],
  ["EXISTS", "d"],
  ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "WITHDIST"],
  ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "STORE", "x"],
  ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "STOREDIST", "x"],
  ["GEOSEARCHSTORE", "str", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"],
  ["EXISTS", "str"],
  // points at the same place are equally far: COUNT's partial sort orders them like Redis's pqsort
  ["GEOADD", "same", ...Array.from({ length: 60 }, (_, i) => ["10", "10", `p${i}`]).flat()],
  ["GEOADD", "same", ...Array.from({ length: 60 }, (_, i) => ["10.001", "10.001", `q${i}`]).flat()],
  ["GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "10", "km", "COUNT", "7"],
  ["GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "10", "km", "COUNT", "50", "DESC"],
  ["GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "10", "km", "COUNT", "70", "ASC"],
  ["GEOSEARCH", "same", "FROMLONLAT", "10.0005", "10.0005", "BYRADIUS", "10", "km", "ASC"],
  ["GEOSEARCH", "same", "FROMLONLAT", "10", "10", "BYRADIUS", "10", "km", "COUNT", "3", "ANY"]
]

// --- random data --------------------------------------------------------------------------------

/** Compares a reply's numbers with a tolerance: distances to the 4 printed decimals, the rest to 1e-6. */
const close = (a: unknown, b: unknown): boolean => {
  if (typeof a === "string" && typeof b === "string" && a !== b) {
    const x = Number(a)
    const y = Number(b)
    // geohash scores (about 1e15) are never approximate; distances are
    if (a.length === 0 || b.length === 0 || Number.isNaN(x) || Number.isNaN(y) || Math.abs(y) >= 1e9) return false
    return Math.abs(x - y) <= 1.5e-4 + Math.abs(y) * 1e-12
  }
  // RESP3 doubles (ZRANGE WITHSCORES of a STOREDIST key) arrive as numbers: the same rule
  if (typeof a === "number" && typeof b === "number" && a !== b) return close(String(a), String(b))
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => close(v, b[i]))
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Trigonometry in V8 and glibc may differ in the last bit: a distance may print one unit apart in
 * its 4th decimal (or a STOREDIST score in its 17th digit). Anything else must match exactly, the
 * order of the results included (a reordering tolerance once hid the wrong order of exact ties).
 */
const tolerateFloats = (command: Command, ours: RawReply, theirs: RawReply): boolean => {
  const name = command[0]!.toUpperCase()
  const computed = (name.startsWith("GEO") && !["GEOADD", "GEOPOS", "GEOHASH"].includes(name)) ||
    (name === "ZRANGE" && command[1] === "dst")
  if (!computed) return false
  const a = toComparable(ours.value)
  const b = toComparable(theirs.value)
  return close(a, b)
}


describeDifferential("geo commands", (servers) => {
  it("replies and errors match Redis byte for byte (RESP2)", () => checkCommands(servers(), examples))
  it("replies and errors match Redis byte for byte (RESP3)", () => checkCommands(servers(), [["HELLO", "3"], ...examples]))

  it("GEOADD stores exactly Redis's scores, and GEOPOS/GEOHASH decode them alike, anywhere on the map", () =>
    checkSequences(
      servers(),
      fc.array(fc.tuple(anywhereLon, anywhereLat, member), { minLength: 1, maxLength: 8 }).map((points) => [
        ["GEOADD", "g", ...points.flat()],
        ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
        ["GEOPOS", "g", ...points.map((p) => p[2])],
        ["GEOHASH", "g", ...points.map((p) => p[2])],
        ["GEODIST", "g", points[0]![2], points[points.length - 1]![2], "km"]
      ]),
      { numRuns: 300, normalize: exact, tolerate: tolerateFloats }
    ))

  it("a point exactly at the radius is in, one a hair beyond is out; points at equal distances come in Redis's order, with and without COUNT", () => {
    const places: ReadonlyArray<readonly [number, number, string]> = [
      [13, 38, "c"],
      [13.1, 38, "e"],
      [12.9, 38.05, "w"],
      [13.02, 38.3, "n"],
      [13.5, 37.6, "far"],
      ...[1, 2, 3, 4, 5].map((i) => [13.05, 38.02, `same${i}`] as const)
    ]
    // the stored positions are the centres of the 52-bit cells, as Redis decodes them
    const at = (lon: number, lat: number) => decodeScore(Number(encodeScoreText(lon, lat)))
    const [cx, cy] = at(13, 38)
    const searches: Array<Command> = []
    for (const [lon, lat, name] of places.slice(1, 5)) {
      const meters = distance(cx, cy, ...at(lon, lat))
      const below = meters - meters * 2 ** -52
      for (const radius of [meters, below, meters * (1 - 1e-10), meters * (1 + 1e-10)]) {
        searches.push(["GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", radius.toPrecision(17), "m", "ASC", "WITHDIST"])
        searches.push(["GEORADIUS", "g", "13", "38", (radius / 1000).toPrecision(17), "km", "DESC"])
      }
      searches.push(["GEODIST", "g", "c", name])
    }
    return checkCommands(servers(), [
      ["GEOADD", "g", ...places.flatMap(([lon, lat, name]) => [String(lon), String(lat), name])],
      ...searches,
      ["GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", "100", "km", "ASC"],
      ["GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", "100", "km", "DESC", "COUNT", "3"],
      ["GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", "100", "km", "ASC", "COUNT", "2"],
      ["GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", "100", "km", "ASC", "COUNT", "6"],
      ["GEOSEARCH", "g", "FROMLONLAT", "13.05", "38.02", "BYRADIUS", "1", "km", "ASC", "WITHDIST"],
      ["GEOSEARCH", "g", "FROMLONLAT", "13.05", "38.02", "BYRADIUS", "1", "km", "ASC", "COUNT", "3", "WITHDIST"],
      ["GEOSEARCHSTORE", "dst", "g", "FROMMEMBER", "c", "BYRADIUS", "100", "km", "ASC", "COUNT", "4", "STOREDIST"],
      ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
      ["GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", "30000", "km", "ASC", "WITHDIST"]
    ])
  })

  for (const protocol of [2, 3]) {
    it(`random searches find the same points, in the same order, as Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.array(geoCommand, { maxLength: 25 }), {
        numRuns: 150,
        tolerate: tolerateFloats,
        ...(protocol === 3 ? { setup: [["HELLO", "3"]] } : {})
      }))
  }
})

describeDifferential(
  "geo commands on the skiplist encoding",
  (servers) => {
    it("random searches over larger sets find the same points as Redis", () =>
      checkSequences(
        servers(),
        fc.tuple(
          fc.array(fc.tuple(nearLon, nearLat), { minLength: 20, maxLength: 150 }),
          fc.array(search, { minLength: 1, maxLength: 10 })
        ).map(([points, searches]) => [
          ["GEOADD", "g", ...points.flatMap(([lon, lat], i) => [lon, lat, `p${i}`])],
          ["OBJECT", "ENCODING", "g"],
          ...searches
        ]),
        { numRuns: 60, tolerate: tolerateFloats }
      ))

    it("members sharing a few positions (exact distance ties) come out in Redis's order, COUNT or not", () =>
      checkSequences(
        servers(),
        fc.tuple(
          fc.array(fc.tuple(nearLon, nearLat), { minLength: 1, maxLength: 12 }),
          fc.array(fc.nat(), { minLength: 2, maxLength: 30 }),
          fc.array(searchAmongTies, { minLength: 1, maxLength: 10 })
        ).map(([positions, picks, searches]) => [
          ["GEOADD", "g", ...picks.flatMap((k, i) => [...positions[k % positions.length]!, `p${i}`])],
          ...searches
        ]),
        { numRuns: 60, tolerate: tolerateFloats }
      ))
  },
  { config: { "zset-max-listpack-entries": "16" }, oracleArgs: ["--zset-max-listpack-entries", "16"] }
)
