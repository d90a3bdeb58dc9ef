import { Clock, Effect, Layer } from "effect"
import { ServerConfig } from "../config/ServerConfig.ts"
import type { Database } from "./Database.ts"
import { Keyspace, type KeyspaceState } from "./Keyspace.ts"

/** Redis's ACTIVE_EXPIRE_CYCLE_* constants at active-expire-effort 1. */
const KEYS_PER_LOOP = 20
const ACCEPTABLE_STALE_PERCENT = 10
const SLOW_TIME_PERCENT = 25

/**
 * One slow cycle of activeExpireCycle: walks each database's volatile keys from where the last cycle
 * stopped, deleting expired ones, and keeps going on a database while more than 10% of a sample was
 * expired, within a CPU budget of 25% of the cycle period. Returns the number of keys expired.
 */
export const activeExpireCycle = (keyspace: KeyspaceState, hz: number): number => {
  const started = performance.now()
  const budgetMs = (1000 / Math.max(1, hz)) * (SLOW_TIME_PERCENT / 100)
  let expired = 0
  let iterations = 0
  for (const db of keyspace.dbs) {
    if (db.expires.size === 0) continue
    for (;;) {
      const { sampled, expired: n } = sampleDatabase(keyspace, db)
      expired += n
      if (++iterations % 16 === 0 && performance.now() - started > budgetMs) {
        keyspace.stats.expiredTimeCapReached++
        return expired
      }
      if (sampled === 0 || (n * 100) / sampled <= ACCEPTABLE_STALE_PERCENT) break
    }
  }
  return expired
}

/** Checks up to KEYS_PER_LOOP volatile keys of a database, resuming its cursor. */
const sampleDatabase = (keyspace: KeyspaceState, db: Database): { sampled: number; expired: number } => {
  let sampled = 0
  let expired = 0
  let ttlSum = 0
  let ttlSamples = 0
  const now = keyspace.now
  const limit = Math.min(KEYS_PER_LOOP, db.expires.size)
  let restarted = false
  while (sampled < limit) {
    if (db.expiryCursor === undefined) db.expiryCursor = db.expires.entries()
    const next = db.expiryCursor.next()
    if (next.done === true) {
      db.expiryCursor = undefined
      if (restarted) break
      restarted = true
      continue
    }
    const [key, entry] = next.value
    sampled++
    if (entry.expireAt < now) {
      keyspace.expireKey(db, key)
      expired++
    } else {
      ttlSum += entry.expireAt - now
      ttlSamples++
    }
  }
  if (ttlSamples > 0) {
    // running average like Redis: new samples weigh 2% each
    const avg = ttlSum / ttlSamples
    db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50
  }
  return { sampled, expired }
}

/**
 * Active expiry as a background fiber: every 1000/hz ms (hz read on each tick, so CONFIG SET hz
 * applies), run a cycle at the time given by Effect's Clock. With TestClock, adjusting the clock
 * drives it.
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
          activeExpireCycle(keyspace, hz)
        }))
      )
    })
    yield* Effect.forkScoped(Effect.forever(tick))
  })
)
