/**
 * onClientReset hooks (per-client state of pub/sub, tracking) run exactly once per client: CLIENT KILL
 * frees the client at once, and the connection's own finalizer must not free it a second time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { expect, it as vit } from "vitest"
import { RedisCore } from "../../src/layers.ts"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer } from "../support/server.ts"

const counting = (engine: EngineState) => {
  const calls = new Map<number, number>()
  engine.registry.onClientReset((c) => void calls.set(c.id, (calls.get(c.id) ?? 0) + 1))
  return calls
}

describe("onClientReset", () => {
  it.effect("runs once for an in-process client killed by CLIENT KILL, then closed", () =>
    Effect.gen(function*() {
      const engine = yield* Engine
      const calls = counting(engine)
      const killer = yield* RedisClient.connect
      const victimScope = yield* Scope.make()
      const victim = yield* RedisClient.connect.pipe(Scope.provide(victimScope))
      assert.strictEqual(yield* killer.command("CLIENT", "KILL", "ID", String(victim.id)), 1)
      assert.strictEqual(calls.get(victim.id), 1)
      yield* Scope.close(victimScope, Exit.void) // the connection's finalizer frees the client again
      assert.strictEqual(calls.get(victim.id), 1)
      assert.isUndefined(calls.get(killer.id))
    }).pipe(Effect.provide(RedisCore())))

  vit("runs once for a TCP client killed by CLIENT KILL (kill, then the connection fiber ends)", async () => {
    const server = await startServer()
    try {
      const calls = counting(server.engine)
      const [killer, victim] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(server.port)])
      const victimId = Number((await victim.call("CLIENT", "ID")).value)
      expect((await killer.call("CLIENT", "KILL", "ID", String(victimId))).raw).toBe(":1\r\n")
      await victim.readUntilClose()
      // the connection fiber's finalizer runs after the socket closes: wait for the fiber set to settle
      for (let i = 0; i < 20; i++) {
        await killer.call("PING")
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(calls.get(victimId)).toBe(1)
      await killer.close()
    } finally {
      await server.close()
    }
  })
})
