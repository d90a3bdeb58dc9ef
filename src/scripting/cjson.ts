/**
 * The `cjson` library Redis loads (deps/lua/src/lua_cjson.c, 2.1.0 with Redis's patches), written
 * against LuaVm: encode (numbers as %.14g, '/' escaped, empty tables as {}, arrays by lua_array_length's
 * rule with its sparse-array error, keys in lua_next order), decode (objects and arrays to tables,
 * null to cjson.null), cjson.null. The configuration functions accept their arguments and keep the
 * defaults (see docs/SCRIPTING.md).
 */
import { LuaType, type LuaVm } from "./LuaVm.ts"

const MAX_DEPTH = 1000
const SPARSE_RATIO = 2
const SPARSE_SAFE = 10

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
  const fail = (index: number, reason: string): never =>
    vm.raise(`Cannot serialise ${TYPE_NAMES[vm.type(index)] ?? "no value"}: ${reason}`)

  const number = (index: number): string => {
    const n = vm.toNumber(index)
    if (!Number.isFinite(n)) fail(index, "must not be NaN or Inf")
    return formatG(n, 14)
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
    if (max > items * SPARSE_RATIO && max > SPARSE_SAFE) fail(-1, "excessively sparse array")
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
        if (current > MAX_DEPTH) vm.raise(`Cannot serialise, excessive nesting (${current})`)
        vm.checkStack(3)
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
    if (vm.getTop() !== 1) vm.raise("bad argument #1 to 'encode' (expected 1 argument)")
    vm.pushString(encode(0))
    return 1
  })
  vm.setField(-2, "encode")
  vm.pushFunction((vm) => {
    if (vm.getTop() !== 1) vm.raise("bad argument #1 to 'decode' (expected 1 argument)")
    const text = vm.toString(1)
    if (text === undefined) vm.raise("bad argument #1 to 'decode' (string expected, got no value)")
    new Decoder(vm, text!).decode()
    return 1
  })
  vm.setField(-2, "decode")
  // configuration: accepted, defaults kept; each returns its current setting(s)
  const settings: ReadonlyArray<[string, ReadonlyArray<number | boolean | string>]> = [
    ["encode_sparse_array", [false, SPARSE_RATIO, SPARSE_SAFE]],
    ["encode_max_depth", [MAX_DEPTH]],
    ["decode_max_depth", [MAX_DEPTH]],
    ["encode_number_precision", [14]],
    ["encode_keep_buffer", [true]],
    ["encode_invalid_numbers", [false]],
    ["decode_invalid_numbers", [true]]
  ]
  for (const [name, values] of settings) {
    vm.pushFunction((vm) => {
      for (const v of values) {
        if (typeof v === "number") vm.pushNumber(v)
        else if (typeof v === "boolean") vm.pushBoolean(v)
        else vm.pushString(v)
      }
      return values.length
    })
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

  constructor(vm: LuaVm, text: string) {
    this.vm = vm
    this.text = text
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
      if (depth + 1 > MAX_DEPTH) vm.raise(`Found too many nested data structures (${depth + 1}) at character ${this.pos + 1}`)
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
    const match = /^-?(?:\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?/.exec(t.slice(this.pos, this.pos + 400))
    if (match !== null && match[0] !== "-") {
      this.pos += match[0].length
      return vm.pushNumber(Number(match[0]))
    }
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
