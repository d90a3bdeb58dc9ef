/**
 * The multi-part AOF manifest of Redis 7.0 (aof.c): which files make up the AOF, one line per file,
 * `file <name> seq <n> type <b|h|i>`, the base first, then history files, then incr files; and the
 * naming rules (`<appendfilename>.<seq>.base.rdb|aof`, `<appendfilename>.<seq>.incr.aof`,
 * `<appendfilename>.manifest`, temp files prefixed `temp-`).
 */
import { splitInlineArgs } from "../../resp/RequestParser.ts"
import { quoteRepr } from "../../util/repr.ts"

export type AofFileType = "b" | "h" | "i"

export interface AofInfo {
  readonly name: string
  readonly seq: number
  type: AofFileType
}

export const MANIFEST_SUFFIX = ".manifest"
export const TEMP_PREFIX = "temp-"

export const manifestName = (appendfilename: string): string => `${appendfilename}${MANIFEST_SUFFIX}`
export const tempManifestName = (appendfilename: string): string => `${TEMP_PREFIX}${appendfilename}${MANIFEST_SUFFIX}`
/** getTempIncrAofName: the incr file written while AOF is being turned on (AOF_WAIT_REWRITE). */
export const tempIncrName = (appendfilename: string): string => `${TEMP_PREFIX}${appendfilename}.incr`

/** A manifest that cannot be used: Redis's "*** FATAL AOF MANIFEST FILE ERROR ***" report. */
export class ManifestError {
  readonly _tag = "ManifestError"
  readonly reason: string
  readonly lineNumber: number | undefined
  readonly line: string | undefined
  constructor(reason: string, lineNumber?: number, line?: string) {
    this.reason = reason
    this.lineNumber = lineNumber
    this.line = line
  }

  /** The lines Redis logs before exiting. */
  get lines(): Array<string> {
    const out = ["\n*** FATAL AOF MANIFEST FILE ERROR ***\n"]
    if (this.line !== undefined) out.push(`Reading the manifest file, at line ${this.lineNumber}\n`, `>>> '${this.line}'\n`)
    out.push(`${this.reason}\n`)
    return out
  }
}

/** sdsneedsrepr: a name with a space, a quote, a backslash or a byte outside printable ASCII. */
const needsRepr = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c <= 32 || c > 126 || c === 34 || c === 92) return true
  }
  return false
}

const isBaseName = (name: string): boolean => !name.includes("/")

export class AofManifest {
  base: AofInfo | undefined = undefined
  history: Array<AofInfo> = []
  incr: Array<AofInfo> = []
  currBaseSeq = 0
  currIncrSeq = 0
  dirty = false

  /** aofManifestDup */
  dup(): AofManifest {
    const copy = new AofManifest()
    copy.base = this.base === undefined ? undefined : { ...this.base }
    copy.history = this.history.map((ai) => ({ ...ai }))
    copy.incr = this.incr.map((ai) => ({ ...ai }))
    copy.currBaseSeq = this.currBaseSeq
    copy.currIncrSeq = this.currIncrSeq
    copy.dirty = this.dirty
    return copy
  }

  /** getAofManifestAsString */
  format(): string {
    let out = ""
    const line = (ai: AofInfo) => `file ${needsRepr(ai.name) ? quoteRepr(ai.name) : ai.name} seq ${ai.seq} type ${ai.type}\n`
    if (this.base !== undefined) out += line(this.base)
    for (const ai of this.history) out += line(ai)
    for (const ai of this.incr) out += line(ai)
    return out
  }

  /** getNewBaseFileNameAndMarkPreAsHistory */
  newBase(appendfilename: string, rdbPreamble: boolean): string {
    if (this.base !== undefined) {
      this.base.type = "h"
      this.history.unshift(this.base)
    }
    const seq = ++this.currBaseSeq
    this.base = { name: `${appendfilename}.${seq}.base.${rdbPreamble ? "rdb" : "aof"}`, seq, type: "b" }
    this.dirty = true
    return this.base.name
  }

  /** getNewIncrAofName */
  newIncr(appendfilename: string): string {
    const seq = ++this.currIncrSeq
    const ai: AofInfo = { name: `${appendfilename}.${seq}.incr.aof`, seq, type: "i" }
    this.incr.push(ai)
    this.dirty = true
    return ai.name
  }

  /** getLastIncrAofName: the last incr file, a new one when there is none. */
  lastIncr(appendfilename: string): string {
    const last = this.incr[this.incr.length - 1]
    return last === undefined ? this.newIncr(appendfilename) : last.name
  }

  /**
   * markRewrittenIncrAofAsHistory: every incr file but the last (the one being written, when the AOF
   * is open) becomes history.
   */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    if (this.incr.length === 0) return
    const kept = keepLast ? this.incr.slice(-1) : []
    const rewritten = keepLast ? this.incr.slice(0, -1) : this.incr
    for (let i = rewritten.length - 1; i >= 0; i--) this.history.unshift({ ...rewritten[i]!, type: "h" })
    this.incr = kept
    this.dirty = true
  }
}

/** aofLoadManifestFromFile's parsing, with its errors. */
export const parseManifest = (text: string): AofManifest | ManifestError => {
  const am = new AofManifest()
  let maxSeq = 0
  const rawLines = text.split("\n")
  // a last line without "\n" is what fgets reads as a line with no newline in it
  const complete = text.endsWith("\n") ? rawLines.slice(0, -1) : rawLines
  if (text.length === 0) return new ManifestError("Found an empty AOF manifest")
  for (let i = 0; i < complete.length; i++) {
    const raw = complete[i]!
    const lineNumber = i + 1
    if (raw.startsWith("#")) continue
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "")
    if ((i === complete.length - 1 && !text.endsWith("\n")) || raw.length > 1024) {
      return new ManifestError("The AOF manifest file contains too long line", lineNumber, line)
    }
    if (line.length === 0) return new ManifestError("Invalid AOF manifest file format", lineNumber, line)
    const argv = splitInlineArgs(line)
    if (argv === undefined || argv.length < 6 || argv.length % 2 !== 0) {
      return new ManifestError("Invalid AOF manifest file format", lineNumber, line)
    }
    let name: string | undefined
    let seq = 0
    let type: string | undefined
    for (let j = 0; j < argv.length; j += 2) {
      const key = argv[j]!.toLowerCase()
      const value = argv[j + 1]!
      if (key === "file") {
        if (!isBaseName(value)) return new ManifestError("File can't be a path, just a filename", lineNumber, line)
        name = value
      } else if (key === "seq") {
        seq = Number.parseInt(value, 10) || 0
      } else if (key === "type") {
        type = value[0]
      }
    }
    if (name === undefined || seq === 0 || type === undefined) return new ManifestError("Invalid AOF manifest file format", lineNumber, line)
    if (type === "b") {
      if (am.base !== undefined) return new ManifestError("Found duplicate base file information", lineNumber, line)
      am.base = { name, seq, type: "b" }
      am.currBaseSeq = seq
    } else if (type === "h") {
      am.history.push({ name, seq, type: "h" })
    } else if (type === "i") {
      if (seq <= maxSeq) return new ManifestError("Found a non-monotonic sequence number", lineNumber, line)
      am.incr.push({ name, seq, type: "i" })
      am.currIncrSeq = seq
      maxSeq = seq
    } else {
      return new ManifestError("Unknown AOF file type", lineNumber, line)
    }
  }
  return am
}
