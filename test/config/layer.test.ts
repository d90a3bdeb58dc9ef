/**
 * The configuration as a Layer: `RedisCore({...})` / `ServerConfig.layer({...})` refuse a directive
 * redis-server would refuse, as a typed failure carrying Redis's reason.
 */
import { spawnSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer } from "effect"
import { ConfigError, ServerConfig } from "../../src/config/ServerConfig.ts"
import { RedisCore } from "../../src/layers.ts"
import { hasOracle, redisServerPath, skipMessage } from "../support/oracle.ts"

/** The failure of building a Layer, which must be a failure (not a defect). */
const failureOf = <A, E>(layer: Layer.Layer<A, E>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
    assert.isTrue(Exit.isFailure(exit))
    const error = Exit.findErrorOption(exit)
    assert.isTrue(error._tag === "Some", `not a typed failure: ${String(exit)}`)
    return (error as { value: E }).value
  })

const BAD: ReadonlyArray<readonly [string, string | ReadonlyArray<string>, string]> = [
  ["databases", "abc", "argument couldn't be parsed into an integer"],
  ["hz", ["1", "2"], "wrong number of arguments"],
  ["nosuch", "1", "Bad directive or wrong number of arguments"],
  ["maxmemory-policy", "sometimes", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"],
  ["appendonly", "maybe", "argument must be 'yes' or 'no'"]
]

describe("a bad directive in RedisCore({...})", () => {
  it.effect("fails the Layer with a ConfigError in Redis's words", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(RedisCore({ databases: "abc" }))
      assert.instanceOf(error, ConfigError)
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(error.directive, "databases")
      assert.deepStrictEqual(error.value, ["abc"])
      assert.strictEqual(error.reason, "argument couldn't be parsed into an integer")
      assert.strictEqual(error.message, `Bad config line 'databases "abc"': argument couldn't be parsed into an integer`)
    }))

  it.effect("each reason is Redis's", () =>
    Effect.gen(function*() {
      for (const [name, value, reason] of BAD) {
        const error = yield* failureOf(ServerConfig.layer({ [name]: value }))
        assert.strictEqual(error.reason, reason, name)
      }
    }))

  it.effect("a good configuration still builds", () =>
    Effect.gen(function*() {
      const config = Context.get(yield* Layer.build(ServerConfig.layer({ databases: "4", save: ["900", "1", "300", "10"] })), ServerConfig)
      assert.strictEqual(config.get("databases"), "4")
      assert.strictEqual(config.get("save"), "900 1 300 10")
    }))

  it.skipIf(!hasOracle)("redis-server refuses the same lines with the same reason and quoting", () => {
    for (const [name, value, reason] of BAD) {
      const args = typeof value === "string" ? [value] : value
      const run = spawnSync(redisServerPath!, ["--port", "0", `--${name}`, ...args], { encoding: "latin1", timeout: 10_000 })
      const report = run.stderr.trim().split("\n")
      assert.strictEqual(report.at(-1), reason, name)
      const line = report.at(-2)!.replace(/^>>> '(.*)'$/, "$1")
      assert.strictEqual(ConfigError.of(name, args, reason).message, `Bad config line '${line}': ${reason}`)
    }
  })
  if (!hasOracle) it.skip(skipMessage, () => {})
})
