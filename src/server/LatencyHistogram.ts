/**
 * A command's latency histogram (latency-tracking): the HdrHistogram Redis 7.0 keeps per command
 * (deps/hdr_histogram), with its parameters — values in nanoseconds from 1 to 10^9, 2 significant
 * digits — so LATENCY HISTOGRAM's buckets and INFO latencystats' percentiles are computed from the
 * same counts array and the same equivalence ranges as Redis's. Durations arrive in whole
 * microseconds, as Redis's ustime-based durations do, and are recorded as nanoseconds.
 */

const MIN_VALUE = 1
const MAX_VALUE = 1_000_000_000
// 2 significant digits: 2 * 10^2 values at single-unit resolution need 2^8 sub-buckets
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 7
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2
const SUB_BUCKET_MASK = SUB_BUCKET_COUNT - 1
/** Buckets covering 1..10^9 (256 << 22 > 10^9): 23, and the counts array is (23 + 1) * 128 long. */
const COUNTS_LENGTH = 24 * SUB_BUCKET_HALF_COUNT

// values stay below 2^31, so 32-bit operations are exact (unit magnitude 0: the lowest value is 1)
const bucketIndex = (value: number): number => 32 - Math.clz32(value | SUB_BUCKET_MASK) - (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1)
const subBucketIndex = (value: number, bucket: number): number => value >>> bucket
const countsIndex = (bucket: number, sub: number): number => ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub - SUB_BUCKET_HALF_COUNT

const valueAtIndex = (index: number): number => {
  let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT
    bucket = 0
  }
  return sub * 2 ** bucket
}

const lowestEquivalent = (value: number): number => {
  const bucket = bucketIndex(value)
  return subBucketIndex(value, bucket) * 2 ** bucket
}

const rangeSize = (value: number): number => {
  const bucket = bucketIndex(value)
  return 2 ** (subBucketIndex(value, bucket) >= SUB_BUCKET_COUNT ? bucket + 1 : bucket)
}

const highestEquivalent = (value: number): number => lowestEquivalent(value) + rangeSize(value) - 1

export class LatencyHistogram {
  private readonly counts = new Float64Array(COUNTS_LENGTH)
  total = 0

  /** updateCommandLatencyHistogram: a duration in microseconds, clamped to the histogram's range. */
  record(usec: number): void {
    const ns = Math.min(Math.max(usec * 1000, MIN_VALUE), MAX_VALUE)
    const bucket = bucketIndex(ns)
    this.counts[countsIndex(bucket, subBucketIndex(ns, bucket))]!++
    this.total++
  }

  /**
   * fillCommandCDF's buckets: Redis walks the histogram with a logarithmic iterator (first level 1024
   * ns, base 2) and reports, for each level whose cumulative count grew, the highest value equivalent
   * to the first recorded index at or past the level, in microseconds.
   */
  cumulative(): Array<readonly [usec: number, count: number]> {
    const out: Array<readonly [number, number]> = []
    let index = -1
    let value = 0
    let highest = 0
    let cumulative = 0
    let previous = 0
    let level = 1024
    let levelLowest = lowestEquivalent(level)
    for (;;) {
      // log_iter_next: go on while counts remain, or while the walk is already past the next level
      if (!(cumulative < this.total || (index < COUNTS_LENGTH && valueAtIndex(index + 1) > levelLowest))) break
      let ended = false
      while (value < levelLowest) {
        index++
        if (index >= COUNTS_LENGTH) {
          ended = true
          break
        }
        cumulative += this.counts[index]!
        value = valueAtIndex(index)
        highest = highestEquivalent(value)
      }
      if (!ended) {
        level *= 2
        levelLowest = lowestEquivalent(level)
      }
      if (cumulative > previous) out.push([Math.floor(highest / 1000), cumulative])
      previous = cumulative
      if (ended) break
    }
    return out
  }

  /** hdr_value_at_percentile, in nanoseconds. */
  valueAtPercentile(percentile: number): number {
    const requested = Math.min(percentile, 100)
    const countAtPercentile = Math.max(Math.trunc((requested / 100) * this.total + 0.5), 1)
    let value = 0
    let seen = 0
    for (let index = 0; index < COUNTS_LENGTH; index++) {
      seen += this.counts[index]!
      if (seen >= countAtPercentile) {
        value = valueAtIndex(index)
        break
      }
    }
    return percentile === 0 ? lowestEquivalent(value) : highestEquivalent(value)
  }
}
