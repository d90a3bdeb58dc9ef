import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ShardedMap } from "../../src/util/ShardedMap.ts"

describe("ShardedMap", () => {
  it("answers get, has and size as a Map does, through sets and clears", () => {
    const op = fc.oneof(
      fc.tuple(fc.constant("set" as const), fc.string({ maxLength: 6 }), fc.integer()),
      fc.tuple(fc.constant("get" as const), fc.string({ maxLength: 6 }), fc.constant(0)),
      fc.tuple(fc.constant("clear" as const), fc.constant(""), fc.constant(0))
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const model = new Map<string, number>()
        const map = new ShardedMap<number>()
        for (const [kind, key, value] of ops) {
          if (kind === "set") {
            model.set(key, value)
            map.set(key, value)
          } else if (kind === "clear") {
            model.clear()
            map.clear()
          }
          expect(map.get(key)).toBe(model.get(key))
          expect(map.has(key)).toBe(model.has(key))
          expect(map.size).toBe(model.size)
        }
      })
    )
  })

  it("spreads generated key names over its shards, so no single table holds most of them", () => {
    const map = new ShardedMap<number>()
    for (let i = 0; i < 100_000; i++) map.set(`user:${i}`, i)
    const shards = (map as unknown as { shards: Array<Map<string, number>> }).shards
    expect(map.size).toBe(100_000)
    expect(Math.max(...shards.map((s) => s.size))).toBeLessThan(100_000 / 16)
  })
})
