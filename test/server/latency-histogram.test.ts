/**
 * latency-tracking: per-command histograms (LATENCY HISTOGRAM, INFO latencystats). The histogram is
 * checked against a model written from HdrHistogram's definition for Redis's parameters (1 ns to 1 s, 2
 * significant digits: values below 256 exact, then ranges doubling with each power of two), not from
 * its counts array; the commands on a server, and against a real redis-server with durations masked.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LatencyHistogram } from "../../src/server/LatencyHistogram.ts"
import { checkCommands, describeDifferential, type Normalize } from "../support/differential.ts"
import { connectedServer } from "../support/server.ts"

/** The width of the range of values HdrHistogram cannot tell from `ns` at 2 significant digits. */
const rangeOf = (ns: number): number => (ns < 256 ? 1 : 2 ** (Math.floor(Math.log2(ns)) - 7))
const lowest = (ns: number): number => Math.floor(ns / rangeOf(ns)) * rangeOf(ns)
const highest = (ns: number): number => lowest(ns) + rangeOf(ns) - 1
const recorded = (usec: number): number => Math.min(Math.max(usec * 1000, 1), 1e9)

/** fillCommandCDF: at 1024 ns, 2048 ns...: the values up to the end of that level's range, while they grow. */
const modelCdf = (durations: ReadonlyArray<number>): Array<readonly [number, number]> => {
  const values = durations.map(recorded)
  const out: Array<readonly [number, number]> = []
  let previous = 0
  for (let level = 1024; previous < values.length; level *= 2) {
    // the counts end with the range 2^30 - 2^22 .. 2^30 - 1: a level past it reports that range's end
    const end = level >= 2 ** 30 ? 2 ** 30 - 1 : highest(level)
    const count = values.filter((v) => v <= end).length
    if (count > previous) out.push([Math.floor(end / 1000), count])
    previous = count
  }
  return out
}

const modelPercentile = (durations: ReadonlyArray<number>, p: number): number => {
  const values = durations.map(recorded).sort((a, b) => a - b)
  const rank = Math.max(Math.trunc((p / 100) * values.length + 0.5), 1)
  const value = values[Math.min(rank, values.length) - 1]!
  return p === 0 ? lowest(value) : highest(value)
}

const durations = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 3_000_000 })),
  { minLength: 1, maxLength: 300 }
)

describe("LatencyHistogram", () => {
  it("has Redis's buckets for known durations", () => {
    const h = new LatencyHistogram()
    for (const usec of [0, 1, 1, 5, 40, 2_000_000]) h.record(usec)
    // 0 and 1 us fall in the first level (1024..1031 ns: "1"), 5 us in 4096..4127's successor level 8192
    // (8192..8255: "8"), 40 us at 65536 (65536..66047: "66"), and 2 s is clamped to 1 s: its level, 2^30,
    // is past the last range the histogram has (which ends at 2^30 - 1: "1073741")
    expect(h.cumulative()).toEqual([[1, 3], [8, 4], [66, 5], [1073741, 6]])
    expect(h.total).toBe(6)
  })

  it("reports the cumulative distribution and the percentiles HdrHistogram defines", () => {
    fc.assert(
      fc.property(durations, fc.constantFrom(0, 50, 99, 99.9, 100), (ds, p) => {
        const h = new LatencyHistogram()
        for (const d of ds) h.record(d)
        expect(h.cumulative()).toEqual(modelCdf(ds))
        expect(h.valueAtPercentile(p)).toBe(modelPercentile(ds, p))
      }),
      { numRuns: 300 }
    )
  })
})

type Histograms = Record<string, { calls: number; buckets: ReadonlyArray<readonly [number, number]> }>

/** LATENCY HISTOGRAM's map (RESP2: flat arrays) as an object. */
const histograms = (value: unknown): Histograms => {
  const flat = value as ReadonlyArray<unknown>
  const out: Histograms = {}
  for (let i = 0; i < flat.length; i += 2) {
    const [, calls, , usec] = flat[i + 1] as [string, number, string, ReadonlyArray<number>]
    const buckets: Array<readonly [number, number]> = []
    for (let j = 0; j < usec.length; j += 2) buckets.push([usec[j]!, usec[j + 1]!])
    out[flat[i] as string] = { calls, buckets }
  }
  return out
}

describe("LATENCY HISTOGRAM and INFO latencystats", () => {
  const connection = connectedServer()

  it("keeps one histogram per command and subcommand that ran, cleared by CONFIG RESETSTAT", async () => {
    const c = connection()
    const replies = await c.pipeline([
      ["CONFIG", "RESETSTAT"],
      ["LATENCY", "HISTOGRAM"],
      ["SET", "a", "1"],
      ["SET", "b", "2"],
      ["GET", "a"],
      ["CLIENT", "ID"],
      ["CLIENT", "GETNAME"],
      ["LATENCY", "HISTOGRAM"],
      ["LATENCY", "HISTOGRAM", "set", "nosuch", "client", "zadd"],
      ["LATENCY", "HISTOGRAM", "client|id"],
      ["LATENCY", "HISTOGRAM", "nosuch"]
    ])
    // CONFIG RESETSTAT is recorded after it ran
    expect(Object.keys(histograms(replies[1]!.value))).toEqual(["config|resetstat"])
    const all = histograms(replies[7]!.value)
    expect(Object.keys(all).sort()).toEqual(["client|getname", "client|id", "config|resetstat", "get", "latency|histogram", "set"])
    expect(all.set!.calls).toBe(2)
    expect(all.get!.calls).toBe(1)
    for (const { calls, buckets } of Object.values(all)) {
      // cumulative: increasing bucket bounds and counts, ending at every call
      expect(buckets.at(-1)![1]).toBe(calls)
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]![0]).toBeGreaterThan(buckets[i - 1]![0])
        expect(buckets[i]![1]).toBeGreaterThan(buckets[i - 1]![1])
      }
    }
    // a container command's name brings its subcommands; unknown names are skipped
    expect(Object.keys(histograms(replies[8]!.value))).toEqual(["set", "client|id", "client|getname"])
    expect(Object.keys(histograms(replies[9]!.value))).toEqual(["client|id"])
    expect(replies[10]!.value).toEqual([])
  })

  it("INFO latencystats gives the configured percentiles; latency-tracking no stops recording and hides them", async () => {
    const c = connection()
    await c.call("CONFIG", "RESETSTAT")
    await c.call("SET", "k", "v")
    const section = async () => ((await c.call("INFO", "latencystats")).value as string).split("\r\n").filter((l) => l !== "" && !l.startsWith("#"))
    const lines = await section()
    expect(lines.find((l) => l.startsWith("latency_percentiles_usec_set:"))).toMatch(/^latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/)
    await c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "0 12.5 100")
    expect((await section()).find((l) => l.startsWith("latency_percentiles_usec_set:"))).toMatch(/^latency_percentiles_usec_set:p0=\d+\.\d{3},p12\.5=\d+\.\d{3},p100=\d+\.\d{3}$/)
    await c.call("CONFIG", "SET", "latency-tracking", "no")
    expect(await section()).toEqual([])
    await c.call("SET", "k", "v")
    await c.call("CONFIG", "SET", "latency-tracking", "yes")
    // the SET made while tracking was off is not in the histogram
    expect(histograms((await c.call("LATENCY", "HISTOGRAM", "set")).value).set!.calls).toBe(1)
    await c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
  })
})

/** Durations differ between servers: a histogram is kept as its commands, calls and final count. */
const maskHistogram: Normalize = (command, reply) => {
  if (command[0]?.toUpperCase() !== "LATENCY" || command[1]?.toUpperCase() !== "HISTOGRAM") return reply.raw
  return Object.entries(histograms(reply.value)).map(([name, { calls, buckets }]) => [name, calls, buckets.at(-1)![1]]).sort()
}

describeDifferential("LATENCY HISTOGRAM against Redis", (servers) => {
  it("the same commands, calls and totals", () =>
    checkCommands(servers(), [
      ["CONFIG", "RESETSTAT"],
      ["SET", "a", "1"],
      ["SET", "b", "2"],
      ["GET", "a"],
      ["HSET", "h", "f", "v"],
      ["CLIENT", "ID"],
      ["CONFIG", "GET", "latency-tracking"],
      ["LATENCY", "HISTOGRAM"],
      ["LATENCY", "HISTOGRAM", "set", "hset", "nosuch"],
      ["LATENCY", "HISTOGRAM", "client"],
      ["LATENCY", "HISTOGRAM", "config|get"],
      ["LATENCY", "HISTOGRAM", "nosuch"],
      ["CONFIG", "RESETSTAT"],
      ["LATENCY", "HISTOGRAM"]
    ], maskHistogram))
})
