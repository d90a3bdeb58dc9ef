/**
 * sdscatrepr: a string in double quotes with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` escaped and every
 * other byte outside printable ASCII (C locale `isprint`: 32..126) written as `\xNN` (lower-case hex).
 * sdssplitargs reads it back as the same bytes. Strings are latin1 (one char per byte).
 */
export const quoteRepr = (s: string): string => {
  // most arguments need no escape at all: one scan, one concatenation
  let i = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 32 || c > 126 || c === 34 || c === 92) break
  }
  if (i === s.length) return `"${s}"`
  let out = "\"" + s.slice(0, i)
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 92) out += "\\\\"
    else if (c === 34) out += "\\\""
    else if (c === 10) out += "\\n"
    else if (c === 13) out += "\\r"
    else if (c === 9) out += "\\t"
    else if (c === 7) out += "\\a"
    else if (c === 8) out += "\\b"
    else if (c < 32 || c > 126) out += "\\x" + (c < 16 ? "0" : "") + c.toString(16)
    else out += s[i]
  }
  return out + "\""
}
