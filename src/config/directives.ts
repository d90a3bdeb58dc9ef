/**
 * The configuration directives, as data: one entry per directive of Redis 7.0 (name, alias, type,
 * default, bounds, flags). Drives the config file parser, `--name value` arguments, CONFIG GET/SET
 * and CONFIG REWRITE.
 *
 * Defaults are Redis 7.0's compiled-in defaults (what `CONFIG GET *` shows on a redis-server started
 * without a config file), not the values of the sample redis.conf. Validation and the canonical form
 * of each type follow config.c of Redis 7.0.15, checked against the real server: numbers parse with
 * string2ll, memory values with memtoull (units, wrapping at 2^64 like C), percentages and octal where
 * Redis allows them, enums case-insensitively, and every error text is Redis's.
 */
import { realpathSync, statSync } from "node:fs"
import { resolve } from "node:path"
import { keyspaceEventsToFlags, keyspaceEventsToString } from "../keyspace/notify.ts"
import { parseDouble, parseLongLongBig } from "../util/numbers.ts"
import { quoteRepr } from "../util/repr.ts"

/** Redis's config flags that change behaviour here. */
export const IMMUTABLE = 1 << 0
export const SENSITIVE = 1 << 1
/** Only an exact CONFIG GET name shows it, never a pattern. */
export const HIDDEN = 1 << 2
/** CONFIG SET refuses it unless `enable-protected-configs` allows the client. */
export const PROTECTED = 1 << 3
export const DENY_LOADING = 1 << 4
/** Accepted and stored for compatibility; nothing in this server reads it (documented in the README). */
export const NOT_APPLICABLE = 1 << 5
/** Memory values render as plain byte counts, like Redis. */
export const MEMORY = 1 << 6
/** Takes several words: a config file line passes them all, CONFIG SET splits its value on spaces. */
export const MULTI_ARG = 1 << 7
/** Lines after the first one in a config file add to the value instead of replacing it (`save`). */
export const ACCUMULATE = 1 << 8
/**
 * The value names a file whose contents may have changed (the TLS certificates and keys): CONFIG SET
 * runs its apply function even when the value itself is unchanged.
 */
export const VOLATILE = 1 << 9

export type DirectiveResult = { readonly ok: string } | { readonly error: string }

/** What a directive's parser may look at besides its arguments. */
export interface ParseContext {
  /** The directive's current canonical value. */
  readonly current: string
  /** A config file is being read and an earlier line already set this directive (`save` accumulates). */
  readonly accumulate: boolean
  /** Another directive's current value (proc-title-template's variables). */
  readonly get: (name: string) => string
  /** The config file the server started from, if any. */
  readonly configFile: string | undefined
}

/** What the table says about a directive's values: enough to generate valid ones in tests. */
export type DirectiveType =
  | { readonly kind: "bool" }
  | {
    readonly kind: "numeric"
    readonly min: bigint
    readonly max: bigint
    /** Compared as C unsigned types (unsigned int, unsigned long long, size_t). */
    readonly unsigned: boolean
    readonly memory: boolean
    readonly percent: boolean
    readonly octal: boolean
  }
  | { readonly kind: "enum"; readonly values: ReadonlyArray<string>; readonly bitflags: boolean }
  | { readonly kind: "string"; readonly emptyIsNull: boolean }
  | { readonly kind: "special" }

/** One line CONFIG REWRITE wants in the file; `force` appends it even if the file never mentioned it. */
export interface RewriteLine {
  readonly line: string
  readonly force: boolean
}

/**
 * Redis's apply functions: run by CONFIG SET after every new value is set, once per function, and a
 * failure undoes the whole command. `get` reads the values being set.
 */
export type ApplyFn = (get: (name: string) => string, hooks: ApplyHooks) => string | undefined

/**
 * What an apply function may call beyond the configuration: hooks a higher Layer registers on the
 * store (`ConfigStore.setApplyHook`), such as the listener's TLS reconfiguration. A hook returns
 * undefined on success or the CONFIG SET error.
 */
export type ApplyHook = (get: (name: string) => string) => string | undefined
export interface ApplyHooks {
  readonly applyHook: (name: string) => ApplyHook | undefined
}

/** The hook names the TLS directives call (registered by the listener, server/RedisServer.ts). */
export const TLS_CONFIGURE_HOOK = "tls-configure"
export const TLS_PORT_HOOK = "tls-port"

export interface Directive {
  readonly name: string
  readonly alias?: string
  readonly flags: number
  /** The default, in the canonical form CONFIG GET shows. */
  readonly default: string
  readonly type: DirectiveType
  /**
   * Validates the arguments of a directive (one or more words) and returns its canonical stored form,
   * or the error Redis gives ("argument must be a memory value", ...).
   */
  readonly parse: (args: ReadonlyArray<string>, context: ParseContext) => DirectiveResult
  /** The lines CONFIG REWRITE writes for a value; none means the directive must not be in the file. */
  readonly rewrite: (value: string) => ReadonlyArray<RewriteLine>
  readonly apply?: ApplyFn
  /**
   * An apply function that changes the value CONFIG SET stored (repl-backlog-size's 16 kB minimum);
   * config files and the command line keep the value as given, as in Redis.
   */
  readonly adjust?: (value: string) => string
  /** The startup value when it is not a constant (`dir`: the working directory). */
  readonly initial?: () => string
  /**
   * What CONFIG GET and CONFIG REWRITE show when it is not the stored value itself: Redis keeps some
   * settings as numbers and prints them lossily (notify-keyspace-events "An" prints as "A").
   */
  readonly display?: (value: string) => string
}

const ok = (value: string): DirectiveResult => ({ ok: value })
const err = (error: string): DirectiveResult => ({ error })

// --- C conversions as Redis uses them -------------------------------------------------------------------

const LLONG_MAX = 9223372036854775807n
const LLONG_MIN = -9223372036854775808n
const ULLONG_MAX = 18446744073709551615n
const INT_MAX = 2147483647n
const INT_MIN = -2147483648n
const UINT_MAX = 4294967295n
const LONG_MAX = LLONG_MAX

const isCSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)

/**
 * The C string Redis's char* functions see (strcasecmp, strtoll, memtoull, zstrdup): the bytes before
 * the first NUL. Directives parsed that way ignore everything after a NUL.
 */
export const cstr = (s: string): string => {
  const nul = s.indexOf("\0")
  return nul === -1 ? s : s.slice(0, nul)
}

/** A path held as latin1 text (one char per byte) in the form node:fs takes bytes: a Buffer. */
export const fsPath = (latin1: string): Buffer => Buffer.from(latin1, "latin1")

/** The working directory as latin1 text (Node gives it decoded from UTF-8). */
export const cwdText = (): string => Buffer.from(process.cwd(), "utf8").toString("latin1")

/** sdstrim(line, " \t\r\n"): only these, not every Unicode space. */
export const trimLine = (s: string): string => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "")

/** ASCII-only lower case (sdstolower, strcasecmp): latin1 bytes above 127 stay as they are. */
export const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())

/**
 * C's strtoll: leading whitespace, a sign, digits in `base`, clamped to the 64-bit range. `end` is the
 * index where parsing stopped (0 when no digit was read, like endptr = nptr).
 */
export const strtoll = (s: string, base: 8 | 10 = 10): { value: bigint; end: number; overflow: boolean } => {
  let i = 0
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++
  let negative = false
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-"
    i++
  }
  const start = i
  let value = 0n
  const b = BigInt(base)
  while (i < s.length) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d >= base) break
    value = value * b + BigInt(d)
    i++
  }
  if (i === start) return { value: 0n, end: 0, overflow: false }
  const signed = negative ? -value : value
  if (signed > LLONG_MAX) return { value: LLONG_MAX, end: i, overflow: true }
  if (signed < LLONG_MIN) return { value: LLONG_MIN, end: i, overflow: true }
  return { value: signed, end: i, overflow: false }
}

/** strtoll with Redis's usual check that the whole string was consumed (`*eptr == '\0'`). */
const strtollWhole = (s: string): bigint | undefined => {
  const c = cstr(s)
  const r = strtoll(c)
  return r.end === c.length ? r.value : undefined
}

const MEMORY_UNITS: Readonly<Record<string, bigint>> = {
  "": 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n
}

/**
 * Redis's memtoull: digits then an optional unit (b, k, kb, m, mb, g, gb, any case). No sign, no
 * spaces; "" and a bare unit are 0; digits past 2^64 saturate and the product wraps, as in C.
 * Returns the unsigned 64-bit value, or undefined when Redis reports an error.
 */
export const memtoull = (s: string): bigint | undefined => {
  if (s.startsWith("-")) return undefined
  let u = 0
  while (u < s.length && s.charCodeAt(u) >= 48 && s.charCodeAt(u) <= 57) u++
  const mul = MEMORY_UNITS[asciiLower(s.slice(u))]
  if (mul === undefined || u >= 128) return undefined
  const digits = u === 0 ? 0n : BigInt(s.slice(0, u))
  const value = digits > ULLONG_MAX ? ULLONG_MAX : digits
  return BigInt.asUintN(64, value * mul)
}

/** rewriteConfigFormatMemory: the largest of gb/mb/kb that divides the value exactly. */
export const formatMemory = (bytes: bigint): string => {
  const gb = 1024n * 1024n * 1024n
  const mb = 1024n * 1024n
  const kb = 1024n
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`
  return String(bytes)
}

/**
 * printf's "%f" (6 decimals, round half to even on the exact binary value, as glibc does) with
 * Redis's trimDoubleString (trailing zeros and a trailing dot removed). For 0 <= d <= 100.
 */
export const formatPercentile = (d: number): string => {
  if (Object.is(d, -0)) return "-0"
  // The exact value of a double is m * 2^e; scale to micro-units exactly with BigInt arithmetic.
  const [m, e] = decompose(d)
  let micro: bigint
  if (e >= 0) {
    micro = (m << BigInt(e)) * 1_000_000n
  } else {
    const den = 1n << BigInt(-e)
    const num = m * 1_000_000n
    micro = num / den
    const rem = num % den
    if (rem * 2n > den || (rem * 2n === den && micro % 2n === 1n)) micro += 1n
  }
  const int = micro / 1_000_000n
  const frac = (micro % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "")
  return frac.length === 0 ? String(int) : `${int}.${frac}`
}

/** A finite non-negative double as an exact mantissa and binary exponent. */
const decompose = (d: number): [bigint, number] => {
  if (d === 0) return [0n, 0]
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, d)
  const bits = view.getBigUint64(0)
  const exponent = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  return exponent === 0 ? [fraction, -1074] : [fraction | (1n << 52n), exponent - 1075]
}

// --- directive constructors -------------------------------------------------------------------------------

interface Common {
  readonly alias?: string
  readonly flags?: number
  readonly apply?: ApplyFn
  readonly adjust?: (value: string) => string
}

const aliasOf = (c: Common): { alias?: string; apply?: ApplyFn; adjust?: (value: string) => string } => ({
  ...(c.alias === undefined ? {} : { alias: c.alias }),
  ...(c.apply === undefined ? {} : { apply: c.apply }),
  ...(c.adjust === undefined ? {} : { adjust: c.adjust })
})

const oneArg = (args: ReadonlyArray<string>): string | undefined => (args.length === 1 ? args[0]! : undefined)

const WRONG_ARGS = "wrong number of arguments"

interface BoolOptions extends Common {
  readonly validate?: (value: boolean) => string | undefined
}

/** yes/no, any case (yesnotoi). */
export const boolDirective = (name: string, def: boolean, c: BoolOptions = {}): Directive => ({
  name,
  ...aliasOf(c),
  flags: c.flags ?? 0,
  default: def ? "yes" : "no",
  type: { kind: "bool" },
  parse: (args) => {
    const v = oneArg(args)
    if (v === undefined) return err(WRONG_ARGS)
    const lower = asciiLower(cstr(v))
    if (lower !== "yes" && lower !== "no") return err("argument must be 'yes' or 'no'")
    const invalid = c.validate?.(lower === "yes")
    return invalid === undefined ? ok(lower) : err(invalid)
  },
  rewrite: (value) => [{ line: `${name} ${value}`, force: value !== (def ? "yes" : "no") }]
})

interface NumericOptions extends Common {
  readonly unsigned?: boolean
  readonly memory?: boolean
  readonly percent?: boolean
  readonly octal?: boolean
  /** Redis accepts any value in range but keeps a narrower one (hz: 1..500). */
  readonly clamp?: readonly [bigint, bigint]
}

/** A value as CONFIG GET shows it: percentages as "n%", memory as unsigned bytes, octal digits. */
const numericToText = (v: bigint, o: NumericOptions): string => {
  if (o.percent === true && v < 0n) return `${-v}%`
  if (o.memory === true || o.octal === true) return BigInt.asUintN(64, v).toString(o.octal === true ? 8 : 10)
  return String(v)
}

/** The C `long long` behind a canonical value (what Redis's rewrite formats). */
const numericFromText = (s: string, o: NumericOptions): bigint => {
  if (s.endsWith("%")) return -BigInt(s.slice(0, -1))
  if (o.octal === true) return BigInt("0o" + s)
  return BigInt.asIntN(64, BigInt(s))
}

/**
 * numericConfigSet: parse (memory, then percent, then octal, else string2ll), then the bounds check of
 * the C type (unsigned types compare as unsigned, a percentage only against its lower bound).
 */
export const numericDirective = (
  name: string,
  def: bigint,
  min: bigint,
  max: bigint,
  o: NumericOptions = {}
): Directive => {
  const memory = o.memory === true
  const percent = o.percent === true
  const octal = o.octal === true
  const unsigned = o.unsigned === true
  const parseValue = (s: string): bigint | undefined => {
    if (memory) {
      const m = memtoull(cstr(s))
      if (m !== undefined) return BigInt.asIntN(64, m)
    }
    if (percent && s.length > 1 && s.endsWith("%")) {
      const n = parseLongLongBig(s.slice(0, -1))
      if (n !== undefined && n >= 0n) return -n
    }
    if (octal) {
      const c = cstr(s)
      const r = strtoll(c, 8)
      if (!r.overflow && r.end === c.length) return r.value
    }
    if (!memory && !percent && !octal) return parseLongLongBig(s)
    return undefined
  }
  const parseError = memory && percent
    ? "argument must be a memory or percent value"
    : memory
    ? "argument must be a memory value"
    : octal
    ? "argument couldn't be parsed as an octal number"
    : "argument couldn't be parsed into an integer"
  const boundsError = unsigned
    ? `argument must be between ${BigInt.asUintN(64, min).toString(octal ? 8 : 10)} and ${
      BigInt.asUintN(64, max).toString(octal ? 8 : 10)
    } inclusive`
    : `argument must be between ${min} and ${max} inclusive`
  return {
    name,
    ...aliasOf(o),
    flags: o.flags ?? 0,
    default: numericToText(def, o),
    type: { kind: "numeric", min, max, unsigned, memory, percent, octal },
    parse: (args) => {
      const s = oneArg(args)
      if (s === undefined) return err(WRONG_ARGS)
      const v = parseValue(s)
      if (v === undefined) return err(parseError)
      if (unsigned) {
        const u = BigInt.asUintN(64, v)
        if (u > BigInt.asUintN(64, max) || u < BigInt.asUintN(64, min)) return err(boundsError)
      } else if (percent && v < 0n) {
        if (v < min) return err(`percentage argument must be less or equal to ${-min}`)
      } else if (v > max || v < min) {
        return err(boundsError)
      }
      const kept = o.clamp === undefined ? v : v < o.clamp[0] ? o.clamp[0] : v > o.clamp[1] ? o.clamp[1] : v
      return ok(numericToText(kept, o))
    },
    rewrite: (value) => {
      const v = numericFromText(value, o)
      const force = v !== def
      if (percent && v < 0n) return [{ line: `${name} ${-v}%`, force }]
      if (memory) return [{ line: `${name} ${formatMemory(v)}`, force }]
      if (octal) return [{ line: `${name} ${BigInt.asUintN(64, v).toString(8)}`, force }]
      return [{ line: `${name} ${v}`, force }]
    }
  }
}

/** The integer directives most of the table uses: a C `int` in [min, max]. */
export const intDirective = (name: string, def: number, min: bigint, max: bigint, o: NumericOptions = {}): Directive =>
  numericDirective(name, BigInt(def), min, max, o)

interface EnumOptions extends Common {
  /** Several words combine their bits (shutdown-on-sigint "nosave now"). */
  readonly bitflags?: boolean
  readonly validate?: (bits: number) => string | undefined
}

/**
 * An enum of names with values (configEnumGetValue/configEnumGetName): any case in, the table's name
 * out. Names sharing a value show as the first of them (oom-score-adj "relative" is "yes").
 */
export const enumDirective = (
  name: string,
  def: string,
  values: ReadonlyArray<readonly [string, number]>,
  o: EnumOptions = {}
): Directive => {
  const bitflags = o.bitflags === true
  const names = values.map(([n]) => n)
  const error = `argument(s) must be one of the following: ${names.join(", ")}`
  const toName = (bits: number): string => {
    let out: string | undefined
    let unmatched = bits
    for (const [n, v] of values) {
      if (v === bits) return n
      if (bitflags && v !== 0 && (unmatched & v) === v) {
        out = out === undefined ? n : `${out} ${n}`
        unmatched &= ~v
      }
    }
    return out === undefined || unmatched !== 0 ? "unknown" : out
  }
  return {
    name,
    ...aliasOf(o),
    flags: (o.flags ?? 0) | (bitflags ? MULTI_ARG : 0),
    default: def,
    type: { kind: "enum", values: names, bitflags },
    parse: (args) => {
      if (args.length === 0 || (!bitflags && args.length !== 1)) return err(error)
      let bits = 0
      for (const arg of args) {
        const lower = asciiLower(cstr(arg))
        let matched = false
        for (const [n, v] of values) {
          if (n === lower) {
            bits |= v
            matched = true
          }
        }
        if (!matched) return err(error)
      }
      const invalid = o.validate?.(bits)
      return invalid === undefined ? ok(toName(bits)) : err(invalid)
    },
    rewrite: (value) => [{ line: `${name} ${value}`, force: value !== def }]
  }
}

interface StringOptions extends Common {
  /** EMPTY_STRING_IS_NULL: "" means unset, and CONFIG REWRITE leaves the directive out. */
  readonly emptyIsNull?: boolean
  /** An sds config (binary safe); the others are C strings, cut at the first NUL. */
  readonly sds?: boolean
  readonly validate?: (value: string, context: ParseContext) => string | undefined
}

export const stringDirective = (name: string, def: string, o: StringOptions = {}): Directive => {
  const emptyIsNull = o.emptyIsNull === true
  return {
    name,
    ...aliasOf(o),
    flags: o.flags ?? 0,
    default: def,
    type: { kind: "string", emptyIsNull },
    parse: (args, context) => {
      const arg = oneArg(args)
      if (arg === undefined) return err(WRONG_ARGS)
      const v = o.sds === true ? arg : cstr(arg)
      const invalid = o.validate?.(v, context)
      return invalid === undefined ? ok(v) : err(invalid)
    },
    rewrite: (value) => {
      if (emptyIsNull && value === "") return []
      // A NULL default (EMPTY_STRING_IS_NULL) never equals a set value: it is always written.
      return [{ line: `${name} ${quoteRepr(value)}`, force: emptyIsNull || value !== def }]
    }
  }
}

// --- validators ----------------------------------------------------------------------------------------------

/** pathIsBaseName */
const isBaseName = (s: string): boolean => !s.includes("/") && !s.includes("\\")

const validDbFilename = (v: string): string | undefined =>
  isBaseName(v) ? undefined : "dbfilename can't be a path, just a filename"

const validAofFilename = (v: string): string | undefined =>
  v === "" ? "appendfilename can't be empty" : isBaseName(v) ? undefined : "appendfilename can't be a path, just a filename"

const validAofDirname = (v: string): string | undefined =>
  v === "" ? "appenddirname can't be empty" : isBaseName(v) ? undefined : "appenddirname can't be a path, just a dirname"

/** isValidAnnouncedHostname: NET_HOST_STR_LEN is 256. */
const validHostname = (v: string): string | undefined => {
  if (v.length >= 256) return "Hostnames must be less than 256 characters"
  return /^[A-Za-z0-9.-]*$/.test(v) ? undefined : "Hostnames may only contain alphanumeric characters, hyphens or dots"
}

/**
 * validateProcTitleTemplate: sdstemplate expansion ("{{" is a literal brace, an unknown or unterminated
 * variable is an error) with an empty title must leave something once spaces are trimmed.
 */
const validProcTitle = (template: string, context: ParseContext): string | undefined => {
  const invalid = "template format is invalid or contains unknown variables"
  const port = context.get("port")
  const tlsPort = context.get("tls-port")
  const variable = (v: string): string | undefined => {
    switch (v) {
      case "title":
        return ""
      case "listen-addr": {
        if (port !== "0" || tlsPort !== "0") {
          const bind = context.get("bind")
          return `${bind === "" ? "*" : bind.split(" ")[0]}:${port !== "0" ? port : tlsPort}`
        }
        return `unixsocket:${context.get("unixsocket")}`
      }
      case "server-mode":
        return context.get("cluster-enabled") === "yes" ? "[cluster]" : ""
      case "config-file":
        return context.configFile ?? "-"
      case "port":
        return port
      case "tls-port":
        return tlsPort
      case "unixsocket":
        return context.get("unixsocket")
      default:
        return undefined
    }
  }
  let out = ""
  let p = 0
  while (p < template.length) {
    const open = template.indexOf("{", p)
    if (open === -1) {
      out += template.slice(p)
      break
    }
    out += template.slice(p, open)
    if (open + 1 >= template.length) return invalid
    if (template[open + 1] === "{") {
      out += "{"
      p = open + 2
      continue
    }
    const close = template.indexOf("}", open + 1)
    if (close === -1) return invalid
    const value = variable(template.slice(open + 1, close))
    if (value === undefined) return invalid
    out += value
    p = close + 1
  }
  return out.replace(/^ +| +$/g, "") === "" ? invalid : undefined
}

const TLS_CONFIG_ERROR = "Unable to update TLS configuration. Check server logs."

/**
 * applyTlsCfg: with TLS in use (a TLS port, or TLS replication/cluster links), the context is built
 * again from the new values (the certificate files read again), and a failure keeps the old one.
 * Without a listener Layer (an embedded core) there is nothing to configure TLS with: Redis's answer
 * without certificates.
 */
const applyTls: ApplyFn = (get, hooks) => {
  // the listener's hook knows whether TLS is in use (it may listen on a port it was given directly)
  const hook = hooks.applyHook(TLS_CONFIGURE_HOOK)
  if (hook !== undefined) return hook(get)
  return get("tls-port") === "0" && get("tls-cluster") !== "yes" && get("tls-replication") !== "yes" ? undefined : TLS_CONFIG_ERROR
}

/** applyTLSPort: configures TLS if it is not yet, then listens on the new port (0 closes it). */
const applyTlsPort: ApplyFn = (get, hooks) => {
  const hook = hooks.applyHook(TLS_PORT_HOOK)
  if (hook !== undefined) return hook(get)
  return get("tls-port") !== "0" ? TLS_CONFIG_ERROR : undefined
}

// --- special directives ------------------------------------------------------------------------------------

const SAVE_ERROR = "Invalid save parameters"

/**
 * setConfigSaveOption: pairs of `seconds changes` (seconds >= 1, changes >= 0, strtoll syntax);
 * a single "" empties the list. In a config file every line after the first adds its pairs.
 */
const saveDirective: Directive = {
  name: "save",
  flags: MULTI_ARG | ACCUMULATE,
  default: "3600 1 300 100 60 10000",
  type: { kind: "special" },
  parse: (args, context) => {
    const explicitEmpty = args.length === 1 && cstr(args[0]!) === ""
    const words = explicitEmpty ? [] : args
    if (words.length % 2 !== 0) return err(SAVE_ERROR)
    const pairs: Array<string> = []
    for (let j = 0; j < words.length; j += 2) {
      const seconds = strtollWhole(words[j]!)
      const changes = strtollWhole(words[j + 1]!)
      if (seconds === undefined || seconds < 1n || changes === undefined || changes < 0n) return err(SAVE_ERROR)
      // changes is a C int in Redis's saveparam
      pairs.push(`${seconds} ${BigInt.asIntN(32, changes)}`)
    }
    const kept = explicitEmpty || !context.accumulate || context.current === "" ? [] : [context.current]
    return ok([...kept, ...pairs].join(" "))
  },
  rewrite: (value) => {
    if (value === "") return [{ line: "save \"\"", force: true }]
    const words = value.split(" ")
    const lines: Array<RewriteLine> = []
    for (let j = 0; j < words.length; j += 2) lines.push({ line: `save ${words[j]} ${words[j + 1]}`, force: true })
    return lines
  }
}

/** Client classes of client-output-buffer-limit, in Redis's order, with their defaults. */
const OBUF_CLASSES = ["normal", "slave", "pubsub"] as const
const OBUF_DEFAULTS = ["0 0 0", "268435456 67108864 60", "33554432 8388608 60"]

/** getClientTypeByName, minus "master" which the directive refuses. */
const obufClass = (name: string): number => {
  switch (asciiLower(name)) {
    case "normal":
      return 0
    case "slave":
    case "replica":
      return 1
    case "pubsub":
      return 2
    default:
      return -1
  }
}

/** "normal h s secs slave ... pubsub ..." -> the three "h s secs" triples. */
const obufTriples = (value: string): Array<string> => {
  const w = value.split(" ")
  return [0, 1, 2].map((i) => `${w[i * 4 + 1]} ${w[i * 4 + 2]} ${w[i * 4 + 3]}`)
}

const clientOutputBufferLimitDirective: Directive = {
  name: "client-output-buffer-limit",
  flags: MULTI_ARG,
  default: OBUF_CLASSES.map((c, i) => `${c} ${OBUF_DEFAULTS[i]}`).join(" "),
  type: { kind: "special" },
  parse: (args, context) => {
    if (args.length % 4 !== 0) return err("Wrong number of arguments in buffer limit configuration.")
    const triples = obufTriples(context.current)
    for (let j = 0; j < args.length; j += 4) {
      const cls = obufClass(cstr(args[j]!))
      if (cls === -1) return err("Invalid client class specified in buffer limit configuration.")
      const hard = memtoull(cstr(args[j + 1]!))
      const soft = memtoull(cstr(args[j + 2]!))
      const seconds = strtollWhole(args[j + 3]!)
      // soft_seconds is a C int: the sign check applies after truncation
      const secondsInt = seconds === undefined ? -1n : BigInt.asIntN(32, seconds)
      if (hard === undefined || soft === undefined || secondsInt < 0n) {
        return err("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
      }
      triples[cls] = `${hard} ${soft} ${secondsInt}`
    }
    return ok(OBUF_CLASSES.map((c, i) => `${c} ${triples[i]}`).join(" "))
  },
  rewrite: (value) =>
    obufTriples(value).map((triple, i) => {
      const [hard, soft, seconds] = triple.split(" ")
      const cls = i === 1 ? "replica" : OBUF_CLASSES[i]
      return {
        line: `client-output-buffer-limit ${cls} ${formatMemory(BigInt.asIntN(64, BigInt(hard!)))} ${
          formatMemory(BigInt.asIntN(64, BigInt(soft!)))
        } ${seconds}`,
        force: triple !== OBUF_DEFAULTS[i]
      }
    })
}

const oomScoreAdjValuesDirective: Directive = {
  name: "oom-score-adj-values",
  flags: MULTI_ARG | NOT_APPLICABLE,
  default: "0 200 800",
  type: { kind: "special" },
  parse: (args) => {
    if (args.length !== 3) return err(WRONG_ARGS)
    const values: Array<bigint> = []
    for (const arg of args) {
      const v = strtollWhole(arg)
      if (v === undefined || v < -2000n || v > 2000n) {
        return err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
      }
      values.push(v)
    }
    return ok(values.join(" "))
  },
  rewrite: (value) => [{ line: `oom-score-adj-values ${value}`, force: value !== "0 200 800" }]
}

const notifyKeyspaceEventsDirective: Directive = {
  name: "notify-keyspace-events",
  flags: 0,
  default: "",
  type: { kind: "special" },
  parse: (args) => {
    const v = oneArg(args)
    if (v === undefined) return err(WRONG_ARGS)
    const flags = keyspaceEventsToFlags(cstr(v))
    return flags === -1 ? err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.") : ok(keyspaceEventsToString(flags, true))
  },
  display: (value) => keyspaceEventsToString(keyspaceEventsToFlags(value)),
  rewrite: (value) => {
    const shown = keyspaceEventsToString(keyspaceEventsToFlags(value))
    return [{ line: `notify-keyspace-events ${quoteRepr(shown)}`, force: shown !== "" }]
  }
}

const DEFAULT_BIND = "* -::*"

const bindDirective: Directive = {
  name: "bind",
  flags: MULTI_ARG,
  default: DEFAULT_BIND,
  type: { kind: "special" },
  parse: (args) => {
    if (args.length > 16) return err("Too many bind addresses specified.")
    return ok(args.length === 1 && args[0] === "" ? "" : args.map(cstr).join(" "))
  },
  rewrite: (value) => value === DEFAULT_BIND ? [] : [{ line: `bind ${value === "" ? "\"\"" : value}`, force: true }],
  // changeBindAddr fails on an address it cannot resolve; an empty word (two spaces) is one
  apply: (get) => {
    const bind = get("bind")
    return bind !== "" && bind.split(" ").some((a) => a === "" || a === "-") ? "Failed to bind to specified addresses." : undefined
  }
}

/** `replicaof <host> <port>` or `replicaof no one`; shown as "host port", "" for a master. */
const replicaofDirective: Directive = {
  name: "replicaof",
  alias: "slaveof",
  flags: MULTI_ARG | IMMUTABLE,
  default: "",
  type: { kind: "special" },
  parse: (args) => {
    if (args.length !== 2) return err(WRONG_ARGS)
    const [host, port] = (args as [string, string]).map(cstr) as [string, string]
    if (asciiLower(host) === "no" && asciiLower(port) === "one") return ok("")
    // strtol into an int field: the range check applies after truncation
    const p = strtoll(port)
    const masterport = BigInt.asIntN(32, p.value)
    if (masterport < 0n || masterport > 65535n || p.end !== port.length) return err("Invalid master port")
    return ok(`${host} ${masterport}`)
  },
  rewrite: (value) => (value === "" ? [] : [{ line: `replicaof ${value}`, force: true }])
}

const latencyPercentilesDirective: Directive = {
  name: "latency-tracking-info-percentiles",
  flags: MULTI_ARG,
  default: "50 99 99.9",
  type: { kind: "special" },
  parse: (args) => {
    const words = args.length === 1 && args[0] === "" ? [] : args
    const out: Array<string> = []
    for (const w of words) {
      const d = parseDouble(w)
      if (d === undefined) return err("Invalid latency-tracking-info-percentiles parameters")
      if (!(d >= 0 && d <= 100)) return err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
      out.push(formatPercentile(d))
    }
    return ok(out.join(" "))
  },
  rewrite: (value) => [{ line: `latency-tracking-info-percentiles ${value === "" ? "\"\"" : value}`, force: true }]
}

/** strerror texts for the errors chdir can meet. */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EIO: "Input/output error",
  EISDIR: "Is a directory",
  EEXIST: "File exists",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EMFILE: "Too many open files"
}

/** C's strerror for a Node error, e.g. "No such file or directory". */
export const strerror = (e: unknown): string => {
  const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : ""
  return STRERROR[code] ?? (e instanceof Error ? e.message : String(e))
}

/**
 * `dir`: Redis chdirs and reports getcwd(). Here the store keeps the resolved absolute path (the
 * standalone server also chdirs to it, see load.ts), checked the way chdir would check it.
 */
const dirDirective: Directive = {
  name: "dir",
  flags: PROTECTED | DENY_LOADING,
  default: "",
  type: { kind: "special" },
  initial: cwdText,
  parse: (args, context) => {
    const arg = oneArg(args)
    if (arg === undefined) return err(WRONG_ARGS)
    const v = cstr(arg)
    if (v === "") return err(STRERROR.ENOENT!)
    const path = fsPath(resolve(context.current, v))
    try {
      if (!statSync(path).isDirectory()) return err(STRERROR.ENOTDIR!)
      return ok(realpathSync(path, { encoding: "latin1" }))
    } catch (e) {
      return err(strerror(e))
    }
  },
  rewrite: (value) => [{ line: `dir ${quoteRepr(value)}`, force: true }]
}

// --- the table ---------------------------------------------------------------------------------------------

const NA = NOT_APPLICABLE
const protectedAction: ReadonlyArray<readonly [string, number]> = [["no", 0], ["yes", 1], ["local", 2]]
const named = (...names: ReadonlyArray<string>): ReadonlyArray<readonly [string, number]> => names.map((n, i) => [n, i])
const SHUTDOWN_SAVE = 1
const SHUTDOWN_NOSAVE = 2
const shutdownFlags: ReadonlyArray<readonly [string, number]> = [
  ["default", 0],
  ["save", SHUTDOWN_SAVE],
  ["nosave", SHUTDOWN_NOSAVE],
  ["now", 4],
  ["force", 8]
]
const validShutdownFlags = (bits: number): string | undefined =>
  (bits & SHUTDOWN_SAVE) !== 0 && (bits & SHUTDOWN_NOSAVE) !== 0
    ? "shutdown options SAVE and NOSAVE can't be used simultaneously"
    : undefined

const int = (name: string, def: number, min: bigint, max: bigint, o: NumericOptions = {}) =>
  intDirective(name, def, min, max, o)
const uint = (name: string, def: number, min: bigint, max: bigint, o: NumericOptions = {}) =>
  intDirective(name, def, min, max, { ...o, unsigned: true })
const mem = (name: string, def: number, min: bigint, max: bigint, o: NumericOptions = {}) =>
  intDirective(name, def, min, max, { ...o, memory: true })

/**
 * Every directive of Redis 7.0.15, in the order of config.c's table. `NOT_APPLICABLE` marks those
 * this server stores and validates but does not act on (TLS, cluster, threads, allocator, process
 * management, eviction tuning, ...).
 */
export const directives: ReadonlyArray<Directive> = [
  // bool
  boolDirective("rdbchecksum", true, { flags: IMMUTABLE }),
  boolDirective("daemonize", false, { flags: IMMUTABLE | NA }),
  boolDirective("io-threads-do-reads", false, { flags: IMMUTABLE | NA }),
  boolDirective("always-show-logo", false, { flags: IMMUTABLE | NA }),
  boolDirective("protected-mode", true),
  boolDirective("rdbcompression", true),
  boolDirective("rdb-del-sync-files", false),
  boolDirective("activerehashing", true, { flags: NA }),
  boolDirective("stop-writes-on-bgsave-error", true),
  boolDirective("set-proc-title", true, { flags: IMMUTABLE | NA }),
  boolDirective("dynamic-hz", true, { flags: NA }),
  boolDirective("lazyfree-lazy-eviction", false, { flags: NA }),
  boolDirective("lazyfree-lazy-expire", false),
  boolDirective("lazyfree-lazy-server-del", false, { flags: NA }),
  boolDirective("lazyfree-lazy-user-del", false, { flags: NA }),
  boolDirective("lazyfree-lazy-user-flush", false, { flags: NA }),
  boolDirective("repl-disable-tcp-nodelay", false),
  boolDirective("repl-diskless-sync", true),
  boolDirective("aof-rewrite-incremental-fsync", true),
  boolDirective("no-appendfsync-on-rewrite", false),
  boolDirective("cluster-require-full-coverage", true, { flags: NA }),
  boolDirective("rdb-save-incremental-fsync", true),
  boolDirective("aof-load-truncated", true),
  boolDirective("aof-use-rdb-preamble", true),
  boolDirective("aof-timestamp-enabled", false),
  boolDirective("cluster-replica-no-failover", false, { alias: "cluster-slave-no-failover", flags: NA }),
  boolDirective("replica-lazy-flush", false, { alias: "slave-lazy-flush" }),
  boolDirective("replica-serve-stale-data", true, { alias: "slave-serve-stale-data" }),
  boolDirective("replica-read-only", true, { alias: "slave-read-only" }),
  boolDirective("replica-ignore-maxmemory", true, { alias: "slave-ignore-maxmemory" }),
  boolDirective("jemalloc-bg-thread", true, { flags: NA }),
  // No defragmentation here, which Redis reports the way a build without its own jemalloc does
  // (Debian's redis-server is one).
  boolDirective("activedefrag", false, {
    flags: NA,
    validate: (on) =>
      on
        ? "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
        : undefined
  }),
  boolDirective("syslog-enabled", false, { flags: IMMUTABLE | NA }),
  boolDirective("cluster-enabled", false, { flags: IMMUTABLE | NA }),
  boolDirective("appendonly", false, { flags: DENY_LOADING }),
  boolDirective("cluster-allow-reads-when-down", false, { flags: NA }),
  boolDirective("cluster-allow-pubsubshard-when-down", true, { flags: NA }),
  boolDirective("crash-log-enabled", true, { flags: NA }),
  boolDirective("crash-memcheck-enabled", true, { flags: NA }),
  boolDirective("use-exit-on-panic", false, { flags: HIDDEN | NA }),
  boolDirective("disable-thp", true, { flags: IMMUTABLE | NA }),
  boolDirective("cluster-allow-replica-migration", true, { flags: NA }),
  boolDirective("replica-announced", true),
  boolDirective("latency-tracking", true),
  boolDirective("aof-disable-auto-gc", false),
  boolDirective("replica-ignore-disk-write-errors", false),

  // string
  stringDirective("aclfile", "", { flags: IMMUTABLE }),
  stringDirective("unixsocket", "", { flags: IMMUTABLE | NA, emptyIsNull: true }),
  stringDirective("pidfile", "", { flags: IMMUTABLE | NA, emptyIsNull: true }),
  stringDirective("replica-announce-ip", "", { alias: "slave-announce-ip", emptyIsNull: true }),
  stringDirective("masteruser", "", { flags: SENSITIVE, emptyIsNull: true }),
  stringDirective("cluster-announce-ip", "", { flags: NA, emptyIsNull: true }),
  stringDirective("cluster-config-file", "nodes.conf", { flags: IMMUTABLE | NA }),
  stringDirective("cluster-announce-hostname", "", { flags: NA, emptyIsNull: true, validate: validHostname }),
  stringDirective("syslog-ident", "redis", { flags: IMMUTABLE | NA }),
  stringDirective("dbfilename", "dump.rdb", { flags: PROTECTED, validate: validDbFilename }),
  stringDirective("appendfilename", "appendonly.aof", { flags: IMMUTABLE, validate: validAofFilename }),
  stringDirective("appenddirname", "appendonlydir", { flags: IMMUTABLE, validate: validAofDirname }),
  stringDirective("server_cpulist", "", { flags: IMMUTABLE | NA, emptyIsNull: true }),
  stringDirective("bio_cpulist", "", { flags: IMMUTABLE | NA, emptyIsNull: true }),
  stringDirective("aof_rewrite_cpulist", "", { flags: IMMUTABLE | NA, emptyIsNull: true }),
  stringDirective("bgsave_cpulist", "", { flags: IMMUTABLE | NA, emptyIsNull: true }),
  stringDirective("ignore-warnings", "", { flags: NA }),
  stringDirective("proc-title-template", "{title} {listen-addr} {server-mode}", { flags: NA, validate: validProcTitle }),
  stringDirective("bind-source-addr", "", { emptyIsNull: true }),
  stringDirective("logfile", "", { flags: IMMUTABLE }),
  stringDirective("masterauth", "", { flags: SENSITIVE, emptyIsNull: true, sds: true }),
  stringDirective("requirepass", "", { flags: SENSITIVE, emptyIsNull: true, sds: true }),

  // enum
  enumDirective("supervised", "no", named("upstart", "systemd", "auto", "no"), { flags: IMMUTABLE | NA }),
  enumDirective(
    "syslog-facility",
    "local0",
    named("user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"),
    { flags: IMMUTABLE | NA }
  ),
  enumDirective("repl-diskless-load", "disabled", named("disabled", "on-empty-db", "swapdb"), { flags: DENY_LOADING }),
  enumDirective("loglevel", "notice", named("debug", "verbose", "notice", "warning")),
  enumDirective(
    "maxmemory-policy",
    "noeviction",
    named("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")
  ),
  enumDirective("appendfsync", "everysec", named("everysec", "always", "no")),
  enumDirective("oom-score-adj", "no", [["no", 0], ["yes", 1], ["relative", 1], ["absolute", 2]], { flags: NA }),
  enumDirective("acl-pubsub-default", "resetchannels", named("allchannels", "resetchannels")),
  enumDirective("sanitize-dump-payload", "no", named("no", "yes", "clients")),
  enumDirective("enable-protected-configs", "no", protectedAction, { flags: IMMUTABLE }),
  enumDirective("enable-debug-command", "no", protectedAction, { flags: IMMUTABLE }),
  enumDirective("enable-module-command", "no", protectedAction, { flags: IMMUTABLE | NA }),
  enumDirective("cluster-preferred-endpoint-type", "ip", named("ip", "hostname", "unknown-endpoint"), { flags: NA }),
  enumDirective("propagation-error-behavior", "ignore", named("ignore", "panic", "panic-on-replicas")),
  enumDirective("shutdown-on-sigint", "default", shutdownFlags, { bitflags: true, validate: validShutdownFlags }),
  enumDirective("shutdown-on-sigterm", "default", shutdownFlags, { bitflags: true, validate: validShutdownFlags }),

  // int
  int("databases", 16, 1n, INT_MAX, { flags: IMMUTABLE }),
  int("port", 6379, 0n, 65535n),
  int("io-threads", 1, 1n, 128n, { flags: IMMUTABLE | NA }),
  int("auto-aof-rewrite-percentage", 100, 0n, INT_MAX),
  int("cluster-replica-validity-factor", 10, 0n, INT_MAX, { alias: "cluster-slave-validity-factor", flags: NA }),
  int("list-max-listpack-size", -2, INT_MIN, INT_MAX, { alias: "list-max-ziplist-size" }),
  int("tcp-keepalive", 300, 0n, INT_MAX),
  int("cluster-migration-barrier", 1, 0n, INT_MAX, { flags: NA }),
  int("active-defrag-cycle-min", 1, 1n, 99n, { flags: NA }),
  int("active-defrag-cycle-max", 25, 1n, 99n, { flags: NA }),
  int("active-defrag-threshold-lower", 10, 0n, 1000n, { flags: NA }),
  int("active-defrag-threshold-upper", 100, 0n, 1000n, { flags: NA }),
  int("lfu-log-factor", 10, 0n, INT_MAX),
  int("lfu-decay-time", 1, 0n, INT_MAX),
  int("replica-priority", 100, 0n, INT_MAX, { alias: "slave-priority" }),
  int("repl-diskless-sync-delay", 5, 0n, INT_MAX),
  int("maxmemory-samples", 5, 1n, INT_MAX),
  int("maxmemory-eviction-tenacity", 10, 0n, 100n),
  int("timeout", 0, 0n, INT_MAX),
  int("replica-announce-port", 0, 0n, 65535n, { alias: "slave-announce-port" }),
  int("tcp-backlog", 511, 0n, INT_MAX, { flags: IMMUTABLE }),
  int("cluster-port", 0, 0n, 65535n, { flags: IMMUTABLE | NA }),
  int("cluster-announce-bus-port", 0, 0n, 65535n, { flags: NA }),
  int("cluster-announce-port", 0, 0n, 65535n, { flags: NA }),
  int("cluster-announce-tls-port", 0, 0n, 65535n, { flags: NA }),
  int("repl-timeout", 60, 1n, INT_MAX),
  int("repl-ping-replica-period", 10, 1n, INT_MAX, { alias: "repl-ping-slave-period" }),
  int("list-compress-depth", 0, 0n, INT_MAX),
  int("rdb-key-save-delay", 0, INT_MIN, INT_MAX, { flags: HIDDEN }),
  int("key-load-delay", 0, INT_MIN, INT_MAX, { flags: HIDDEN }),
  int("active-expire-effort", 1, 1n, 10n),
  // Redis accepts any int but runs (and shows) 1..500: updateHZ and the end of config loading clamp it
  int("hz", 10, 0n, INT_MAX, { clamp: [1n, 500n] }),
  int("min-replicas-to-write", 0, 0n, INT_MAX, { alias: "min-slaves-to-write" }),
  int("min-replicas-max-lag", 10, 0n, INT_MAX, { alias: "min-slaves-max-lag" }),
  int("watchdog-period", 0, 0n, INT_MAX, { flags: HIDDEN | NA }),
  int("shutdown-timeout", 10, 0n, INT_MAX),
  int("repl-diskless-sync-max-replicas", 0, 0n, INT_MAX),

  // unsigned int
  uint("maxclients", 10000, 1n, UINT_MAX),
  uint("unixsocketperm", 0, 0n, 0o777n, { flags: IMMUTABLE | NA, octal: true }),
  uint("socket-mark-id", 0, 0n, UINT_MAX, { flags: IMMUTABLE | NA }),

  // unsigned long (compared as signed in config.c)
  int("active-defrag-max-scan-fields", 1000, 1n, LONG_MAX, { flags: NA }),
  int("slowlog-max-len", 128, 0n, LONG_MAX),
  int("acllog-max-len", 128, 0n, LONG_MAX),

  // long long
  int("busy-reply-threshold", 5000, 0n, LONG_MAX, { alias: "lua-time-limit" }),
  int("cluster-node-timeout", 15000, 0n, LLONG_MAX, { flags: NA }),
  int("slowlog-log-slower-than", 10000, -1n, LLONG_MAX),
  int("latency-monitor-threshold", 0, 0n, LLONG_MAX),
  mem("proto-max-bulk-len", 512 * 1024 * 1024, 1024n * 1024n, LONG_MAX),
  int("stream-node-max-entries", 100, 0n, LLONG_MAX),
  // resizeReplicationBacklog raises a CONFIG SET value to CONFIG_REPL_BACKLOG_MIN_SIZE
  mem("repl-backlog-size", 1024 * 1024, 1n, LLONG_MAX, { adjust: (v) => (BigInt(v) < 16384n ? "16384" : v) }),

  // unsigned long long
  mem("maxmemory", 0, 0n, ULLONG_MAX, { unsigned: true }),
  mem("cluster-link-sendbuf-limit", 0, 0n, ULLONG_MAX, { unsigned: true, flags: NA }),

  // size_t
  uint("hash-max-listpack-entries", 512, 0n, LONG_MAX, { alias: "hash-max-ziplist-entries" }),
  uint("set-max-intset-entries", 512, 0n, LONG_MAX),
  uint("zset-max-listpack-entries", 128, 0n, LONG_MAX, { alias: "zset-max-ziplist-entries" }),
  mem("active-defrag-ignore-bytes", 100 * 1024 * 1024, 1n, LLONG_MAX, { unsigned: true, flags: NA }),
  mem("hash-max-listpack-value", 64, 0n, LONG_MAX, { unsigned: true, alias: "hash-max-ziplist-value" }),
  mem("stream-node-max-bytes", 4096, 0n, LONG_MAX, { unsigned: true }),
  mem("zset-max-listpack-value", 64, 0n, LONG_MAX, { unsigned: true, alias: "zset-max-ziplist-value" }),
  mem("hll-sparse-max-bytes", 3000, 0n, LONG_MAX, { unsigned: true }),
  uint("tracking-table-max-keys", 1000000, 0n, LONG_MAX),
  mem("client-query-buffer-limit", 1024 * 1024 * 1024, 1024n * 1024n, LONG_MAX, { unsigned: true }),
  // ssize_t; a percentage of maxmemory is stored as a negative number
  mem("maxmemory-clients", 0, -100n, LLONG_MAX, { percent: true }),

  // time_t, off_t
  int("repl-backlog-ttl", 3600, 0n, LONG_MAX),
  mem("auto-aof-rewrite-min-size", 64 * 1024 * 1024, 0n, LLONG_MAX),
  int("loading-process-events-interval-bytes", 2 * 1024 * 1024, 1024n, INT_MAX, { flags: HIDDEN }),

  // TLS (compiled in, as in Debian's redis-server), served by the listener (server/Tls.ts). Every one
  // is mutable; changing one rebuilds the TLS context (applyTls), files included. tls-cluster,
  // tls-replication and the client-side certificate are stored for the links that do not exist yet.
  int("tls-port", 0, 0n, 65535n, { apply: applyTlsPort }),
  int("tls-session-cache-size", 20 * 1024, 0n, INT_MAX, { apply: applyTls }),
  int("tls-session-cache-timeout", 300, 0n, INT_MAX, { apply: applyTls }),
  boolDirective("tls-cluster", false, { flags: NA, apply: applyTls }),
  boolDirective("tls-replication", false, { flags: NA, apply: applyTls }),
  enumDirective("tls-auth-clients", "yes", named("no", "yes", "optional")),
  boolDirective("tls-prefer-server-ciphers", false, { apply: applyTls }),
  boolDirective("tls-session-caching", true, { apply: applyTls }),
  ...[
    "tls-cert-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-dh-params-file",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
    "tls-protocols",
    "tls-ciphers",
    "tls-ciphersuites"
  ].map((name) =>
    stringDirective(name, "", {
      flags: (name.startsWith("tls-client-") ? NA : 0) | (/-(file|dir)$/.test(name) ? VOLATILE : 0),
      emptyIsNull: true,
      apply: applyTls
    })
  ),

  // special
  dirDirective,
  saveDirective,
  clientOutputBufferLimitDirective,
  oomScoreAdjValuesDirective,
  notifyKeyspaceEventsDirective,
  bindDirective,
  replicaofDirective,
  latencyPercentilesDirective
]
