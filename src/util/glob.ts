/**
 * Redis's glob matching (util.c stringmatchlen), used by KEYS, SCAN MATCH, the *SCAN commands, CONFIG
 * GET, PSUBSCRIBE and COMMAND LIST FILTERBY PATTERN:
 * `*` any run, `?` one byte, `[abc]` `[^a-z]` classes (`\` escapes inside), `\x` a literal x.
 * Strings are latin1 (one char per byte). Like Redis, a pattern with pathological nesting of stars
 * stops matching instead of exploding (the nesting limit).
 */

const MAX_NESTING = 1000

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c)

/** A byte as C's (signed) `char` on x86: ranges like `[a-\xff]` compare bytes >= 0x80 as negative. */
const signedByte = (c: number): number => (c > 127 ? c - 256 : c)

const matchAt = (
  p: string,
  pi: number,
  s: string,
  si: number,
  nocase: boolean,
  nesting: number,
  skipLongerMatches: { value: boolean }
): boolean => {
  if (nesting > MAX_NESTING) return false
  const plen = p.length
  const slen = s.length
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi)
    switch (pc) {
      case 42 /* * */: {
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++
        if (pi + 1 === plen) return true // trailing star matches the rest
        for (let k = si; k < slen; k++) {
          if (matchAt(p, pi + 1, s, k, nocase, nesting + 1, skipLongerMatches)) return true
          if (skipLongerMatches.value) return false
        }
        // No suffix matched: a longer string cannot match either (the stringmatchlen optimization).
        skipLongerMatches.value = true
        return false
      }
      case 63 /* ? */:
        si++
        pi++
        break
      case 91 /* [ */: {
        pi++
        const not = pi < plen && p.charCodeAt(pi) === 94 /* ^ */
        if (not) pi++
        let matched = false
        const c = s.charCodeAt(si)
        for (;;) {
          if (pi < plen && p.charCodeAt(pi) === 92 /* \ */ && pi + 1 < plen) {
            pi++
            if (p.charCodeAt(pi) === c) matched = true
          } else if (pi < plen && p.charCodeAt(pi) === 93 /* ] */) {
            break
          } else if (pi >= plen) {
            pi-- // unterminated class: stop at the last pattern char
            break
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45 /* - */) {
            let start = signedByte(p.charCodeAt(pi))
            let end = signedByte(p.charCodeAt(pi + 2))
            if (start > end) [start, end] = [end, start]
            let x = signedByte(c)
            if (nocase) {
              start = lower(start)
              end = lower(end)
              x = lower(x)
            }
            pi += 2
            if (x >= start && x <= end) matched = true
          } else if (nocase ? lower(p.charCodeAt(pi)) === lower(c) : p.charCodeAt(pi) === c) {
            matched = true
          }
          pi++
        }
        if (not) matched = !matched
        if (!matched) return false
        si++
        pi++
        break
      }
      default:
        if (pc === 92 /* \ */ && pi + 1 < plen) pi++ // an escaped char compares literally
        if (nocase ? lower(p.charCodeAt(pi)) !== lower(s.charCodeAt(si)) : p.charCodeAt(pi) !== s.charCodeAt(si)) {
          return false
        }
        si++
        pi++
    }
  }
  if (si === slen) {
    while (pi < plen && p.charCodeAt(pi) === 42) pi++
  }
  return pi === plen && si === slen
}

/**
 * True if `s` matches the glob `pattern` (stringmatchlen). As in Redis, an empty string matches only
 * the empty pattern (not even "*"): KEYS and SCAN treat a lone "*" as "everything" before matching.
 */
export const globMatch = (pattern: string, s: string, nocase = false): boolean =>
  s.length === 0 ? pattern.length === 0 : matchAt(pattern, 0, s, 0, nocase, 0, { value: false })
