/** SCAN's guarantee as a property, for any of the value types that scan a hashtable with a cursor. */
import fc from "fast-check"
import { assert } from "vitest"

/** A value under scan: its items, a cursor scan, and the changes made between two scan calls. */
export interface ScanTarget {
  readonly items: () => Iterable<string>
  readonly scan: (cursor: number, count: number, each: (item: string) => void) => number
  /** Removes `item`; whether it was there. */
  readonly delete: (item: string) => boolean
  readonly insert: (item: string) => void
}

/**
 * Random sizes, counts and changes: `create` builds a value holding `names` (`${prefix}0`,
 * `${prefix}1`, ...), which is then scanned to the end while, between calls, one item is deleted or
 * inserted; every item present for the whole scan must have been returned.
 */
export const assertScanReturnsWhatStays = (prefix: string, create: (names: ReadonlyArray<string>) => ScanTarget): void => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 80 })), { maxLength: 40 }),
      (size, count, changes) => {
        const target = create(Array.from({ length: size }, (_, i) => `${prefix}${i}`))
        const initial = [...target.items()]
        const removed = new Set<string>()
        const seen = new Set<string>()
        let cursor = 0
        let step = 0
        do {
          cursor = target.scan(cursor, count, (item) => seen.add(item))
          const change = changes[step++]
          if (change !== undefined) {
            const item = `${prefix}${change[1]}`
            if (change[0]) {
              if (target.delete(item)) removed.add(item)
            } else target.insert(item)
          }
        } while (cursor !== 0)
        for (const item of initial) if (!removed.has(item)) assert.isTrue(seen.has(item), `missed ${item}`)
      }
    ),
    { numRuns: 300 }
  )
}
