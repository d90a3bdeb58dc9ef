/**
 * maxmemory (Redis's evict.c in the command path): while `maxmemory` is set, the Layer answers the
 * check stage's `outOfMemory` hook before every command a caller checks for memory, evicting keys
 * under `maxmemory-policy` (keyspace/evict.ts) until the keyspace's accounting is under the limit.
 * Deny-oom commands are refused with OOM when it cannot get there. A script's commands evict
 * nothing: they get the state their script started with (pre_command_oom_state). Each eviction is a
 * deletion with its side effects: `evicted` keyspace event, DEL (UNLINK with lazyfree-lazy-eviction)
 * to the propagation stream, WATCH and client-side caching invalidation, INFO evicted_keys. When a
 * call stops at the maxmemory-eviction-tenacity time limit, a background fiber goes on evicting a
 * slice at a time with the other fibers running in between (Redis's evictionTimeProc) until memory is
 * under the limit or nothing is left to evict.
 */
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import { ServerConfig, watchScoped } from "../config/ServerConfig.ts"
import { EVICT_FAIL, EVICT_OK, EVICT_RUNNING, type EvictionPolicy, type EvictionSettings, Evictor } from "../keyspace/evict.ts"
import { CommandRegistry } from "./CommandRegistry.ts"
import { Engine } from "./Engine.ts"
import { extendInfo } from "./info.ts"

export const EvictionLive: Layer.Layer<never, never, Engine | CommandRegistry | ServerConfig> = Layer.effectDiscard(
  Effect.gen(function*() {
    const engine = yield* Engine
    const config = yield* ServerConfig
    const registry = yield* CommandRegistry
    const keyspace = engine.keyspace
    const evictor = new Evictor(keyspace, () => performance.now())
    const settings: EvictionSettings = { maxmemory: 0, policy: "noeviction", samples: 5, tenacity: 10, lazy: false }
    let replicaIgnoresMaxmemory = true
    /** performEvictions' verdict for the last top-level command (pre_command_oom_state). */
    let outOfMemory = false

    /** isSafeToPerformEvictions: not while loading, on a replica ignoring maxmemory, or under CLIENT PAUSE. */
    const safe = (): boolean =>
      !keyspace.loading && !(keyspace.isReplica && replicaIgnoresMaxmemory) && keyspace.now >= keyspace.expiryHeldUntil

    /** Opened when a call stops at the time limit: the background fiber takes over (startEvictionTimeProc). */
    const timeProc = Latch.makeUnsafe(false)
    let timeProcRunning = false

    const evict = (): number => {
      if (!safe()) return EVICT_OK // a fake one, as Redis's
      const evictedBefore = keyspace.stats.evictedKeys
      const result = evictor.perform(settings)
      // invalidations of evicted keys go out before the command runs (trackingHandlePendingKeyInvalidations)
      if (keyspace.stats.evictedKeys !== evictedBefore && engine.tracking.hasPending) engine.tracking.sendPending()
      if (result === EVICT_RUNNING && !timeProcRunning) {
        timeProcRunning = true
        timeProc.openUnsafe()
      }
      return result
    }
    const perform = (): boolean => evict() === EVICT_FAIL

    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      yield* timeProc.await
      timeProc.closeUnsafe()
      // one slice per turn, the connections' fibers and the active expiry running in between
      do yield* Effect.yieldNow
      while (settings.maxmemory !== 0 && evict() === EVICT_RUNNING)
      timeProcRunning = false
    })))

    const hook = (inScript: boolean): boolean => {
      if (inScript) return outOfMemory
      outOfMemory = perform()
      return outOfMemory
    }

    yield* watchScoped(config, "maxmemory-policy", (v) => {
      settings.policy = v as EvictionPolicy
      evictor.clearPool()
    })
    yield* watchScoped(config, "maxmemory-samples", (v) => {
      settings.samples = Number(v)
    })
    yield* watchScoped(config, "maxmemory-eviction-tenacity", (v) => {
      settings.tenacity = Number(v)
    })
    yield* watchScoped(config, "lazyfree-lazy-eviction", (v) => {
      settings.lazy = v === "yes"
    })
    yield* watchScoped(config, "replica-ignore-maxmemory", (v) => {
      replicaIgnoresMaxmemory = v === "yes"
    })
    yield* watchScoped(config, "maxmemory", (v) => {
      settings.maxmemory = Number(v)
      // the hook costs every command a call: set only while there is a limit
      registry.checks.outOfMemory = settings.maxmemory === 0 ? undefined : hook
      outOfMemory = false
      // updateMaxmemory: CONFIG SET maxmemory evicts at once
      if (settings.maxmemory !== 0) perform()
    })
    const removeInfo = extendInfo(engine, "stats", () => [
      ["total_eviction_exceeded_time", Math.floor(evictor.totalExceededMs + (evictor.exceededSince === 0 ? 0 : performance.now() - evictor.exceededSince))],
      ["current_eviction_exceeded_time", evictor.exceededSince === 0 ? 0 : Math.floor(performance.now() - evictor.exceededSince)]
    ])
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        removeInfo()
        registry.checks.outOfMemory = undefined
      })
    )
  })
)
