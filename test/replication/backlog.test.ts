/** The replication backlog: a circular buffer holding the stream's last repl-backlog-size bytes. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Backlog } from "../../src/replication/Backlog.ts"

describe("Backlog", () => {
  it("holds exactly the last `size` bytes of the stream, with Redis's offsets, across wrap-arounds and resizes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.integer({ min: 1, max: 64 })), { maxLength: 40 }),
        (size, start, ops) => {
          let currentSize = size
          const backlog = new Backlog(size, start)
          let stream = ""
          for (const op of ops) {
            if (typeof op === "number") {
              backlog.resize(op)
              currentSize = op
            } else {
              backlog.append(op)
              stream += op
            }
            const kept = Math.min(currentSize, backlog.histlen)
            expect(backlog.histlen).toBeLessThanOrEqual(currentSize)
            // the first byte held is at offset end - histlen + 1, the stream's first byte being start + 1
            const end = start + stream.length
            expect(backlog.offset).toBe(end - backlog.histlen + 1)
            expect(backlog.holds(end + 1)).toBe(true)
            expect(backlog.holds(end + 2)).toBe(false)
            expect(backlog.holds(backlog.offset - 1)).toBe(false)
            for (const from of [backlog.offset, end + 1, backlog.offset + Math.floor(kept / 2)]) {
              expect(backlog.readFrom(from).toString("latin1")).toBe(stream.slice(from - start - 1))
            }
          }
        }
      )
    )
  })
})
