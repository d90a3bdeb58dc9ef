/** Random geo commands (GEOADD, searches and their STORE forms, reads), shared by the differential suites. */
import fc from "fast-check"
import type { Command } from "../differential.ts"

/** Coordinates as clients send them: up to 6 decimals, around a region so searches find points. */
export const coordinate = (min: number, max: number) =>
  fc.integer({ min: Math.ceil(min * 1e6), max: Math.floor(max * 1e6) }).map((n) => (n / 1e6).toFixed(6))
export const anywhereLon = fc.oneof(coordinate(-180, 180), fc.constantFrom("-180", "180", "0", "-0"))
export const anywhereLat = fc.oneof(coordinate(-85.05112878, 85.05112878), fc.constantFrom("85.05112878", "-85.05112878", "0"))
export const nearLon = coordinate(10, 16)
export const nearLat = coordinate(36, 42)
export const member = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h", "", "x\u0000y")

export const geoadd: fc.Arbitrary<Command> = fc.tuple(
  fc.subarray(["NX", "XX", "CH"], { maxLength: 2 }),
  fc.array(fc.tuple(nearLon, nearLat, member), { minLength: 1, maxLength: 6 })
).map(([opts, points]) => ["GEOADD", "g", ...opts, ...points.flat()])

export const unit = fc.constantFrom("m", "km", "mi", "ft", "KM")
export const radius = fc.oneof(fc.integer({ min: 0, max: 800_000 }).map((n) => (n / 1000).toString()), fc.constantFrom("0", "1"))
export const from = fc.oneof(
  fc.tuple(nearLon, nearLat).map(([lon, lat]) => ["FROMLONLAT", lon, lat]),
  member.map((m) => ["FROMMEMBER", m])
)
export const by = fc.oneof(
  fc.tuple(radius, unit).map(([r, u]) => ["BYRADIUS", r, u]),
  fc.tuple(radius, radius, unit).map(([w, h, u]) => ["BYBOX", w, h, u])
)
export const outputOptions = fc.tuple(
  fc.subarray(["WITHDIST", "WITHCOORD", "WITHHASH"]),
  fc.constantFrom([], ["ASC"], ["DESC"]),
  fc.option(fc.integer({ min: 1, max: 5 }).map((n) => ["COUNT", String(n)]), { nil: [] as Array<string> }),
  fc.boolean()
).map(([withs, sort, count, any]) => [...withs, ...sort, ...count, ...(any && count.length > 0 ? ["ANY"] : [])])

export const search: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(from, by, outputOptions).map(([f, b, o]) => ["GEOSEARCH", "g", ...f, ...b, ...o]),
  fc.tuple(from, by, fc.boolean()).map(([f, b, d]) => ["GEOSEARCHSTORE", "dst", "g", ...f, ...b, ...(d ? ["STOREDIST"] : [])]),
  fc.tuple(nearLon, nearLat, radius, unit, outputOptions).map(([lon, lat, r, u, o]) => ["GEORADIUS", "g", lon, lat, r, u, ...o]),
  fc.tuple(member, radius, unit, outputOptions).map(([m, r, u, o]) => ["GEORADIUSBYMEMBER_RO", "g", m, r, u, ...o]),
  fc.tuple(nearLon, nearLat, radius, unit, fc.constantFrom("STORE", "STOREDIST")).map(([lon, lat, r, u, s]) => [
    "GEORADIUS",
    "g",
    lon,
    lat,
    r,
    u,
    s,
    "dst"
  ])
)

/** Searches that take in all of a small area, ordered and cut by COUNT: where ties decide the order. */
export const searchAmongTies: fc.Arbitrary<Command> = fc.tuple(
  fc.oneof(fc.constant(["FROMMEMBER", "p0"]), fc.tuple(nearLon, nearLat).map(([lon, lat]) => ["FROMLONLAT", lon, lat])),
  fc.constantFrom("ASC", "DESC"),
  fc.integer({ min: 1, max: 40 }),
  fc.subarray(["WITHDIST", "WITHHASH"])
).map(([from, sort, count, withs]) => ["GEOSEARCH", "g", ...from, "BYRADIUS", "2000", "km", sort, "COUNT", String(count), ...withs])

export const geoCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: geoadd },
  { weight: 5, arbitrary: search },
  { weight: 1, arbitrary: fc.tuple(member, member).map(([a, b]) => ["GEOPOS", "g", a, b]) },
  { weight: 1, arbitrary: fc.tuple(member, member).map(([a, b]) => ["GEOHASH", "g", a, b]) },
  { weight: 1, arbitrary: fc.tuple(member, member, unit).map(([a, b, u]) => ["GEODIST", "g", a, b, u]) },
  { weight: 1, arbitrary: fc.constant(["ZRANGE", "dst", "0", "-1", "WITHSCORES"]) },
  { weight: 1, arbitrary: member.map((m) => ["ZREM", "g", m]) }
)
