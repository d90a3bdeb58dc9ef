import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig } from "../config/ServerConfig.ts"
import type { Database } from "./Database.ts"
import { Keyspace, type KeyspaceState } from "./Keyspace.ts"

/** Redis's ACTIVE_EXPIRE_CYCLE_* constants (expire.c), for active-expire-effort 1. */
const KEYS_PER_LOOP = 20
const FAST_DURATION_MS = 1
const SLOW_TIME_PERCENT = 25
const ACCEPTABLE_STALE_PERCENT = 10
/** CRON_DBS_PER_CALL: databases visited by one cycle unless the previous one ran out of time. */
const DBS_PER_CALL = 16

/** SLOW runs from the cron (hz); FAST runs between crons while the last cycle ran out of time. */
export type ExpireCycleType = "slow" | "fast"

/**
 * Active expiry of one keyspace: what activeExpireCycle keeps between calls (static variables in
 * Redis). The ActiveExpiry Layer owns one; a test drives its own with `activeExpireCycle`.
 */
export class ExpireCycle {
  readonly keyspace: KeyspaceState
  /** Next database to visit: each cycle starts where the previous one stopped. */
  currentDb = 0
  /** The previous cycle hit its time limit: this one visits every database, and fast cycles run. */
  timelimitExit = false
  /** performance.now() of the last fast cycle. */
  lastFastCycle = -Infinity

  constructor(keyspace: KeyspaceState) {
    this.keyspace = keyspace
  }
}

/**
 * One cycle of Redis 7.0's activeExpireCycle. For each database in turn (resuming after the one
 * where the last cycle stopped), sample up to 20 volatile keys from a cursor that persists across
 * cycles, delete the expired ones, and sample the same database again while more than 10% of a
 * sample had expired. A slow cycle stops when it has used 25% of the 1000/hz ms period, a fast one
 * after 1 ms (checked every 16 samples, like Redis). A fast cycle only runs when the previous cycle
 * ran out of time, and not twice within 2 ms. `effort` is active-expire-effort (1-10), which scales
 * these numbers as Redis does. Updates avg_ttl per database, expired_stale_perc and
 * expired_time_cap_reached_count. Returns the number of keys expired.
 *
 * The budget is CPU time, so it is measured with `performance.now()`; which keys are expired is
 * decided by `keyspace.now` (Effect's Clock), so a TestClock drives expiry deterministically.
 */
export const activeExpireCycle = (state: ExpireCycle, hz: number, effort = 1, type: ExpireCycleType = "slow"): number => {
  const extra = Number.isFinite(effort) ? Math.min(9, Math.max(0, Math.trunc(effort) - 1)) : 0
  const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * extra
  const fastDurationMs = FAST_DURATION_MS + (FAST_DURATION_MS / 4) * extra
  const slowTimePercent = SLOW_TIME_PERCENT + 2 * extra
  const acceptableStale = ACCEPTABLE_STALE_PERCENT - extra

  const keyspace = state.keyspace
  const started = performance.now()
  if (type === "fast") {
    // Redis also checks expired_stale_perc (a fraction) against the acceptable percentage (10), a
    // test that always passes: in effect only a timed-out previous cycle starts a fast one.
    if (!state.timelimitExit) return 0
    if (started < state.lastFastCycle + fastDurationMs * 2) return 0
    state.lastFastCycle = started
  }
  const dbs = keyspace.dbs
  const dbsPerCall = state.timelimitExit ? dbs.length : Math.min(DBS_PER_CALL, dbs.length)
  const budgetMs = type === "fast"
    ? fastDurationMs
    : Math.max(0.001, (slowTimePercent * 1000) / Math.max(1, hz) / 100)
  state.timelimitExit = false

  let iteration = 0
  let totalSampled = 0
  let totalExpired = 0
  for (let j = 0; j < dbsPerCall && !state.timelimitExit; j++) {
    const db = dbs[state.currentDb % dbs.length]!
    // Move on now, so that a cycle that runs out of time here resumes with the next database.
    state.currentDb = (state.currentDb + 1) % dbs.length
    for (;;) {
      iteration++
      if (db.expires.size === 0) {
        db.avgTtl = 0
        break
      }
      const sample = sampleDatabase(keyspace, db, keysPerLoop)
      totalSampled += sample.sampled
      totalExpired += sample.expired
      if ((iteration & 0xf) === 0 && performance.now() - started > budgetMs) {
        state.timelimitExit = true
        keyspace.stats.expiredTimeCapReached++
        break
      }
      // Stop on this database once few enough of the sampled keys were stale.
      if (sample.sampled === 0 || Math.floor((sample.expired * 100) / sample.sampled) <= acceptableStale) break
    }
  }
  // Running estimate of the share of logically expired keys still in memory (INFO expired_stale_perc).
  const currentPerc = totalSampled > 0 ? totalExpired / totalSampled : 0
  keyspace.stats.expiredStalePerc = currentPerc * 0.05 + keyspace.stats.expiredStalePerc * 0.95
  const elapsed = performance.now() - started
  keyspace.stats.expireCycleMs += elapsed
  keyspace.latencySample("expire-cycle", Math.floor(elapsed))
  return totalExpired
}

/** Checks up to `limit` volatile keys of a database, resuming its cursor, and updates avg_ttl. */
const sampleDatabase = (keyspace: KeyspaceState, db: Database, limit: number): { sampled: number; expired: number } => {
  let sampled = 0
  let expired = 0
  let ttlSum = 0
  let ttlSamples = 0
  const now = keyspace.now
  const wanted = Math.min(limit, db.expires.size)
  let restarted = false
  while (sampled < wanted) {
    if (db.expiryCursor === undefined) db.expiryCursor = db.expires.entries()
    const next = db.expiryCursor.next()
    if (next.done === true) {
      // A full pass ends like dictScan returning cursor 0: start over, at most once per sample.
      db.expiryCursor = undefined
      if (restarted) break
      restarted = true
      continue
    }
    const [key, at] = next.value
    const ttl = at - now
    sampled++
    if (now > at) {
      keyspace.expireKey(db, key)
      expired++
    } else if (ttl > 0) {
      ttlSum += ttl
      ttlSamples++
    }
  }
  if (ttlSamples > 0) {
    // Redis's running average: the new sample weighs 2%, starting from the first sample.
    const avg = Math.trunc(ttlSum / ttlSamples)
    if (db.avgTtl === 0) db.avgTtl = avg
    db.avgTtl = Math.trunc(db.avgTtl / 50) * 49 + Math.trunc(avg / 50)
  }
  return { sampled, expired }
}

/** Redis does not start a fast cycle within twice its duration of the previous one. */
const FAST_CYCLE_SPACING_MS = 2 * FAST_DURATION_MS

/**
 * Active expiry as a background fiber. Every 1000/hz ms (hz read on each tick, so CONFIG SET hz
 * applies) it runs a slow cycle at the time given by Effect's Clock (databasesCron), on a master with
 * active expiry enabled (DEBUG SET-ACTIVE-EXPIRE). While the last cycle ran out of time, it also runs
 * fast cycles every 2 ms until the next tick, as a busy Redis does from beforeSleep. With TestClock,
 * adjusting the clock drives both.
 */
export const ActiveExpiry = Layer.effectDiscard(
  Effect.gen(function*() {
    const keyspace = yield* Keyspace
    const config = yield* ServerConfig
    const clock = yield* Clock.Clock
    const state = new ExpireCycle(keyspace)
    // not on a replica, nor while CLIENT PAUSE holds the dataset still
    const enabled = () =>
      keyspace.activeExpireEnabled && !keyspace.isReplica && !keyspace.loading && !keyspace.scriptBusy && clock.currentTimeMillisUnsafe() >= keyspace.expiryHeldUntil
    const effort = () => Number(config.get("active-expire-effort") ?? 1)
    const cycle = (hz: number, type: ExpireCycleType) =>
      Effect.sync(() => {
        if (!enabled()) return
        keyspace.setTime(clock.currentTimeMillisUnsafe())
        activeExpireCycle(state, hz, effort(), type)
      })
    // Time already spent in fast cycles since the last slow one: the next slow cycle still comes
    // one period after the last.
    let sinceSlow = 0
    const tick = Effect.gen(function*() {
      const hz = Math.min(500, Math.max(1, config.getNumber("hz")))
      const period = Math.floor(1000 / hz)
      yield* Effect.sleep(Math.max(0, period - sinceSlow))
      sinceSlow = 0
      yield* cycle(hz, "slow")
      while (enabled() && state.timelimitExit && sinceSlow + FAST_CYCLE_SPACING_MS < period) {
        yield* Effect.sleep(FAST_CYCLE_SPACING_MS)
        sinceSlow += FAST_CYCLE_SPACING_MS
        yield* cycle(hz, "fast")
      }
    })
    yield* Effect.forkScoped(Effect.forever(tick))
  })
)
