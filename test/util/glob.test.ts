/**
 * The glob matcher (util.c stringmatchlen): hand-picked cases, and random patterns and keys checked
 * against what a real redis-server's KEYS returns for them.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { globMatch } from "../../src/util/glob.ts"
import { describeDifferential } from "../support/differential.ts"

describe("globMatch", () => {
  const cases: ReadonlyArray<readonly [pattern: string, subject: string, matches: boolean]> = [
    ["*", "anything", true],
    ["*", "", false], // stringmatchlen never matches an empty subject to a non-empty pattern
    ["", "", true],
    ["", "a", false],
    ["h?llo", "hello", true],
    ["h?llo", "hllo", false],
    ["h*llo", "hllo", true],
    ["h*llo", "heeeello", true],
    ["h[ae]llo", "hallo", true],
    ["h[ae]llo", "hillo", false],
    ["h[^e]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-b]llo", "hbllo", true],
    ["h[b-a]llo", "hallo", true], // reversed ranges are swapped
    ["h[a-b]llo", "hcllo", false],
    ["[a-]", "-", false], // "a-]" is the range a..] (swapped: ]..a), not "a or -"
    ["[a-]", "^", true],
    ["[a-]", "]", true],
    ["\\*", "*", true],
    ["\\*", "a", false],
    ["a\\", "a\\", true], // a trailing backslash is a literal
    ["[\\]]", "]", true], // escaped bracket inside a class
    ["[\\", "\\", true], // unterminated class ending in a backslash: the backslash is a member
    ["[abc", "b", true], // unterminated class: the rest of the pattern is the class
    ["[abc", "bc", false],
    ["[^", "x", true], // "[^" alone negates an empty class
    ["[]", "]", false],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXbY", false],
    ["**", "", false],
    ["a**", "a", true],
    ["[a-\u00ff]", "b", false], // C compares (signed) chars: \xff is -1, so the range is -1..a
    ["[a-\u00ff]", "\u00ff", true],
    ["[a-\u00ff]", "A", true],
    ["[\u0080-\u0081]", "\u0080", true],
    ["[^a-\u00ff]", "\u0080", true],
    ["?", "\u0000", true]
  ]
  it.each(cases)("%j against %j is %s", (pattern, subject, matches) => {
    expect(globMatch(pattern, subject)).toBe(matches)
  })

  it("matches case-insensitively on request, ASCII letters only", () => {
    expect(globMatch("HeLLo", "hello", true)).toBe(true)
    expect(globMatch("h[A-C]llo", "hbllo", true)).toBe(true)
    expect(globMatch("h[A-C]llo", "hbllo", false)).toBe(false)
    expect(globMatch("\u00c9", "\u00e9", true)).toBe(false)
    // an escaped character inside a class compares exactly even without case
    expect(globMatch("[\\A]", "a", true)).toBe(false)
  })

  it("gives up on pathological star nesting instead of exploding", () => {
    const pattern = "*a".repeat(1100) + "b"
    const subject = "a".repeat(1200)
    const started = performance.now()
    expect(globMatch(pattern, subject)).toBe(false)
    expect(performance.now() - started).toBeLessThan(5000)
  })
})

/** Bytes that mean something to the matcher, plus ordinary and high bytes. */
const keyChars = fc.constantFrom("a", "b", "c", "A", "-", "^", "]", "[", "*", "?", "\\", "\u0080", "\u00ff", "\u0000", "z")
const patternChars = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("a", "b", "c", "A", "\u0080", "\u00ff", "z") },
  { weight: 3, arbitrary: fc.constantFrom("*", "?", "[", "]", "^", "-", "\\") },
  { weight: 2, arbitrary: fc.constantFrom("[a-c]", "[^a]", "[\\]]", "[a-\u00ff]", "\\*", "\\[", "[^", "[]") }
)

describeDifferential("globMatch against KEYS of a real redis-server", (servers) => {
  it("returns exactly the keys Redis matches, for random patterns and keys", async () => {
    const { theirs } = servers()
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.array(keyChars, { maxLength: 4 }).map((cs) => cs.join("")), { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(patternChars, { maxLength: 6 }).map((cs) => cs.join("")), { minLength: 1, maxLength: 12 }),
        async (keys, patterns) => {
          const replies = await theirs.pipeline([
            ["FLUSHALL"],
            ...keys.map((k) => ["SET", k, "v"]),
            ...patterns.map((p) => ["KEYS", p])
          ])
          patterns.forEach((pattern, i) => {
            const redis = [...(replies[1 + keys.length + i]!.value as ReadonlyArray<string>)].sort()
            // KEYS special-cases a lone "*"; everything else goes through stringmatchlen
            const ours = keys.filter((k) => pattern === "*" || globMatch(pattern, k)).sort()
            expect(ours, `pattern ${JSON.stringify(pattern)}`).toEqual(redis)
          })
        }
      ),
      { numRuns: 300 }
    )
  })
})
