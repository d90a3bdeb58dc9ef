/**
 * The `cjson` library Redis loads (deps/lua/src/lua_cjson.c, 2.1.0 with Redis's patches), written
 * against LuaVm: encode (numbers as %.14g, '/' escaped, empty tables as {}, arrays by lua_array_length's
 * rule with its sparse-array error, keys in lua_next order), decode (objects and arrays to tables,
 * null to cjson.null), cjson.null, and the configuration functions with their effects (sparse arrays,
 * nesting depths, number precision, invalid numbers), kept per Lua state as Redis's are: a script that
 * changes one changes it for the scripts after it.
 */
import { LuaType, type LuaVm } from "./LuaVm.ts"

/** json_config_t, with lua_cjson's defaults. */
interface Config {
  sparseConvert: number
  sparseRatio: number
  sparseSafe: number
  encodeMaxDepth: number
  decodeMaxDepth: number
  /** 0 off (error), 1 on ("nan", "inf"), 2 "null" */
  encodeInvalidNumbers: number
  decodeInvalidNumbers: number
  encodeKeepBuffer: number
  encodeNumberPrecision: number
}

const defaults = (): Config => ({
  sparseConvert: 0,
  sparseRatio: 2,
  sparseSafe: 10,
  encodeMaxDepth: 1000,
  decodeMaxDepth: 1000,
  encodeInvalidNumbers: 0,
  decodeInvalidNumbers: 1,
  encodeKeepBuffer: 1,
  encodeNumberPrecision: 14
})

const INT_MAX = 2147483647
const ON_OFF = ["off", "on"]
const INVALID_NUMBER_OPTIONS = ["off", "on", "null"]

const ESCAPES: Array<string | undefined> = []
for (let c = 0; c < 32; c++) ESCAPES[c] = `\\u${c.toString(16).padStart(4, "0")}`
ESCAPES[8] = "\\b"
ESCAPES[9] = "\\t"
ESCAPES[10] = "\\n"
ESCAPES[12] = "\\f"
ESCAPES[13] = "\\r"
ESCAPES[34] = "\\\""
ESCAPES[47] = "\\/"
ESCAPES[92] = "\\\\"
ESCAPES[127] = "\\u007f"

const escape = (s: string): string => {
  let out = "\""
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const e = ESCAPES[s.charCodeAt(i)]
    if (e !== undefined) {
      out += s.slice(start, i) + e
      start = i + 1
    }
  }
  return out + s.slice(start) + "\""
}

const TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"]

export const registerCjson = (vm: LuaVm, formatG: (n: number, precision: number) => string): void => {
  const cfg = defaults()
  const fail = (index: number, reason: string): never =>
    vm.raise(`Cannot serialise ${TYPE_NAMES[vm.type(index)] ?? "no value"}: ${reason}`)

  /** json_append_number (a key is written with the same rules, in quotes). */
  const number = (index: number): string => {
    const n = vm.toNumber(index)
    if (cfg.encodeInvalidNumbers === 0) {
      if (!Number.isFinite(n)) fail(index, "must not be NaN or Inf")
    } else if (cfg.encodeInvalidNumbers === 1) {
      if (Number.isNaN(n)) return "nan"
      if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf"
    } else if (!Number.isFinite(n)) {
      return "null"
    }
    return formatG(n, cfg.encodeNumberPrecision)
  }

  /** lua_array_length: the array's length, or -1 for an object (table at the top). */
  const arrayLength = (): number => {
    let max = 0
    let items = 0
    vm.pushNil()
    while (vm.next(-2)) {
      if (vm.type(-2) === LuaType.Number) {
        const k = vm.toNumber(-2)
        if (k !== 0 && Math.floor(k) === k && k >= 1) {
          if (k > max) max = k
          items++
          vm.pop(1)
          continue
        }
      }
      vm.pop(2)
      return -1
    }
    if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
      if (cfg.sparseConvert === 0) fail(-1, "excessively sparse array")
      return -1
    }
    return max
  }

  /** Encodes the value at the top of the stack (left there). */
  const encode = (depth: number): string => {
    switch (vm.type(-1)) {
      case LuaType.String:
        return escape(vm.toString(-1)!)
      case LuaType.Number:
        return number(-1)
      case LuaType.Boolean:
        return vm.toBoolean(-1) ? "true" : "false"
      case LuaType.Nil:
        return "null"
      case LuaType.LightUserdata:
        if (vm.toUserdata(-1) === 0) return "null"
        return fail(-1, "type not supported")
      case LuaType.Table: {
        const current = depth + 1
        if (current > cfg.encodeMaxDepth || !vm.checkStack(3)) vm.raise(`Cannot serialise, excessive nesting (${current})`)
        const length = arrayLength()
        if (length > 0) {
          let out = "["
          for (let i = 1; i <= length; i++) {
            if (i > 1) out += ","
            vm.rawGetI(-1, i)
            out += encode(current)
            vm.pop(1)
          }
          return out + "]"
        }
        let out = "{"
        let first = true
        vm.pushNil()
        while (vm.next(-2)) {
          if (!first) out += ","
          first = false
          const keyType = vm.type(-2)
          if (keyType === LuaType.Number) out += `"${number(-2)}":`
          else if (keyType === LuaType.String) out += `${escape(vm.toString(-2)!)}:`
          else fail(-2, "table key must be a number or string")
          out += encode(current)
          vm.pop(1)
        }
        return out + "}"
      }
      default:
        return fail(-1, "type not supported")
    }
  }

  vm.newTable()
  vm.pushFunction((vm) => {
    if (vm.getTop() !== 1) vm.argError(1, "expected 1 argument")
    vm.pushString(encode(0))
    return 1
  })
  vm.setField(-2, "encode")
  vm.pushFunction((vm) => {
    if (vm.getTop() !== 1) vm.argError(1, "expected 1 argument")
    const text = vm.toString(1)
    if (text === undefined) vm.raise("bad argument #1 to 'decode' (string expected, got no value)")
    new Decoder(vm, text!, cfg).decode()
    return 1
  })
  vm.setField(-2, "decode")

  // --- configuration (json_cfg_*): each sets what it is given and returns the current setting(s) ---
  /** json_arg_init: at most `args` arguments, padded with nils. */
  const argInit = (args: number): void => {
    if (vm.getTop() > args) vm.argError(args + 1, "found too many arguments")
    while (vm.getTop() < args) vm.pushNil()
  }
  /** json_integer_option */
  const integerOption = (index: number, key: keyof Config, min: number, max: number): void => {
    if (vm.type(index) !== LuaType.Nil) {
      const value = vm.checkInteger(index)
      if (value < min || value > max) vm.argError(1, `expected integer between ${min} and ${max}`)
      cfg[key] = value
    }
    vm.pushNumber(cfg[key])
  }
  /** json_enum_option: a boolean counts as `boolTrue` or 0 when given; otherwise one of `options`. */
  const enumOption = (index: number, key: keyof Config, options: ReadonlyArray<string>, boolTrue: number): void => {
    if (vm.type(index) !== LuaType.Nil) {
      if (boolTrue !== 0 && vm.type(index) === LuaType.Boolean) cfg[key] = vm.toBoolean(index) ? boolTrue : 0
      else cfg[key] = vm.checkOption(index, options)
    }
    const setting = cfg[key]
    if (boolTrue !== 0 && (setting === 0 || setting === boolTrue)) vm.pushBoolean(setting !== 0)
    else vm.pushString(options[setting]!)
  }
  const configuration: ReadonlyArray<[string, () => number]> = [
    ["encode_sparse_array", () => {
      argInit(3)
      enumOption(1, "sparseConvert", ON_OFF, 1)
      integerOption(2, "sparseRatio", 0, INT_MAX)
      integerOption(3, "sparseSafe", 0, INT_MAX)
      return 3
    }],
    ["encode_max_depth", () => {
      argInit(1)
      integerOption(1, "encodeMaxDepth", 1, INT_MAX)
      return 1
    }],
    ["decode_max_depth", () => {
      argInit(1)
      integerOption(1, "decodeMaxDepth", 1, INT_MAX)
      return 1
    }],
    ["encode_number_precision", () => {
      argInit(1)
      integerOption(1, "encodeNumberPrecision", 1, 14)
      return 1
    }],
    ["encode_keep_buffer", () => {
      argInit(1)
      enumOption(1, "encodeKeepBuffer", ON_OFF, 1)
      return 1
    }],
    ["encode_invalid_numbers", () => {
      argInit(1)
      enumOption(1, "encodeInvalidNumbers", INVALID_NUMBER_OPTIONS, 1)
      return 1
    }],
    ["decode_invalid_numbers", () => {
      argInit(1)
      enumOption(1, "decodeInvalidNumbers", ON_OFF, 1)
      return 1
    }]
  ]
  for (const [name, fn] of configuration) {
    vm.pushFunction(fn)
    vm.setField(-2, name)
  }
  vm.pushLightUserdata(0)
  vm.setField(-2, "null")
  vm.pushString("cjson")
  vm.setField(-2, "_NAME")
  vm.pushString("2.1.0")
  vm.setField(-2, "_VERSION")
  vm.setGlobal("cjson")
}

/** JSON text (latin1: one char per byte, UTF-8 as its bytes) to Lua values on the stack. */
class Decoder {
  private pos = 0
  private readonly vm: LuaVm
  private readonly text: string

  private readonly cfg: Config

  constructor(vm: LuaVm, text: string, cfg: Config) {
    this.vm = vm
    this.text = text
    this.cfg = cfg
  }

  /** json_is_invalid_number: a leading '+', hex, leading zeros, inf or nan (strict JSON refuses them). */
  private isInvalidNumber(): boolean {
    const t = this.text
    let p = this.pos
    if (t[p] === "+") return true
    if (t[p] === "-") p++
    if (t[p] === "0") {
      const c2 = t.charCodeAt(p + 1)
      return (c2 | 0x20) === 0x78 || (c2 >= 48 && c2 <= 57)
    }
    if (t[p] !== undefined && t[p]! <= "9") return false
    const word = t.slice(p, p + 3).toLowerCase()
    return word === "inf" || word === "nan"
  }

  /** strtod at the current position (decimal, hex, inf, nan): the number, advancing past it, or undefined. */
  private strtod(): number | undefined {
    const rest = this.text.slice(this.pos, this.pos + 400)
    const m = /^([+-]?)(?:(infinity|inf)|(nan)(?:\([0-9A-Za-z_]*\))?|0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))/i.exec(rest)
    if (m === null) return undefined
    const sign = m[1] === "-" ? -1 : 1
    let value: number
    if (m[2] !== undefined) value = Infinity
    else if (m[3] !== undefined) value = NaN
    else if (m[4] !== undefined) {
      const [whole, fraction = ""] = m[4].split(".")
      value = (Number.parseInt(whole === "" ? "0" : whole!, 16) + (fraction === "" ? 0 : Number.parseInt(fraction, 16) / 16 ** fraction.length)) *
        2 ** Number(m[5] ?? 0)
    } else value = Number(m[6])
    this.pos += m[0].length
    return sign * value
  }

  private number(): void {
    const n = this.strtod()
    if (n === undefined) this.expected("value", "invalid number")
    this.vm.pushNumber(n!)
  }

  decode(): void {
    this.value(0)
    this.skipSpace()
    if (this.pos < this.text.length) this.expected("the end", this.token())
  }

  private skipSpace(): void {
    const t = this.text
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos)
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break
      this.pos++
    }
  }

  /** What the token at the current position is called in cjson's errors. */
  private token(): string {
    const c = this.text[this.pos]
    if (c === undefined) return "T_END"
    if (c === "{") return "T_OBJ_BEGIN"
    if (c === "}") return "T_OBJ_END"
    if (c === "[") return "T_ARR_BEGIN"
    if (c === "]") return "T_ARR_END"
    if (c === ",") return "T_COMMA"
    if (c === ":") return "T_COLON"
    if (c === "\"") return "T_STRING"
    if (c === "-" || (c >= "0" && c <= "9")) return "T_NUMBER"
    const t = this.text
    if (t.startsWith("true", this.pos) || t.startsWith("false", this.pos)) return "T_BOOLEAN"
    if (t.startsWith("null", this.pos)) return "T_NULL"
    return "invalid token"
  }

  private expected(what: string, found: string): never {
    return this.vm.raise(`Expected ${what} but found ${found} at character ${this.pos + 1}`)
  }

  private value(depth: number): void {
    const vm = this.vm
    this.skipSpace()
    const t = this.text
    const c = t[this.pos]
    if (c === "{" || c === "[") {
      if (depth + 1 > this.cfg.decodeMaxDepth) vm.raise(`Found too many nested data structures (${depth + 1}) at character ${this.pos + 1}`)
      vm.checkStack(3)
      this.pos++
      vm.newTable()
      if (c === "{") this.object(depth + 1)
      else this.array(depth + 1)
      return
    }
    if (c === "\"") return vm.pushString(this.string())
    if (t.startsWith("true", this.pos)) {
      this.pos += 4
      return vm.pushBoolean(true)
    }
    if (t.startsWith("false", this.pos)) {
      this.pos += 5
      return vm.pushBoolean(false)
    }
    if (t.startsWith("null", this.pos)) {
      this.pos += 4
      return vm.pushLightUserdata(0)
    }
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      if (this.cfg.decodeInvalidNumbers === 0 && this.isInvalidNumber()) this.expected("value", "invalid number")
      return this.number()
    }
    if (this.cfg.decodeInvalidNumbers !== 0 && this.isInvalidNumber()) return this.number()
    return this.expected("value", this.token())
  }

  private object(depth: number): void {
    const vm = this.vm
    this.skipSpace()
    if (this.text[this.pos] === "}") {
      this.pos++
      return
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.pos] !== "\"") this.expected("object key string", this.token())
      vm.pushString(this.string())
      this.skipSpace()
      if (this.text[this.pos] !== ":") this.expected("colon", this.token())
      this.pos++
      this.value(depth)
      vm.rawSet(-3)
      this.skipSpace()
      const c = this.text[this.pos]
      this.pos++
      if (c === "}") return
      if (c !== ",") {
        this.pos--
        this.expected("comma or object end", this.token())
      }
    }
  }

  private array(depth: number): void {
    const vm = this.vm
    this.skipSpace()
    if (this.text[this.pos] === "]") {
      this.pos++
      return
    }
    for (let i = 1; ; i++) {
      this.value(depth)
      vm.rawSetI(-2, i)
      this.skipSpace()
      const c = this.text[this.pos]
      this.pos++
      if (c === "]") return
      if (c !== ",") {
        this.pos--
        this.expected("comma or array end", this.token())
      }
    }
  }

  /** A string token (at its opening quote): escapes decoded, \u as UTF-8 bytes. */
  private string(): string {
    const t = this.text
    const start = this.pos
    this.pos++
    let out = ""
    let run = this.pos
    for (;;) {
      const c = t.charCodeAt(this.pos)
      if (Number.isNaN(c)) {
        this.pos = start
        return this.expected("value", "invalid token")
      }
      if (c === 34) {
        out += t.slice(run, this.pos)
        this.pos++
        return out
      }
      if (c !== 92) {
        this.pos++
        continue
      }
      out += t.slice(run, this.pos)
      const e = t[this.pos + 1]
      this.pos += 2
      switch (e) {
        case "\"": case "\\": case "/": out += e; break
        case "b": out += "\b"; break
        case "f": out += "\f"; break
        case "n": out += "\n"; break
        case "r": out += "\r"; break
        case "t": out += "\t"; break
        case "u": {
          let code = parseInt(t.slice(this.pos, this.pos + 4), 16)
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.pos, this.pos + 4))) {
            this.pos = start
            return this.expected("value", "invalid token")
          }
          this.pos += 4
          if (code >= 0xd800 && code <= 0xdbff && t.startsWith("\\u", this.pos)) {
            const low = parseInt(t.slice(this.pos + 2, this.pos + 6), 16)
            if (low >= 0xdc00 && low <= 0xdfff) {
              code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
              this.pos += 6
            }
          }
          out += Buffer.from(String.fromCodePoint(code), "utf8").toString("latin1")
          break
        }
        default:
          this.pos = start
          return this.expected("value", "invalid token")
      }
      run = this.pos
    }
  }
}
