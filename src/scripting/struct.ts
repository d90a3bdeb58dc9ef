/**
 * The `struct` library Redis loads (deps/lua/src/lua_struct.c, Roberto Ierusalimschy's): pack,
 * unpack and size over format strings, with the sizes and alignment of Redis's x86-64 build (long and
 * size_t 8 bytes, int 4, short 2, maximum alignment 8, native little-endian) and its errors.
 */
import { LuaType, type LuaVm } from "./LuaVm.ts"

const MAXINTSIZE = 32
const MAXALIGN = 8
const TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"]

interface Header {
  little: boolean
  align: number
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9"

export const registerStruct = (vm: LuaVm): void => {
  const typeName = (i: number): string => (vm.type(i) === LuaType.None ? "no value" : TYPE_NAMES[vm.type(i)]!)
  const argError = (name: string, i: number, msg: string): never => vm.raise(`bad argument #${i} to '${name}' (${msg})`)

  /** A cursor over the format string. */
  class Format {
    pos = 0
    readonly text: string
    constructor(text: string) {
      this.text = text
    }
    getnum(df: number): number {
      if (!isDigit(this.text[this.pos])) return df
      let a = 0
      do {
        if (a > Math.floor(2147483647 / 10) || a * 10 > 2147483647 - Number(this.text[this.pos])) vm.raise("integral size overflow")
        a = a * 10 + Number(this.text[this.pos++])
      } while (isDigit(this.text[this.pos]))
      return a
    }
    optsize(opt: string): number {
      switch (opt) {
        case "B": case "b": return 1
        case "H": case "h": return 2
        case "L": case "l": case "T": return 8
        case "f": return 4
        case "d": return 8
        case "x": return 1
        case "c": return this.getnum(1)
        case "i": case "I": {
          const sz = this.getnum(4)
          if (sz > MAXINTSIZE) vm.raise(`integral size ${sz} is larger than limit of ${MAXINTSIZE}`)
          return sz
        }
        default: return 0
      }
    }
  }

  const toAlign = (len: number, h: Header, opt: string, size: number): number => {
    if (size === 0 || opt === "c") return 0
    if (size > h.align) size = h.align
    return (size - (len & (size - 1))) & (size - 1)
  }

  const control = (name: string, opt: string, f: Format, h: Header): void => {
    switch (opt) {
      case " ": return
      case ">": h.little = false; return
      case "<": h.little = true; return
      case "!": {
        const a = f.getnum(MAXALIGN)
        if (!(a > 0 && (a & (a - 1)) === 0)) vm.raise(`alignment ${a} is not a power of 2`)
        h.align = a
        return
      }
      default:
        argError(name, 1, `invalid format option '${opt}'`)
    }
  }

  const checkNumber = (name: string, i: number): number => {
    const type = vm.type(i)
    if (type === LuaType.Number) return vm.toNumber(i)
    if (type === LuaType.String) {
      const text = vm.toString(i)!.trim()
      const n = text.length === 0 ? NaN : Number(text)
      if (!Number.isNaN(n)) return n
    }
    return argError(name, i, `number expected, got ${typeName(i)}`)
  }
  const checkString = (name: string, i: number): string => {
    const type = vm.type(i)
    if (type !== LuaType.String && type !== LuaType.Number) argError(name, i, `string expected, got ${typeName(i)}`)
    return vm.toString(i)!
  }

  const bytesOf = (value: bigint, size: number, little: boolean): string => {
    const out: Array<number> = new Array(size).fill(0)
    let v = value
    for (let k = 0; k < size; k++) {
      out[little ? k : size - 1 - k] = Number(v & 0xffn)
      v >>= 8n
    }
    return String.fromCharCode(...out)
  }

  const pack = (vm: LuaVm): number => {
    const f = new Format(checkString("pack", 1))
    const h: Header = { little: true, align: 1 }
    let arg = 2
    let total = 0
    let out = ""
    while (f.pos < f.text.length) {
      const opt = f.text[f.pos++]!
      let size = f.optsize(opt)
      const align = toAlign(total, h, opt, size)
      total += align
      out += "\0".repeat(align)
      switch (opt) {
        case "b": case "B": case "h": case "H": case "l": case "L": case "T": case "i": case "I": {
          const n = checkNumber("pack", arg++)
          let value: bigint
          const t = Math.trunc(n)
          if (n < 0) value = BigInt.asUintN(64, Number.isFinite(t) && t >= -9223372036854775808 ? BigInt(t) : -9223372036854775808n)
          else value = Number.isFinite(t) && t < 18446744073709551616 ? BigInt(t) : 0x8000000000000000n
          out += bytesOf(value, size, h.little)
          break
        }
        case "x":
          out += "\0"
          break
        case "f": case "d": {
          const view = new DataView(new ArrayBuffer(8))
          const n = checkNumber("pack", arg++)
          if (opt === "f") view.setFloat32(0, n, h.little)
          else view.setFloat64(0, n, h.little)
          for (let k = 0; k < size; k++) out += String.fromCharCode(view.getUint8(k))
          break
        }
        case "c": case "s": {
          const s = checkString("pack", arg++)
          if (size === 0) size = s.length
          if (!(s.length >= size)) argError("pack", arg, "string too short")
          out += s.slice(0, size)
          if (opt === "s") {
            out += "\0"
            size++
          }
          break
        }
        default:
          control("pack", opt, f, h)
      }
      total += size
    }
    vm.pushString(out)
    return 1
  }

  const unpack = (vm: LuaVm): number => {
    const f = new Format(checkString("unpack", 1))
    const data = checkString("unpack", 2)
    const ld = data.length
    let pos = vm.type(3) <= LuaType.Nil ? 1 : Math.trunc(checkNumber("unpack", 3))
    if (!(pos > 0)) argError("unpack", 3, "offset must be 1 or greater")
    pos--
    let n = 0
    const h: Header = { little: true, align: 1 }
    while (f.pos < f.text.length) {
      const opt = f.text[f.pos++]!
      let size = f.optsize(opt)
      pos += toAlign(pos, h, opt, size)
      if (!(size <= ld && pos <= ld - size)) argError("unpack", 2, "data string too short")
      vm.checkStack(2)
      switch (opt) {
        case "b": case "B": case "h": case "H": case "l": case "L": case "T": case "i": case "I": {
          let l = 0n
          for (let k = 0; k < size; k++) {
            const byte = BigInt(data.charCodeAt(h.little ? pos + size - 1 - k : pos + k))
            l = BigInt.asUintN(64, (l << 8n) | byte)
          }
          let res: number
          if (opt === opt.toLowerCase() && size * 8 - 1 < 64) {
            const mask = BigInt.asUintN(64, ~0n << BigInt(size * 8 - 1))
            if ((l & mask) !== 0n) l |= mask
            res = Number(BigInt.asIntN(64, l))
          } else res = Number(opt === opt.toLowerCase() ? BigInt.asIntN(64, l) : l)
          vm.pushNumber(res)
          n++
          break
        }
        case "x":
          break
        case "f": case "d": {
          const view = new DataView(new ArrayBuffer(8))
          for (let k = 0; k < size; k++) view.setUint8(k, data.charCodeAt(pos + k))
          vm.pushNumber(opt === "f" ? view.getFloat32(0, h.little) : view.getFloat64(0, h.little))
          n++
          break
        }
        case "c": {
          if (size === 0) {
            if (n === 0 || vm.type(-1) !== LuaType.Number) vm.raise("format 'c0' needs a previous size")
            size = vm.toNumber(-1)
            vm.pop(1)
            n--
            if (!(size <= ld && pos <= ld - size)) argError("unpack", 2, "data string too short")
          }
          vm.pushString(data.slice(pos, pos + size))
          n++
          break
        }
        case "s": {
          const e = data.indexOf("\0", pos)
          if (e === -1) vm.raise("unfinished string in data")
          size = e - pos + 1
          vm.pushString(data.slice(pos, e))
          n++
          break
        }
        default:
          control("unpack", opt, f, h)
      }
      pos += size
    }
    vm.pushNumber(pos + 1)
    return n + 1
  }

  const size = (vm: LuaVm): number => {
    const f = new Format(checkString("size", 1))
    const h: Header = { little: true, align: 1 }
    let pos = 0
    while (f.pos < f.text.length) {
      const opt = f.text[f.pos++]!
      const sz = f.optsize(opt)
      pos += toAlign(pos, h, opt, sz)
      if (opt === "s") argError("size", 1, "option 's' has no fixed size")
      else if (opt === "c" && sz === 0) argError("size", 1, "option 'c0' has no fixed size")
      if (!/^[A-Za-z0-9]$/.test(opt)) control("size", opt, f, h)
      pos += sz
    }
    vm.pushNumber(pos)
    return 1
  }

  vm.newTable()
  for (const [name, fn] of [["pack", pack], ["unpack", unpack], ["size", size]] as const) {
    vm.pushFunction(fn)
    vm.setField(-2, name)
  }
  vm.setGlobal("struct")
}
