/**
 * The `bit` library Redis loads (LuaBitOp 1.0.2, deps/lua/src/lua_bit.c): 32-bit operations on Lua
 * numbers, normalized as LuaBitOp does (rounded to the nearest integer, ties to even, then taken
 * modulo 2^32 as a signed int32).
 */
import { LuaType, type LuaVm } from "./LuaVm.ts"

const TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"]

/** LuaBitOp's barg: n + 2^52 + 2^51 read as its low 32 bits. */
const toBit = (n: number): number => {
  const f = Math.floor(n)
  const diff = n - f
  const rounded = diff > 0.5 || (diff === 0.5 && f % 2 !== 0) ? f + 1 : f
  return Number(BigInt.asIntN(32, BigInt(Number.isFinite(rounded) ? rounded : 0)))
}

export const registerBit = (vm: LuaVm): void => {
  const arg = (vm: LuaVm, i: number, name: string): number => {
    const type = vm.type(i)
    if (type === LuaType.Number) return toBit(vm.toNumber(i))
    if (type === LuaType.String) {
      const n = Number(vm.toString(i)!.trim())
      if (!Number.isNaN(n)) return toBit(n)
    }
    return vm.raise(`bad argument #${i} to '${name}' (number expected, got ${type === LuaType.None ? "no value" : TYPE_NAMES[type]})`)
  }
  const fold = (name: string, op: (a: number, b: number) => number) => (vm: LuaVm): number => {
    let r = arg(vm, 1, name)
    const n = vm.getTop()
    for (let i = 2; i <= n; i++) r = op(r, arg(vm, i, name))
    vm.pushNumber(r | 0)
    return 1
  }
  const shift = (name: string, op: (a: number, b: number) => number) => (vm: LuaVm): number => {
    const a = arg(vm, 1, name)
    const b = arg(vm, 2, name) & 31
    vm.pushNumber(op(a, b) | 0)
    return 1
  }
  const functions: ReadonlyArray<[string, (vm: LuaVm) => number]> = [
    ["tobit", (vm) => {
      vm.pushNumber(arg(vm, 1, "tobit"))
      return 1
    }],
    ["bnot", (vm) => {
      vm.pushNumber(~arg(vm, 1, "bnot"))
      return 1
    }],
    ["band", fold("band", (a, b) => a & b)],
    ["bor", fold("bor", (a, b) => a | b)],
    ["bxor", fold("bxor", (a, b) => a ^ b)],
    ["lshift", shift("lshift", (a, b) => a << b)],
    ["rshift", shift("rshift", (a, b) => a >>> b)],
    ["arshift", shift("arshift", (a, b) => a >> b)],
    ["rol", shift("rol", (a, b) => (a << b) | (a >>> (32 - b)))],
    ["ror", shift("ror", (a, b) => (a >>> b) | (a << (32 - b)))],
    ["bswap", (vm) => {
      const b = arg(vm, 1, "bswap")
      vm.pushNumber(((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)) | 0)
      return 1
    }],
    ["tohex", (vm) => {
      let b = arg(vm, 1, "tohex")
      let n = vm.type(2) <= LuaType.Nil ? 8 : arg(vm, 2, "tohex")
      let digits = "0123456789abcdef"
      if (n < 0) {
        n = -n
        digits = "0123456789ABCDEF"
      }
      if (n > 8) n = 8
      let out = ""
      for (let i = n - 1; i >= 0; i--) {
        out = digits[b & 15]! + out
        b >>>= 4
      }
      vm.pushString(out)
      return 1
    }]
  ]
  vm.newTable()
  for (const [name, fn] of functions) {
    vm.pushFunction(fn)
    vm.setField(-2, name)
  }
  vm.setGlobal("bit")
}
