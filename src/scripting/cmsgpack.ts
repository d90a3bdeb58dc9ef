/**
 * The `cmsgpack` library Redis loads (deps/lua/src/lua_cmsgpack.c, lua-cmsgpack 0.4.0): pack with its
 * type choices (integers in the smallest int/uint form, floats as float32 when exact, else float64,
 * strings as fixstr/str8/str16/str32, tables as arrays when their keys are exactly 1..n, else maps in
 * lua_next order, nesting past 16 as nil) and unpack/unpack_one/unpack_limit with its errors.
 */
import { LuaType, type LuaVm } from "./LuaVm.ts"

const MAX_NESTING = 16

const isInt64 = (n: number): boolean => Number.isFinite(n) && Math.trunc(n) === n && n >= -9223372036854775808 && n < 9223372036854775808

class Writer {
  bytes: Array<number> = []
  text = ""

  flush(): void {
    if (this.bytes.length > 0) {
      this.text += String.fromCharCode(...this.bytes)
      this.bytes = []
    }
  }
  byte(...b: Array<number>): void {
    for (const x of b) this.bytes.push(x & 0xff)
    if (this.bytes.length > 4096) this.flush()
  }
  be(n: bigint, size: number): void {
    for (let i = size - 1; i >= 0; i--) this.byte(Number((n >> BigInt(8 * i)) & 0xffn))
  }
  string(s: string): void {
    this.flush()
    this.text += s
  }
}

const encodeInt = (w: Writer, value: number): void => {
  const n = BigInt(value)
  if (n >= 0n) {
    if (n <= 127n) w.byte(Number(n))
    else if (n <= 0xffn) w.byte(0xcc, Number(n))
    else if (n <= 0xffffn) (w.byte(0xcd), w.be(n, 2))
    else if (n <= 0xffffffffn) (w.byte(0xce), w.be(n, 4))
    else (w.byte(0xcf), w.be(n, 8))
  } else {
    const u = BigInt.asUintN(64, n)
    if (n >= -32n) w.byte(Number(u & 0xffn))
    else if (n >= -128n) w.byte(0xd0, Number(u & 0xffn))
    else if (n >= -32768n) (w.byte(0xd1), w.be(u, 2))
    else if (n >= -2147483648n) (w.byte(0xd2), w.be(u, 4))
    else (w.byte(0xd3), w.be(u, 8))
  }
}

const f32 = new Float32Array(1)
const view = new DataView(new ArrayBuffer(8))

const encodeDouble = (w: Writer, d: number): void => {
  f32[0] = d
  if (f32[0] === d) {
    view.setFloat32(0, d)
    w.byte(0xca, view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3))
  } else {
    view.setFloat64(0, d)
    w.byte(0xcb)
    for (let i = 0; i < 8; i++) w.byte(view.getUint8(i))
  }
}

export const registerCmsgpack = (vm: LuaVm): void => {
  const encode = (w: Writer, level: number): void => {
    let type = vm.type(-1)
    if (type === LuaType.Table && level === MAX_NESTING) type = LuaType.Nil
    switch (type) {
      case LuaType.String: {
        const s = vm.toString(-1)!
        const len = s.length
        if (len < 32) w.byte(0xa0 | len)
        else if (len <= 0xff) w.byte(0xd9, len)
        else if (len <= 0xffff) (w.byte(0xda), w.be(BigInt(len), 2))
        else (w.byte(0xdb), w.be(BigInt(len), 4))
        w.string(s)
        break
      }
      case LuaType.Boolean:
        w.byte(vm.toBoolean(-1) ? 0xc3 : 0xc2)
        break
      case LuaType.Number: {
        const n = vm.toNumber(-1)
        if (isInt64(n)) encodeInt(w, n)
        else encodeDouble(w, n)
        break
      }
      case LuaType.Table:
        vm.checkStack(3)
        if (isArray()) {
          const len = vm.objLen(-1)
          if (len <= 15) w.byte(0x90 | len)
          else if (len <= 0xffff) (w.byte(0xdc), w.be(BigInt(len), 2))
          else (w.byte(0xdd), w.be(BigInt(len), 4))
          for (let j = 1; j <= len; j++) {
            vm.rawGetI(-1, j)
            encode(w, level + 1)
          }
        } else {
          let len = 0
          vm.pushNil()
          while (vm.next(-2)) {
            vm.pop(1)
            len++
          }
          if (len <= 15) w.byte(0x80 | len)
          else if (len <= 0xffff) (w.byte(0xde), w.be(BigInt(len), 2))
          else (w.byte(0xdf), w.be(BigInt(len), 4))
          vm.pushNil()
          while (vm.next(-2)) {
            vm.pushValue(-2)
            encode(w, level + 1) // the key
            encode(w, level + 1) // the value
          }
        }
        break
      default:
        w.byte(0xc0)
    }
    vm.pop(1)
  }

  /** table_is_an_array: keys exactly 1..n (an empty table is an array). */
  const isArray = (): boolean => {
    let count = 0
    let max = 0
    vm.pushNil()
    while (vm.next(-2)) {
      vm.pop(1)
      const n = vm.type(-1) === LuaType.Number ? vm.toNumber(-1) : 0
      if (n <= 0 || Math.trunc(n) !== n || n > 2147483647) {
        vm.pop(1)
        return false
      }
      if (n > max) max = n
      count++
    }
    return max === count
  }

  vm.newTable()
  vm.pushFunction((vm) => {
    const argc = vm.getTop()
    if (argc === 0) vm.raise("bad argument #0 to 'pack' (MessagePack pack needs input.)")
    const w = new Writer()
    for (let i = 1; i <= argc; i++) {
      vm.pushValue(i)
      encode(w, 0)
    }
    w.flush()
    vm.pushString(w.text)
    return 1
  })
  vm.setField(-2, "pack")
  const unpackFull = (vm: LuaVm, limit: number, offset: number): number => {
    if (vm.type(1) !== LuaType.String && vm.type(1) !== LuaType.Number) {
      vm.raise(`bad argument #1 to 'unpack' (string expected, got ${vm.type(1) === LuaType.None ? "no value" : ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"][vm.type(1)]})`)
    }
    const s = vm.toString(1)!
    const decodeAll = limit === 0 && offset === 0
    if (offset < 0 || limit < 0) vm.raise(`Invalid request to unpack with offset of ${offset} and limit of ${s.length}.`)
    else if (offset > s.length) vm.raise(`Start offset ${offset} greater than input length ${s.length}.`)
    const d = new Decoder(vm, s, offset)
    let count = 0
    const max = decodeAll ? 2147483647 : limit
    while (d.pos < s.length && count < max) {
      vm.checkStack(2)
      const err = d.value()
      if (err === "eof") vm.raise("Missing bytes in input.")
      if (err === "bad") vm.raise("Bad data format in input.")
      count++
    }
    if (!decodeAll) {
      vm.pushNumber(d.pos >= s.length ? -1 : d.pos)
      vm.insert(2)
      count++
    }
    return count
  }
  vm.pushFunction((vm) => unpackFull(vm, 0, 0))
  vm.setField(-2, "unpack")
  vm.pushFunction((vm) => {
    const offset = vm.type(2) <= LuaType.Nil ? 0 : Math.trunc(vm.toNumber(2))
    vm.setTop(1)
    return unpackFull(vm, 1, offset)
  })
  vm.setField(-2, "unpack_one")
  vm.pushFunction((vm) => {
    const limit = Math.trunc(vm.toNumber(2))
    const offset = vm.type(3) <= LuaType.Nil ? 0 : Math.trunc(vm.toNumber(3))
    vm.setTop(1)
    return unpackFull(vm, limit, offset)
  })
  vm.setField(-2, "unpack_limit")
  for (const [name, value] of [
    ["_NAME", "cmsgpack"],
    ["_VERSION", "lua-cmsgpack 0.4.0"],
    ["_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"],
    ["_DESCRIPTION", "MessagePack C implementation for Lua"]
  ] as const) {
    vm.pushString(value)
    vm.setField(-2, name)
  }
  vm.setGlobal("cmsgpack")
}

/** One value from `pos` onto the Lua stack; "eof" or "bad" (with the stack as far as it got) on failure. */
class Decoder {
  pos: number
  private readonly vm: LuaVm
  private readonly s: string

  constructor(vm: LuaVm, s: string, pos: number) {
    this.vm = vm
    this.s = s
    this.pos = pos
  }

  private need(n: number): boolean {
    return this.pos + n <= this.s.length
  }
  private uint(at: number, size: number): bigint {
    let n = 0n
    for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(this.s.charCodeAt(at + i))
    return n
  }

  value(): "eof" | "bad" | undefined {
    const vm = this.vm
    const s = this.s
    const c = s.charCodeAt(this.pos)
    const fixed = (size: number, f: () => void): "eof" | undefined => {
      if (!this.need(size)) return "eof"
      f()
      this.pos += size
      return undefined
    }
    const sized = (header: number, lengthSize: number, then: (len: number) => "eof" | "bad" | undefined) => {
      if (!this.need(header)) return "eof"
      const len = Number(this.uint(this.pos + 1, lengthSize))
      this.pos += header
      return then(len)
    }
    const str = (len: number): "eof" | undefined => {
      if (!this.need(len)) return "eof"
      vm.pushString(s.slice(this.pos, this.pos + len))
      this.pos += len
      return undefined
    }
    const array = (len: number): "eof" | "bad" | undefined => {
      vm.newTable()
      for (let j = 1; j <= len; j++) {
        vm.checkStack(2)
        vm.pushNumber(j)
        if (this.pos >= s.length) return "eof"
        const err = this.value()
        if (err !== undefined) return err
        vm.rawSet(-3)
      }
      return undefined
    }
    const map = (len: number): "eof" | "bad" | undefined => {
      vm.newTable()
      for (let j = 0; j < len; j++) {
        vm.checkStack(3)
        if (this.pos >= s.length) return "eof"
        let err = this.value()
        if (err !== undefined) return err
        if (this.pos >= s.length) return "eof"
        err = this.value()
        if (err !== undefined) return err
        if (vm.type(-2) === LuaType.Nil) vm.pop(2)
        else vm.rawSet(-3)
      }
      return undefined
    }
    const signed = (size: number) => fixed(size + 1, () => vm.pushNumber(Number(BigInt.asIntN(size * 8, this.uint(this.pos + 1, size)))))
    const unsigned = (size: number) => fixed(size + 1, () => vm.pushNumber(Number(this.uint(this.pos + 1, size))))
    switch (c) {
      case 0xcc: return unsigned(1)
      case 0xcd: return unsigned(2)
      case 0xce: return unsigned(4)
      case 0xcf: return unsigned(8)
      case 0xd0: return signed(1)
      case 0xd1: return signed(2)
      case 0xd2: return signed(4)
      case 0xd3: return signed(8)
      case 0xc0: return fixed(1, () => vm.pushNil())
      case 0xc3: return fixed(1, () => vm.pushBoolean(true))
      case 0xc2: return fixed(1, () => vm.pushBoolean(false))
      case 0xca: return fixed(5, () => {
        for (let i = 0; i < 4; i++) view.setUint8(i, s.charCodeAt(this.pos + 1 + i))
        vm.pushNumber(view.getFloat32(0))
      })
      case 0xcb: return fixed(9, () => {
        for (let i = 0; i < 8; i++) view.setUint8(i, s.charCodeAt(this.pos + 1 + i))
        vm.pushNumber(view.getFloat64(0))
      })
      case 0xd9: return sized(2, 1, str)
      case 0xda: return sized(3, 2, str)
      case 0xdb: return sized(5, 4, str)
      case 0xdc: return sized(3, 2, array)
      case 0xdd: return sized(5, 4, array)
      case 0xde: return sized(3, 2, map)
      case 0xdf: return sized(5, 4, map)
    }
    if ((c & 0x80) === 0) return fixed(1, () => vm.pushNumber(c))
    if ((c & 0xe0) === 0xe0) return fixed(1, () => vm.pushNumber(c - 256))
    if ((c & 0xe0) === 0xa0) {
      this.pos++
      return str(c & 0x1f)
    }
    if ((c & 0xf0) === 0x90) {
      this.pos++
      return array(c & 0xf)
    }
    if ((c & 0xf0) === 0x80) {
      this.pos++
      return map(c & 0xf)
    }
    return "bad"
  }
}
