/**
 * What SORT propagates and notifies, compared with a real redis-server's AOF and keyevents: SORT ...
 * STORE goes out as is when it stored or deleted its target ("sortstore", or "del" for an empty
 * result), a SORT without STORE not at all (not even when it converted a small sorted set); the BY and
 * GET lookups of missing keys emit "keymiss" in Redis's order (lists and intsets, whose load order is
 * Redis's).
 */
import { expect, it } from "vitest"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"
import { listSortSequence } from "../support/generators/sort.ts"

describeEffects(
  "SORT: propagation and keyspace events",
  (servers, effects) => {
    it("random sequences propagate the same commands and emit the same events as Redis", async () => {
      const stored = await compareRandomSequences(servers(), effects, listSortSequence, (p) => p.some((c) => /^sort$/i.test(c[0]!)), 200)
      expect(stored).toBeGreaterThan(5)
    })
  },
  { notify: "EAm" }
)
