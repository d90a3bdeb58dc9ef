import { Clock, Effect, Layer } from "effect"
import { ServerConfig } from "../config/ServerConfig.ts"
import type { Database } from "./Database.ts"
import { Keyspace, type KeyspaceState } from "./Keyspace.ts"

/** Redis's ACTIVE_EXPIRE_CYCLE_* constants (expire.c), for active-expire-effort 1. */
const KEYS_PER_LOOP = 20
const SLOW_TIME_PERCENT = 25
const ACCEPTABLE_STALE_PERCENT = 10
/** CRON_DBS_PER_CALL: databases visited by one cycle unless the previous one ran out of time. */
const DBS_PER_CALL = 16

/** What activeExpireCycle keeps between calls (static variables in Redis). */
interface CycleState {
  /** Next database to visit: each cycle starts where the previous one stopped. */
  currentDb: number
  /** The previous cycle hit its time limit: this one visits every database. */
  timelimitExit: boolean
}

const cycleStates = new WeakMap<KeyspaceState, CycleState>()

/**
 * One slow cycle of Redis 7.0's activeExpireCycle. For each database in turn (resuming at the one
 * after where the last cycle stopped), sample up to 20 volatile keys from a cursor that persists
 * across cycles, delete the expired ones, and sample the same database again while more than 10% of
 * a sample had expired. The cycle stops when it has used 25% of the 1000/hz ms period (checked every
 * 16 samples, like Redis). `effort` is active-expire-effort (1-10), which scales these numbers as
 * Redis does. Updates avg_ttl per database, expired_stale_perc and expired_time_cap_reached_count.
 * Returns the number of keys expired.
 *
 * The budget is CPU time, so it is measured with `performance.now()`; which keys are expired is
 * decided by `keyspace.now` (Effect's Clock), so a TestClock drives expiry deterministically.
 */
export const activeExpireCycle = (keyspace: KeyspaceState, hz: number, effort = 1): number => {
  const extra = Number.isFinite(effort) ? Math.min(9, Math.max(0, Math.trunc(effort) - 1)) : 0
  const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * extra
  const slowTimePercent = SLOW_TIME_PERCENT + 2 * extra
  const acceptableStale = ACCEPTABLE_STALE_PERCENT - extra

  let state = cycleStates.get(keyspace)
  if (state === undefined) {
    state = { currentDb: 0, timelimitExit: false }
    cycleStates.set(keyspace, state)
  }
  const dbs = keyspace.dbs
  const dbsPerCall = state.timelimitExit ? dbs.length : Math.min(DBS_PER_CALL, dbs.length)
  const started = performance.now()
  const budgetMs = Math.max(0.001, (slowTimePercent * 1000) / Math.max(1, hz) / 100)
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
    const [key, entry] = next.value
    const ttl = entry.expireAt - now
    sampled++
    if (now > entry.expireAt) {
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

/**
 * Active expiry as a background fiber, Redis's databasesCron: every 1000/hz ms (hz read on each tick,
 * so CONFIG SET hz applies), run a slow cycle at the time given by Effect's Clock, on a master with
 * active expiry enabled (DEBUG SET-ACTIVE-EXPIRE). With TestClock, adjusting the clock drives it.
 */
export const ActiveExpiry = Layer.effectDiscard(
  Effect.gen(function*() {
    const keyspace = yield* Keyspace
    const config = yield* ServerConfig
    const clock = yield* Clock.Clock
    const tick = Effect.suspend(() => {
      const hz = Math.min(500, Math.max(1, config.getNumber("hz")))
      return Effect.sleep(Math.floor(1000 / hz)).pipe(
        Effect.andThen(Effect.sync(() => {
          if (!keyspace.activeExpireEnabled || keyspace.isReplica) return
          keyspace.setTime(clock.currentTimeMillisUnsafe())
          activeExpireCycle(keyspace, hz, Number(config.get("active-expire-effort") ?? 1))
        }))
      )
    })
    yield* Effect.forkScoped(Effect.forever(tick))
  })
)
