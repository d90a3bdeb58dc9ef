import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Database } from "../keyspace/Database.ts"
import { Keyspace } from "../keyspace/Keyspace.ts"
import type { Client } from "./Client.ts"

/**
 * Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, ...): FIFO queues per (database, key), and
 * the keys signalled ready since the engine last served them. Like Redis's `db->blocking_keys` and
 * `server.ready_keys`. The engine serves ready keys after each command, so a push that satisfies a
 * waiter is seen by it before any other command runs.
 */
export class WaiterRegistry {
  private readonly byDb = new Map<Database, Map<string, Client[]>>()
  private ready: Array<readonly [Database, string]> = []
  private readonly readySet = new Set<string>()
  /** Number of blocked clients (INFO clients blocked_clients). */
  blockedClients = 0
  /** Keys with at least one waiter (INFO clients total_blocking_keys). */
  blockingKeys = 0

  private readonly byCondition = new Map<string, Client[]>()
  private readyConditions: Array<string> = []

  /** Queues a client on every key of its block state, or on its condition (client.blocked must be set). */
  add(client: Client): void {
    const state = client.blocked!
    if (state.condition !== undefined) {
      const queue = this.byCondition.get(state.condition)
      if (queue === undefined) this.byCondition.set(state.condition, [client])
      else queue.push(client)
      this.blockedClients++
      return
    }
    let keys = this.byDb.get(state.db)
    if (keys === undefined) {
      keys = new Map()
      this.byDb.set(state.db, keys)
    }
    for (const key of state.keys) {
      const queue = keys.get(key)
      if (queue === undefined) {
        keys.set(key, [client])
        this.blockingKeys++
      } else if (!queue.includes(client)) {
        queue.push(client)
      }
    }
    this.blockedClients++
  }

  /** Removes a client from the queues of its keys (served, timed out, unblocked, disconnected). */
  remove(client: Client): void {
    const state = client.blocked
    if (state === undefined) return
    if (state.condition !== undefined) {
      const queue = this.byCondition.get(state.condition)
      const i = queue === undefined ? -1 : queue.indexOf(client)
      if (i !== -1) queue!.splice(i, 1)
      if (queue !== undefined && queue.length === 0) this.byCondition.delete(state.condition)
      this.blockedClients--
      return
    }
    const keys = this.byDb.get(state.db)
    if (keys !== undefined) {
      for (const key of state.keys) {
        const queue = keys.get(key)
        if (queue === undefined) continue
        const i = queue.indexOf(client)
        if (i !== -1) queue.splice(i, 1)
        if (queue.length === 0) {
          keys.delete(key)
          this.blockingKeys--
        }
      }
      if (keys.size === 0) this.byDb.delete(state.db)
    }
    this.blockedClients--
  }

  /** signalKeyAsReady: remembers the key if some client waits on it. */
  keyReady(db: Database, key: string): void {
    if (this.blockedClients === 0) return
    const queue = this.byDb.get(db)?.get(key)
    if (queue === undefined) return
    const id = `${db.id}\u0000${key}`
    if (this.readySet.has(id)) return
    this.readySet.add(id)
    this.ready.push([db, key])
    if (this.onSignal !== undefined) this.onSignal()
  }

  /** Set by the engine: told of every key signalled ready (to serve those signalled outside commands). */
  onSignal: (() => void) | undefined = undefined

  get hasReady(): boolean {
    return this.ready.length > 0 || this.readyConditions.length > 0
  }

  /** A condition may hold now: its waiters are served after the current command. */
  conditionReady(condition: string): void {
    if (!this.byCondition.has(condition) || this.readyConditions.includes(condition)) return
    this.readyConditions.push(condition)
    if (this.onSignal !== undefined) this.onSignal()
  }

  /** The conditions signalled since the last call, in signal order; clears the list. */
  takeReadyConditions(): ReadonlyArray<string> {
    const out = this.readyConditions
    if (out.length === 0) return out
    this.readyConditions = []
    return out
  }

  /** The FIFO of clients waiting on a condition (a copy: serving changes the queue). */
  conditionWaiters(condition: string): ReadonlyArray<Client> {
    const queue = this.byCondition.get(condition)
    return queue === undefined ? [] : queue.slice()
  }

  /** The ready keys signalled so far, in signal order; clears the list. */
  takeReady(): ReadonlyArray<readonly [Database, string]> {
    const out = this.ready
    this.ready = []
    this.readySet.clear()
    return out
  }

  /** Keys of a database that have waiters (scanDatabaseForReadyKeys after SWAPDB). */
  blockedKeys(db: Database): ReadonlyArray<string> {
    const keys = this.byDb.get(db)
    return keys === undefined ? [] : [...keys.keys()]
  }

  /** The FIFO of clients waiting on a key (a copy: serving changes the queue). */
  waiters(db: Database, key: string): ReadonlyArray<Client> {
    const queue = this.byDb.get(db)?.get(key)
    return queue === undefined ? [] : queue.slice()
  }
}

export class BlockingWaiters extends Context.Service<BlockingWaiters, WaiterRegistry>()(
  "effect-redis-server/BlockingWaiters"
) {
  static readonly layer = Layer.effect(
    BlockingWaiters,
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const registry = new WaiterRegistry()
      const onKeyReady = (db: Database, key: string) => registry.keyReady(db, key)
      const onBlockedKeys = (db: Database) => registry.blockedKeys(db)
      keyspace.onKeyReady = onKeyReady
      keyspace.onBlockedKeys = onBlockedKeys
      // Released with the Layer: the keyspace (which may outlive it) no longer reaches this registry.
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          if (keyspace.onKeyReady === onKeyReady) keyspace.onKeyReady = undefined
          if (keyspace.onBlockedKeys === onBlockedKeys) keyspace.onBlockedKeys = undefined
        })
      )
      return registry
    })
  )
}
