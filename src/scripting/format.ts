/**
 * string.format's integer conversions as a 64-bit Lua 5.1 prints them. The wasm build's lua_Integer
 * and `long` are 32 bits, so `%d` of 2^53 or `%x` of -1 differ from Redis. This wrapper formats the
 * integer conversions (d i o u x X) of numeric arguments in JS, as C's printf with a `long long`
 * (the double truncated; out of range or NaN: INT64_MIN, as x86-64 converts), and hands the rest,
 * with those specs replaced by `%s` and their text, to the original string.format: every other
 * conversion, and every error, stays Lua's own.
 */
import { LUA_MULTRET, LUA_REGISTRYINDEX, LuaType, type LuaVm } from "./LuaVm.ts"

const FLAGS = "-+ #0"
const TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"]

const toLongLong = (n: number): bigint => {
  const t = Math.trunc(n)
  if (!Number.isFinite(t) || t >= 9223372036854775808 || t < -9223372036854775808) return -9223372036854775808n
  return BigInt(t)
}

/** printf of one integer conversion: flags, width, precision as C applies them. */
const printInteger = (flags: string, width: number, precision: number | undefined, conversion: string, n: number): string => {
  const value = toLongLong(n)
  let digits: string
  let sign = ""
  let prefix = ""
  if (conversion === "d" || conversion === "i") {
    const abs = value < 0n ? -value : value
    digits = abs.toString()
    if (value < 0n) sign = "-"
    else if (flags.includes("+")) sign = "+"
    else if (flags.includes(" ")) sign = " "
  } else {
    const unsigned = BigInt.asUintN(64, value)
    const base = conversion === "o" ? 8 : conversion === "u" ? 10 : 16
    digits = unsigned.toString(base)
    if (conversion === "X") digits = digits.toUpperCase()
    if (flags.includes("#")) {
      if (conversion === "o" && !digits.startsWith("0")) digits = `0${digits}`
      else if ((conversion === "x" || conversion === "X") && unsigned !== 0n) prefix = conversion === "x" ? "0x" : "0X"
    }
  }
  if (precision !== undefined) {
    if (precision === 0 && value === 0n && !(conversion === "o" && flags.includes("#"))) digits = ""
    else digits = digits.padStart(precision, "0")
  }
  let body = sign + prefix + digits
  if (body.length < width) {
    if (flags.includes("-")) body = body.padEnd(width, " ")
    else if (flags.includes("0") && precision === undefined) body = sign + prefix + digits.padStart(width - sign.length - prefix.length, "0")
    else body = body.padStart(width, " ")
  }
  return body
}

export const registerFormat = (vm: LuaVm): void => {
  vm.getGlobal("string")
  vm.getField(-1, "format")
  vm.setField(LUA_REGISTRYINDEX, "__original_format")
  vm.pushFunction((vm) => {
    const argc = vm.getTop()
    const typeName = (i: number): string => (i > argc ? "no value" : TYPE_NAMES[vm.type(i)] ?? "no value")
    // Lua's own checks, made here so that errors name 'format' and the script's line (the original,
    // called from this C function, would report neither)
    if (vm.type(1) !== LuaType.String && vm.type(1) !== LuaType.Number) {
      return vm.raise(`bad argument #1 to 'format' (string expected, got ${typeName(1)})`)
    }
    const fmt = vm.toString(1)!
    const numberAt = (i: number): number | undefined => {
      const type = vm.type(i)
      if (type === LuaType.Number) return vm.toNumber(i)
      if (type !== LuaType.String) return undefined
      const text = vm.toString(i)!.trim()
      const parsed = text.length === 0 ? NaN : Number(text)
      return Number.isNaN(parsed) && !/^[+-]?nan$/i.test(text) ? undefined : parsed
    }
    let out = ""
    let changed = false
    let arg = 1
    let i = 0
    const replaced: Array<[number, string]> = []
    while (i < fmt.length) {
      const c = fmt[i]!
      if (c !== "%") {
        out += c
        i++
        continue
      }
      if (fmt[i + 1] === "%") {
        out += "%%"
        i += 2
        continue
      }
      const start = i
      i++
      if (++arg > argc) return vm.raise(`bad argument #${arg} to 'format' (no value)`)
      let flags = ""
      while (i < fmt.length && FLAGS.includes(fmt[i]!)) flags += fmt[i++]
      if (flags.length > FLAGS.length) return vm.raise("invalid format (repeated flags)")
      let widthText = ""
      while (i < fmt.length && fmt[i]! >= "0" && fmt[i]! <= "9") widthText += fmt[i++]
      let precisionText: string | undefined
      if (fmt[i] === ".") {
        i++
        precisionText = ""
        while (i < fmt.length && fmt[i]! >= "0" && fmt[i]! <= "9") precisionText += fmt[i++]
      }
      if (widthText.length > 2 || (precisionText?.length ?? 0) > 2) return vm.raise("invalid format (width or precision too long)")
      const conversion = fmt[i++] ?? ""
      const spec = fmt.slice(start, i)
      if ("dioxXu".includes(conversion) && conversion !== "") {
        const n = numberAt(arg)
        if (n === undefined) return vm.raise(`bad argument #${arg} to 'format' (number expected, got ${typeName(arg)})`)
        const precision = precisionText === undefined ? undefined : Number(precisionText || "0")
        replaced.push([arg, printInteger(flags, Number(widthText || "0"), precision, conversion, n)])
        out += "%s"
        changed = true
        continue
      }
      if ("ceEfgG".includes(conversion) && conversion !== "") {
        if (numberAt(arg) === undefined) return vm.raise(`bad argument #${arg} to 'format' (number expected, got ${typeName(arg)})`)
      } else if (conversion === "s" || conversion === "q") {
        const type = vm.type(arg)
        if (type !== LuaType.String && type !== LuaType.Number) {
          return vm.raise(`bad argument #${arg} to 'format' (string expected, got ${typeName(arg)})`)
        }
      } else {
        return vm.raise(`invalid option '%${conversion}' to 'format'`)
      }
      out += spec
    }
    if (changed) {
      vm.pushString(out)
      vm.replace(1)
      for (const [index, text] of replaced) {
        vm.pushString(text)
        vm.replace(index)
      }
    }
    vm.getField(LUA_REGISTRYINDEX, "__original_format")
    vm.insert(1)
    vm.call(argc, LUA_MULTRET)
    return vm.getTop()
  })
  vm.setField(-2, "format")
  vm.pop(1)
}
