/**
 * What scripts propagate, compared with a real redis-server's AOF: a script's writes go out as its
 * commands (deterministic forms: INCRBYFLOAT as SET ... KEEPTTL, EXPIRE as PEXPIREAT, LMPOP as LPOP),
 * wrapped in MULTI/EXEC when there are several, never as EVAL; SELECT inside a script shows as the
 * database the writes land in; keyspace events as Redis emits them.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"
import { evalCommand, setupCommand } from "../support/generators/scripts.ts"

const script = (body: string): Command => ["EVAL", body, "3", "k1", "k2", "k3", "v"]

describeEffects("scripting: propagation and keyspace events against Redis", (servers, effects) => {
  it("examples: one write, several writes, none, an error after a write, SELECT, EVAL_RO, in MULTI", async () => {
    const { ours, theirs } = servers()
    const cases: ReadonlyArray<ReadonlyArray<Command>> = [
      [script("return redis.call('set', KEYS[1], ARGV[1])")],
      [script("redis.call('set', KEYS[1], 'a') redis.call('incr', KEYS[2]) return redis.call('lpush', KEYS[3], 'x')")],
      [script("return redis.call('get', KEYS[1])")],
      [script("redis.call('set', KEYS[1], 'a') return redis.call('nosuch')")],
      [script("redis.call('set', KEYS[1], 'a') redis.call('select', 2) redis.call('set', KEYS[1], 'b') return 1")],
      [script("redis.call('incrbyfloat', KEYS[2], '1.5') return redis.call('expire', KEYS[2], 100)")],
      [["RPUSH", "k3", "a", "b"], script("return redis.call('lmpop', 1, KEYS[3], 'LEFT')")],
      [["EVAL_RO", "return redis.call('get', 'x')", "0"]],
      [["MULTI"], script("return redis.call('set', KEYS[1], 'm')"), ["SET", "k2", "x"], ["EXEC"]],
      [["MULTI"], script("redis.call('set', KEYS[1], 'm') return redis.call('set', KEYS[2], 'n')"), ["EXEC"]]
    ]
    for (const sequence of cases) {
      await effects.compare(async () => {
        const all = [["FLUSHALL"], ...sequence]
        await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
      })
    }
  })

  it("random scripts propagate the same commands and emit the same events as Redis", async () => {
    const sequences = fc.array(fc.oneof({ weight: 4, arbitrary: evalCommand }, { weight: 1, arbitrary: setupCommand }), {
      minLength: 1,
      maxLength: 6
    })
    const wrapped = await compareRandomSequences(
      servers(),
      effects,
      sequences,
      (propagated) => propagated.some((c) => c[0] === "MULTI"),
      200
    )
    expect(wrapped).toBeGreaterThan(10)
  })
})
