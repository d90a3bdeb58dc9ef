/**
 * Reply conversions between Redis and Lua, as script_lua.c does them: a command's RESP reply (read
 * back from the script client's output) becomes a Lua value (redisProtocolToLuaType), and a script's
 * return value becomes the caller's reply (luaReplyToRedisReply).
 */
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import { LuaType, type LuaVm } from "./LuaVm.ts"

const CR = 13
/** Nesting of a script's reply where conversion stops with "reached lua stack limit" (see luaToReply). */
const MAX_REPLY_DEPTH = 2000

/** Pushes {err=...} as luaPushErrorBuff does: "-CODE msg" keeps its code, a bare message gets "ERR". */
export const pushError = (vm: LuaVm, message: string): void => {
  let text = message
  if (text.charCodeAt(0) === 45 /* - */) {
    const space = text.indexOf(" ")
    text = space === -1 ? `ERR ${text.slice(1)}` : `${text.slice(1, space)} ${text.slice(space + 1)}`
  } else {
    text = `ERR ${text}`
  }
  // the Lua error table never ends with a newline (sdstrim of "\r\n" at both ends)
  text = text.replace(/^[\r\n]+|[\r\n]+$/g, "")
  vm.newTable(0, 2)
  vm.pushString(text)
  vm.setField(-2, "err")
}

/** Converts RESP bytes (one complete reply) into a Lua value on the stack. */
export class RespToLua {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private readonly vm: LuaVm

  constructor(vm: LuaVm) {
    this.vm = vm
  }

  push(bytes: Buffer): void {
    this.buf = bytes
    this.pos = 0
    this.value(true)
  }

  private line(): string {
    const buf = this.buf
    let end = this.pos
    while (buf[end] !== CR) end++
    const text = buf.latin1Slice(this.pos, end)
    this.pos = end + 2
    return text
  }

  /** Parses one reply; pushes it when `push` (attributes are parsed and dropped). */
  private value(push: boolean): void {
    const vm = this.vm
    const type = this.buf[this.pos++]!
    const head = this.line()
    if (push) vm.checkStack(4)
    switch (type) {
      case 43: // + status
        if (!push) return
        vm.newTable(0, 1)
        vm.pushString(head)
        vm.setField(-2, "ok")
        return
      case 45: // - error
        if (!push) return
        pushError(vm, `-${head}`)
        vm.pushBoolean(true)
        vm.setField(-2, "ignore_error_stats_update")
        return
      case 58: // : integer
        if (push) vm.pushNumber(Number(head))
        return
      case 36: // $ bulk
      case 61: { // = verbatim
        const n = Number(head)
        if (n < 0) {
          if (push) vm.pushBoolean(false)
          return
        }
        const text = this.buf.latin1Slice(this.pos, this.pos + n)
        this.pos += n + 2
        if (!push) return
        if (type === 36) return vm.pushString(text)
        vm.newTable(0, 1)
        vm.newTable(0, 2)
        vm.pushString(text.slice(0, 3))
        vm.setField(-2, "format")
        vm.pushString(text.slice(4))
        vm.setField(-2, "string")
        vm.setField(-2, "verbatim_string")
        return
      }
      case 42: // * array
      case 62: { // > push (not expected)
        const n = Number(head)
        if (n < 0) {
          if (push) vm.pushBoolean(false)
          return
        }
        if (push) vm.newTable(n, 0)
        for (let i = 1; i <= n; i++) {
          this.value(push)
          if (push) vm.rawSetI(-2, i)
        }
        return
      }
      case 37: // % map
      case 126: { // ~ set
        const n = Number(head)
        if (push) {
          vm.newTable(0, 1)
          vm.newTable(0, n)
        }
        for (let i = 0; i < n; i++) {
          this.value(push)
          if (type === 37) this.value(push)
          else if (push) vm.pushBoolean(true)
          if (push) vm.rawSet(-3)
        }
        if (push) vm.setField(-2, type === 37 ? "map" : "set")
        return
      }
      case 124: { // | attribute: parsed and ignored, then the reply it annotates
        const n = Number(head)
        for (let i = 0; i < 2 * n; i++) this.value(false)
        this.value(push)
        return
      }
      case 95: // _ null
        if (push) vm.pushNil()
        return
      case 35: // # boolean
        if (push) vm.pushBoolean(head === "t")
        return
      case 44: // , double
        if (!push) return
        vm.newTable(0, 1)
        vm.pushNumber(head === "inf" ? Infinity : head === "-inf" ? -Infinity : Number(head))
        vm.setField(-2, "double")
        return
      case 40: // ( big number
        if (!push) return
        vm.newTable(0, 1)
        vm.pushString(head)
        vm.setField(-2, "big_number")
        return
      default:
        throw new Error(`unexpected reply type ${String.fromCharCode(type)}`)
    }
  }
}

/** (long long) of a Lua number, as x86-64's conversion does (out of range and NaN give INT64_MIN). */
const toLongLong = (n: number): number | bigint => {
  const t = Math.trunc(n)
  if (Number.isSafeInteger(t)) return t
  if (!Number.isFinite(t) || t >= 9223372036854775807 || t < -9223372036854775808) return -9223372036854775808n
  return BigInt(t)
}

const noNewlines = (text: string): string => text.replace(/[\r\n]/g, " ")

/** The fields of an error object (a table {err=, source=, line=}), as luaExtractErrorInformation reads them. */
export interface ErrorInfo {
  readonly message: string | undefined
  readonly source: string | undefined
  readonly line: string | undefined
  /** The error came from a command the script called, which counted it already. */
  readonly counted: boolean
}

export const errorInfo = (vm: LuaVm): ErrorInfo => {
  const field = (name: string): string | undefined => {
    vm.getField(-1, name)
    const value = vm.isString(-1) ? vm.toString(-1) : undefined
    vm.pop(1)
    return value
  }
  vm.getField(-1, "ignore_error_stats_update")
  const counted = vm.toBoolean(-1)
  vm.pop(1)
  return { message: field("err"), source: field("source"), line: field("line"), counted }
}

/**
 * Writes the value on top of the stack as the caller's reply and pops it. `scriptResp` is the protocol
 * the script chose with redis.setresp (it decides how booleans go out).
 */
export const luaToReply = (vm: LuaVm, reply: ReplyWriter, scriptResp: 2 | 3, depth = 0): void => {
  // Redis stops where the Lua stack cannot grow (about 8000 levels); JS recursion stops earlier
  if (depth > MAX_REPLY_DEPTH || !vm.checkStack(4)) {
    reply.error("ERR reached lua stack limit")
    vm.pop(1)
    return
  }
  switch (vm.type(-1)) {
    case LuaType.String:
      reply.bulk(vm.toString(-1)!)
      break
    case LuaType.Boolean:
      if (scriptResp === 2) {
        if (vm.toBoolean(-1)) reply.integer(1)
        else reply.nullBulk()
      } else reply.bool(vm.toBoolean(-1))
      break
    case LuaType.Number:
      reply.integer(toLongLong(vm.toNumber(-1)))
      break
    case LuaType.Table:
      tableToReply(vm, reply, scriptResp, depth + 1)
      break
    default:
      reply.nullBulk()
  }
  vm.pop(1)
}

/** A table on top of the stack (left there): error, status, RESP3 types, else an array up to the first nil. */
const tableToReply = (vm: LuaVm, reply: ReplyWriter, scriptResp: 2 | 3, depth: number): void => {
  vm.pushString("err")
  if (vm.rawGet(-2) === LuaType.String) {
    vm.pop(1)
    const info = errorInfo(vm)
    if (info.counted) reply.errorCounted(noNewlines(info.message!))
    else reply.error(noNewlines(info.message!))
    return
  }
  vm.pop(1)
  vm.pushString("ok")
  if (vm.rawGet(-2) === LuaType.String) {
    reply.simple(noNewlines(vm.toString(-1)!))
    vm.pop(1)
    return
  }
  vm.pop(1)
  vm.pushString("double")
  if (vm.rawGet(-2) === LuaType.Number) {
    reply.double(vm.toNumber(-1))
    vm.pop(1)
    return
  }
  vm.pop(1)
  vm.pushString("big_number")
  if (vm.rawGet(-2) === LuaType.String) {
    reply.bigNumber(noNewlines(vm.toString(-1)!))
    vm.pop(1)
    return
  }
  vm.pop(1)
  vm.pushString("verbatim_string")
  if (vm.rawGet(-2) === LuaType.Table) {
    vm.pushString("format")
    if (vm.rawGet(-2) === LuaType.String) {
      const format = vm.toString(-1)!
      vm.pushString("string")
      if (vm.rawGet(-3) === LuaType.String) {
        reply.verbatim(vm.toString(-1)!, format)
        vm.pop(3)
        return
      }
      vm.pop(1)
    }
    vm.pop(1)
  }
  vm.pop(1)
  for (const kind of ["map", "set"] as const) {
    vm.pushString(kind)
    if (vm.rawGet(-2) === LuaType.Table) {
      let n = 0
      vm.pushNil()
      while (vm.next(-2)) {
        n++
        vm.pop(1)
      }
      if (kind === "map") reply.mapHeader(n)
      else reply.setHeader(n)
      vm.pushNil()
      while (vm.next(-2)) {
        if (kind === "map") {
          vm.pushValue(-2)
          luaToReply(vm, reply, scriptResp, depth)
          luaToReply(vm, reply, scriptResp, depth)
        } else {
          vm.pop(1)
          vm.pushValue(-1)
          luaToReply(vm, reply, scriptResp, depth)
        }
      }
      vm.pop(1)
      return
    }
    vm.pop(1)
  }
  let n = 0
  while (vm.rawGetI(-1, n + 1) !== LuaType.Nil) {
    vm.pop(1)
    n++
  }
  vm.pop(1)
  reply.arrayHeader(n)
  for (let i = 1; i <= n; i++) {
    vm.rawGetI(-1, i)
    luaToReply(vm, reply, scriptResp, depth)
  }
}

/** luaPushError + luaError: raises {err="ERR <message>"} (no position: the handler adds the caller's). */
export const fail = (vm: LuaVm, message: string): never => {
  pushError(vm, message)
  return vm.error()
}

/** EVAL's and FCALL's key positions: numkeys keys after argument 2 (movablekeys). */
export const evalKeys = (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  const numkeys = Number(argv[2])
  if (!Number.isSafeInteger(numkeys) || numkeys < 1 || 2 + numkeys >= argv.length) return []
  const out: Array<number> = []
  for (let i = 1; i <= numkeys; i++) out.push(2 + i)
  return out
}
