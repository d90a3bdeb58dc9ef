/**
 * Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT): the Lua environment Redis 7.0 gives a
 * script, the script cache, and the run of one script on the synchronous command path. redis.call goes
 * through `engine.dispatch(scriptClient, argv, Callers.script)`; the script client's reply is read back
 * from its output and converted to Lua (luaReply.ts). See docs/SCRIPTING.md.
 */
import { installYieldableLibrary, LUALIB_SOURCE } from "./yieldable.ts"
import { ACL_OK, checkCommand } from "../acl/check.ts"
import { createHash } from "node:crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Blocked, type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import { errorCode, type ReplyWriter } from "../resp/ReplyWriter.ts"
import * as Errors from "../commands/errors.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import type { Client } from "../server/Client.ts"
import { CommandRegistry } from "../server/CommandRegistry.ts"
import { Callers, Engine, type EngineState, type ScriptingMemory as ScriptingMemoryInfo } from "../server/Engine.ts"
import { formatLogLine, writeLogRaw } from "../server/log.ts"
import { parseLongLong } from "../util/numbers.ts"
import { REDIS_VERSION } from "../version.ts"
import { registerBit } from "./bit.ts"
import { registerCjson } from "./cjson.ts"
import { registerCmsgpack } from "./cmsgpack.ts"
import { registerFormat } from "./format.ts"
import { functionCommands, functionCommandTable, FunctionsState, scriptKill } from "./Functions.ts"
import { registerStruct } from "./struct.ts"
import { errorInfo, evalKeys, fail, luaToReply, pushError, RespToLua } from "./luaReply.ts"
import { LUA_GLOBALSINDEX, LUA_MULTRET, LUA_REGISTRYINDEX, LuaType, LuaVm } from "./LuaVm.ts"

const group = "scripting"
/** Redis's loglevel names by verbosity (LL_DEBUG .. LL_WARNING). */
const LOG_LEVELS = ["debug", "verbose", "notice", "warning"]

export const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
const NUMKEYS_TOO_BIG = "ERR Number of keys can't be greater than number of args"
const NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative"
const RO_SCRIPT_WRITE = "Write commands are not allowed from read-only scripts."

export const sha1hex = (text: string): string => createHash("sha1").update(Buffer.from(text, "latin1")).digest("hex")

/** Redis 7.0's version as REDIS_VERSION_NUM: 0x00MMmmpp. */
const versionNum = (): number => {
  const [major, minor, patch] = REDIS_VERSION.split(".").map(Number)
  return (major! << 16) | (minor! << 8) | patch!
}

// Setup run once on a new state, before the globals are locked. What Redis 7.0 does not load (io, os,
// package) goes; the error handler is Redis's own text (it needs debug, removed right after).
/** See makePcallYieldable. The registry's `__pcall_threads` marks the coroutines it makes, for the hook. */
const YIELDABLE_PCALL = `
local helpers = __pcall_helpers
__pcall_helpers = nil
local hook_yielded, may_propagate = helpers[1], helpers[2]
local c_pcall, create, resume, status, yield, type, rawget = pcall, coroutine.create, coroutine.resume, coroutine.status, coroutine.yield, type, rawget
local threads = setmetatable({}, { __mode = "k" })
helpers[3](threads)
-- how each ends a failed call: pcall gives an error table's err text, xpcall its handler's result
local function settle(co, fail, ok, ...)
  if ok then
    if status(co) == "dead" then return true, ... end
    if hook_yielded() then
      -- the hook suspended the function: suspend this thread too when it can, then carry on
      if may_propagate() then return settle(co, fail, resume(co, yield())) end
      return settle(co, fail, resume(co))
    end
    return false, fail("attempt to yield across metamethod/C-call boundary")
  end
  return false, fail((...))
end
local function error_text(e)
  if type(e) == "table" then
    local text = rawget(e, "err")
    if type(text) == "string" then return text end
  end
  return e
end
pcall = function(f, ...)
  local made, co = c_pcall(create, f)
  if not made then return c_pcall(f, ...) end
  threads[co] = true
  return settle(co, error_text, resume(co, ...))
end
-- xpcall the same way: the handler gets the error (as the C xpcall gives it) once the function died
local c_xpcall = xpcall
xpcall = function(f, handler)
  local made, co = c_pcall(create, f)
  if not made or type(handler) ~= "function" then return c_xpcall(f, handler) end
  threads[co] = true
  return settle(co, handler, resume(co))
end
`

const PRELUDE = `
-- Redis's Lua parses every chunk as text (binary chunks are a sandbox escape), so bytecode fails to
-- load with the parser's error; this build would load it: refused here with that same error
do
  local real_loadstring, byte, find, sub, type = loadstring, string.byte, string.find, string.sub, type
  local function chunkid(source)
    source = sub(source, 1, (find(source, "\\0", 1, true) or #source + 1) - 1)
    local first = sub(source, 1, 1)
    -- luaO_chunkid with Redis's LUA_IDSIZE of 80
    if first == "=" then return sub(source, 2, 80) end
    if first == "@" then
      source = sub(source, 2)
      if #source > 72 then return "..." .. sub(source, -72) end
      return source
    end
    local len = (find(source, "[\\n\\r]") or #source + 1) - 1
    if len > 63 then len = 63 end
    if len < #source then return '[string "' .. sub(source, 1, len) .. '..."]' end
    return '[string "' .. source .. '"]'
  end
  loadstring = function(s, chunkname)
    if type(s) == "string" and byte(s, 1) == 27 then
      return nil, chunkid(type(chunkname) == "string" and chunkname or s) .. ":1: unexpected symbol near 'char(27)'"
    end
    return real_loadstring(s, chunkname)
  end
end
io = nil os = nil package = nil module = nil require = nil
print = nil dofile = nil loadfile = nil setfenv = nil getfenv = nil newproxy = nil
local dbg = debug
debug = nil
function __redis__err__handler(err)
  local i = dbg.getinfo(2,'nSl')
  local level = 2
  if i and i.what == 'C' then
    level = 3
    i = dbg.getinfo(3,'nSl')
  end
  -- the frames of the Lua-written library functions (see yieldable.ts) stand for a C function's
  while i and i.source == '@lualib' do
    level = level + 1
    i = dbg.getinfo(level,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}  end  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end  return err
end
-- the same for a run that failed in its coroutine: the failing frame is the dead thread's level 0
-- (past the yieldable pcall's own frames, which re-raise a kill: the script's frame is the one named)
function __redis__co_err(co, err)
  local level = 0
  local i = dbg.getinfo(co, level, 'nSl')
  if i and i.what == 'C' then
    level = level + 1
    i = dbg.getinfo(co, level, 'nSl')
  end
  while i and (i.source == '@pcall' or i.source == '@lualib' or i.what == 'tail' or (level > 1 and i.what == 'C')) do
    level = level + 1
    i = dbg.getinfo(co, level, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
`

// The globals a script sees: every table reachable from the globals (string, math, redis, ...) is
// replaced by an empty proxy whose __index is the table and whose __newindex raises, and the globals
// themselves by such a proxy over a table whose missing names raise. Redis locks the tables themselves
// with its patched Lua's read-only tables; lookups here cost one more table in the __index chain.
const LOCK_GLOBALS = `
local real, index_error, newindex_error, protected = ...
local pairs, type, setmetatable = pairs, type, setmetatable
local top_mt
local function lock(t, seen)
  for k, v in pairs(t) do
    if type(v) == 'table' and k ~= '_G' then
      if not seen[v] then seen[v] = lock(v, seen) end
      t[k] = seen[v]
    end
  end
  local mt = {__index = t, __newindex = newindex_error, __metatable = false}
  local proxy = setmetatable({}, mt)
  protected[proxy] = true
  top_mt = mt
  return proxy
end
local seen = {}
seen[real] = true
local proxy = lock(real, seen)
local globals_mt = top_mt
setmetatable(real, {__index = index_error})
real._G = proxy
-- what getmetatable(_G) gives, as Redis's read-only metatable of the globals: a table with __index
return proxy, globals_mt, lock({__index = index_error}, {})
`

interface Script {
  readonly body: string
  readonly flags: ScriptFlags
  /** "f_<sha>", the compiled function's name in the registry (one string, so its hash is computed once). */
  readonly registryName: string
}

/** A script's run (scriptRunCtx). */
interface Run {
  readonly caller: Client
  /** The sha or the function's name, as errors name it. */
  readonly sha: string
  readonly readOnly: boolean
  readonly thread: number
  /** The caller's command context (the engine's one context: it points at the caller while its command runs). */
  readonly ctx: CommandContext
  readonly argv: ReadonlyArray<string>
  readonly startedAt: number
  /** The keyspace time when it started: keys expire by it during the whole run (scriptTimeSnapshot). */
  readonly time: number
  /** The hook may suspend it: a connection's command, not in MULTI. */
  readonly mayYield: boolean
  /** SCRIPT_TIMEDOUT, SCRIPT_KILLED, SCRIPT_WRITE_DIRTY */
  timedOut: boolean
  killed: boolean
  wrote: boolean
  /** It was suspended at least once (engine.busyScript is its). */
  suspended: boolean
  /** What it propagated before it was suspended: its writes go out as one unit when it ends, as Redis's. */
  pending: ReadonlyArray<readonly [number, ReadonlyArray<string>]>
}

const LUA_YIELD = 1
const LUA_MASKLINE = 4
const LUA_MASKCOUNT = 8
/** luaMaskCountHook's period: every 100000 instructions. */
const HOOK_COUNT = 100000
/** The condition a caller whose script is suspended waits on (never signalled: the run unblocks it). */
const SCRIPT_CONDITION = "busy-script"

/** A script's shebang flags; `compat` for a script without a shebang (EVAL's backward-compatible mode). */
export interface ScriptFlags {
  readonly compat: boolean
  readonly noWrites: boolean
  readonly allowOom: boolean
  readonly allowStale: boolean
  readonly noCluster: boolean
  readonly allowCrossSlot: boolean
}

const COMPAT: ScriptFlags = { compat: true, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false }

const FLAG_NAMES = {
  "no-writes": "noWrites",
  "allow-oom": "allowOom",
  "allow-stale": "allowStale",
  "no-cluster": "noCluster",
  "allow-cross-slot-keys": "allowCrossSlot"
} as const

/**
 * evalExtractShebangFlags: `#!lua [flags=a,b]` on the first line. The flags and the length of the
 * shebang line (the code is loaded from its line feed, so line numbers stay), or the error (ERR-less).
 */
export const extractShebang = (body: string): { flags: ScriptFlags; length: number } | { error: string } => {
  if (!body.startsWith("#!")) return { flags: COMPAT, length: 0 }
  const end = body.indexOf("\n")
  if (end === -1) return { error: "Invalid script shebang" }
  const parts = body.slice(0, end).split(/[ \t\r\v\f]+/).filter((p) => p.length > 0)
  if (parts.length === 0) return { error: "Invalid engine in script shebang" }
  if (parts[0] !== "#!lua") return { error: `Unexpected engine in script shebang: ${parts[0]}` }
  const flags = { ...COMPAT, compat: false }
  for (const part of parts.slice(1)) {
    if (!part.startsWith("flags=")) return { error: `Unknown lua shebang option: ${part}` }
    const names = part.slice(6)
    for (const name of names.length === 0 ? [] : names.split(",")) {
      const field = (FLAG_NAMES as Record<string, keyof ScriptFlags>)[name]
      if (field === undefined) return { error: `Unexpected flag in script shebang: ${name}` }
      ;(flags as Record<keyof ScriptFlags, boolean>)[field] = true
    }
  }
  return { flags, length: end }
}

/**
 * Which environment a state gives: EVAL's (KEYS/ARGV globals, redis.breakpoint/debug/replicate_commands,
 * the `__redis__err__handler` global) or the function engine's (Redis's second Lua state, function_lua.c:
 * keys and arguments as the function's two arguments, the error handler in the registry).
 */
export type ScriptMode = "eval" | "function"

/** The scripting engine: one Lua state, its script cache, and the script client. */
export class ScriptingState {
  readonly vm: LuaVm
  readonly engine: EngineState
  readonly mode: ScriptMode
  readonly scripts = new Map<string, Script>()
  private readonly client: Client
  private readonly toLua: RespToLua
  /** The run in progress (scripts do not nest: EVAL is noscript). */
  private running: Run | undefined = undefined
  /** The thread scripts run on (0: make a new one), and the count hook set on it. */
  private thread = 0
  private readonly hook: number
  /** Set by the hook when it suspends the run (a yield of the script's own is an error). */
  private hookYielded = false
  private closed = false
  /** The function libraries (set by the Layer on EVAL's state), for INFO memory. */
  functions: FunctionsState | undefined = undefined
  /** redis.setresp: the protocol redis.call replies are read in, and booleans go out in. */
  private resp: 2 | 3 = 2
  /** redisLrand48's 48-bit state, kept across scripts as Redis keeps it (one for EVAL and functions, as in Redis). */
  private readonly rand: { state: bigint }

  constructor(vm: LuaVm, engine: EngineState, mode: ScriptMode = "eval", rand: { state: bigint } = { state: 0x1234abcd330en }) {
    this.vm = vm
    this.engine = engine
    this.mode = mode
    this.rand = rand
    this.client = engine.createInternalClient("script")
    this.toLua = new RespToLua(vm)
    this.hook = vm.makeHook((thread) => this.onHook(thread))
    this.initState()
  }

  private initState(): void {
    const vm = this.vm
    vm.openLibraries()
    vm.run(PRELUDE, "@err_handler_def")
    // table.sort, string.gsub, table.foreach(i) whose Lua callbacks may be suspended (needs the C pcall)
    installYieldableLibrary(vm)
    vm.getGlobal("__redis__co_err")
    vm.setField(LUA_REGISTRYINDEX, "__redis__co_err")
    vm.pushNil()
    vm.setGlobal("__redis__co_err")
    if (this.mode === "function") {
      vm.getGlobal("__redis__err__handler")
      vm.setField(LUA_REGISTRYINDEX, "__ERROR_HANDLER__")
      vm.pushNil()
      vm.setGlobal("__redis__err__handler")
    }
    this.registerRedisApi()
    this.registerMath()
    registerCjson(vm, formatG)
    registerBit(vm)
    registerCmsgpack(vm)
    registerStruct(vm)
    registerFormat(vm)
    // Redis's pcall: an error table raised by redis.call is caught as its message string
    vm.pushFunction((vm) => {
      const argc = vm.getTop()
      vm.pushBoolean(true)
      vm.insert(1)
      if (vm.pcall(argc - 1, LUA_MULTRET, 0) !== 0) {
        vm.remove(1)
        if (vm.type(-1) === LuaType.Table) {
          vm.getField(-1, "err")
          if (vm.isString(-1)) vm.replace(-2)
        }
        vm.pushBoolean(false)
        vm.insert(1)
      }
      return vm.getTop()
    })
    vm.setGlobal("pcall")
    this.makePcallYieldable()
    this.lockGlobals()
  }

  /**
   * pcall as a Lua function over coroutines, so that a script looping under pcall can still be
   * suspended past busy-reply-threshold (and killed): the C pcall is a boundary no yield crosses. The
   * protected function runs in a coroutine of its own (it inherits the count hook); when the hook
   * suspends that coroutine, pcall suspends its own thread in turn, up to the script's, and resumes
   * the function when it is resumed. Where its own thread cannot yield (pcall called from a C function),
   * it resumes the function at once, as if nothing happened. Errors come back as the C pcall gives
   * them (an error table's `err` text). A killed script gets the line hook in all its threads, as
   * Redis's state gets it, and the error is raised in the script's own frames, never in this code's
   * (the hook skips the "@pcall" chunk). A C function (coroutines run Lua functions only) goes to the C
   * pcall.
   */
  private makePcallYieldable(): void {
    const vm = this.vm
    vm.newTable()
    vm.pushFunction((vm) => {
      vm.pushBoolean(this.hookYielded)
      return 1
    })
    vm.rawSetI(-2, 1)
    vm.pushFunction((vm) => {
      const yieldable = vm.canYield(vm.L) && this.running?.mayYield === true
      if (!yieldable) this.hookYielded = false
      vm.pushBoolean(yieldable)
      return 1
    })
    vm.rawSetI(-2, 2)
    vm.pushFunction((vm) => {
      vm.pushValue(1)
      vm.setField(LUA_REGISTRYINDEX, "__pcall_threads")
      return 0
    })
    vm.rawSetI(-2, 3)
    vm.setGlobal("__pcall_helpers")
    vm.run(YIELDABLE_PCALL, "@pcall")
  }

  private lockGlobals(): void {
    const vm = this.vm
    // keep the real globals in the registry (KEYS and ARGV are set there), then lock them
    vm.pushValue(LUA_GLOBALSINDEX)
    vm.setField(LUA_REGISTRYINDEX, "__real_G")
    vm.newTable()
    vm.setField(LUA_REGISTRYINDEX, "__protected")
    // rawset and setmetatable refuse the locked tables, as Redis's read-only tables do
    for (const name of ["rawset", "setmetatable"]) {
      vm.getGlobal(name)
      vm.setField(LUA_REGISTRYINDEX, `__original_${name}`)
      vm.pushFunction((vm) => {
        vm.getField(LUA_REGISTRYINDEX, "__protected")
        vm.pushValue(1)
        const locked = vm.rawGet(-2) !== LuaType.Nil
        vm.pop(2)
        if (locked) {
          vm.pushString("Attempt to modify a readonly table")
          return vm.error()
        }
        const argc = vm.getTop()
        vm.getField(LUA_REGISTRYINDEX, `__original_${name}`)
        vm.insert(1)
        vm.call(argc, 1)
        return 1
      })
      vm.setGlobal(name)
    }
    // getmetatable: nil for a locked table (Redis's library tables have none), the read-only metatable
    // of the globals for _G (a locked table with its __index), else the C getmetatable's answer
    vm.getGlobal("getmetatable")
    vm.setField(LUA_REGISTRYINDEX, "__original_getmetatable")
    vm.pushFunction((vm) => {
      if (vm.type(1) === LuaType.None) return vm.argError(1, "value expected")
      vm.setTop(1)
      vm.getField(LUA_REGISTRYINDEX, "__protected")
      vm.pushValue(1)
      const locked = vm.rawGet(-2) !== LuaType.Nil
      vm.pop(2)
      if (locked) {
        vm.getField(LUA_REGISTRYINDEX, "__G_proxy")
        const globals = vm.rawEqual(1, -1)
        vm.pop(1)
        if (globals) vm.getField(LUA_REGISTRYINDEX, "__G_metatable")
        else vm.pushNil()
        return 1
      }
      vm.getField(LUA_REGISTRYINDEX, "__original_getmetatable")
      vm.insert(1)
      vm.call(1, 1)
      return 1
    })
    vm.setGlobal("getmetatable")
    if (vm.load(LOCK_GLOBALS, "@lock_globals") !== 0) throw new Error(vm.toString(-1))
    vm.pushValue(LUA_GLOBALSINDEX)
    vm.pushFunction((vm) => vm.raise(`Script attempted to access nonexistent global variable '${vm.toString(2) ?? ""}'`))
    vm.pushFunction((vm) => vm.raise("Attempt to modify a readonly table"))
    vm.getField(LUA_REGISTRYINDEX, "__protected")
    if (vm.pcall(4, 3, 0) !== 0) throw new Error(vm.toString(-1))
    vm.setField(LUA_REGISTRYINDEX, "__G_metatable")
    vm.pushValue(-2)
    vm.setField(LUA_REGISTRYINDEX, "__G_proxy")
    // the globals' metatable: FUNCTION LOAD points its __index at the library API while a library loads
    vm.setField(LUA_REGISTRYINDEX, "__globals_mt")
    vm.replace(LUA_GLOBALSINDEX)
    vm.setTop(0)
  }

  private setFunction(name: string, fn: (vm: LuaVm) => number): void {
    this.vm.pushFunction(fn)
    this.vm.setField(-2, name)
  }

  private registerRedisApi(): void {
    const vm = this.vm
    vm.newTable()
    this.setFunction("call", () => this.redisCall(true))
    this.setFunction("pcall", () => this.redisCall(false))
    this.setFunction("error_reply", (vm) => {
      if (vm.getTop() !== 1 || vm.type(-1) !== LuaType.String) {
        pushError(vm, "wrong number or type of arguments")
        return 1
      }
      const text = vm.toString(-1)!
      pushError(vm, text.startsWith("-") ? text : `-${text}`)
      return 1
    })
    this.setFunction("status_reply", (vm) => {
      if (vm.getTop() !== 1 || vm.type(-1) !== LuaType.String) {
        pushError(vm, "wrong number or type of arguments")
        return 1
      }
      vm.newTable(0, 1)
      vm.pushValue(-2)
      vm.setField(-2, "ok")
      return 1
    })
    this.setFunction("sha1hex", (vm) => {
      if (vm.getTop() !== 1) return fail(vm, "wrong number of arguments")
      vm.pushString(sha1hex(vm.toString(1) ?? ""))
      return 1
    })
    this.setFunction("log", (vm) => {
      const argc = vm.getTop()
      if (argc < 2) return fail(vm, "redis.log() requires two arguments or more.")
      if (vm.type(1) !== LuaType.Number) return fail(vm, "First argument must be a number (log level).")
      const level = Math.trunc(vm.toNumber(1))
      if (level < 0 || level > 3) return fail(vm, "Invalid debug level.")
      // serverLogRaw: the string and number arguments joined by spaces, if the level passes loglevel
      const verbosity = LOG_LEVELS.indexOf(this.engine.config.get("loglevel") ?? "notice")
      if (level < verbosity) return 0
      const parts: Array<string> = []
      for (let i = 2; i <= argc; i++) if (vm.isString(i)) parts.push(vm.toString(i)!)
      const line = formatLogLine(process.pid, "M", new Date(), ".-*#"[level]!, parts.join(" "))
      writeLogRaw(this.engine.config.get("logfile") ?? "", `${line}\n`)
      return 0
    })
    this.setFunction("setresp", (vm) => {
      if (vm.getTop() !== 1) return fail(vm, "redis.setresp() requires one argument.")
      const resp = Math.trunc(vm.toNumber(-1))
      if (resp !== 2 && resp !== 3) return fail(vm, "RESP version must be 2 or 3.")
      this.resp = resp
      this.client.output.resp = resp
      return 0
    })
    this.setFunction("set_repl", (vm) => {
      // effects replication is the only mode: the flags are checked, the choice has no effect yet
      if (vm.getTop() !== 1) return fail(vm, "redis.set_repl() requires two arguments.")
      const flags = Math.trunc(vm.toNumber(-1))
      if ((flags & ~3) !== 0) return fail(vm, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
      return 0
    })
    this.setFunction("acl_check_cmd", (vm) => {
      const argv = this.argsToArgv(vm)
      if (argv === undefined) return vm.error()
      const command = this.engine.resolve(argv)
      if (typeof command === "string") return fail(vm, "Invalid command passed to redis.acl_check_cmd()")
      // the caller's user (the script's client runs as it), checked without an ACL log entry
      const user = this.running?.caller.user ?? this.client.user
      vm.pushBoolean(user.unrestricted || checkCommand(user, command, argv, { result: 0, pos: 0 }) === ACL_OK)
      return 1
    })
    if (this.mode === "eval") {
      this.setFunction("replicate_commands", (vm) => {
        vm.pushBoolean(true)
        return 1
      })
      this.setFunction("breakpoint", (vm) => {
        vm.pushBoolean(false)
        return 1
      })
      this.setFunction("debug", () => 0)
    }
    const numbers: ReadonlyArray<[string, number]> = [
      ["LOG_DEBUG", 0], ["LOG_VERBOSE", 1], ["LOG_NOTICE", 2], ["LOG_WARNING", 3],
      ["REPL_NONE", 0], ["REPL_AOF", 1], ["REPL_SLAVE", 2], ["REPL_REPLICA", 2], ["REPL_ALL", 3],
      ["REDIS_VERSION_NUM", versionNum()]
    ]
    for (const [name, value] of numbers) {
      vm.pushNumber(value)
      vm.setField(-2, name)
    }
    vm.pushString(REDIS_VERSION)
    vm.setField(-2, "REDIS_VERSION")
    vm.setGlobal("redis")
  }

  /** The PRNG state, shared with the functions' state. */
  get randomState(): { state: bigint } {
    return this.rand
  }

  /** redisLrand48: 48-bit linear congruential generator, 31-bit outputs. */
  private lrand48(): number {
    this.rand.state = (this.rand.state * 0x5deece66dn + 0xbn) & 0xffffffffffffn
    return Number(this.rand.state >> 17n)
  }

  /** math.random and math.randomseed on Redis's own PRNG (the same sequence as Redis from a seed). */
  private registerMath(): void {
    const vm = this.vm
    vm.getGlobal("math")
    this.setFunction("random", (vm) => {
      const INT32_MAX = 2147483647
      const r = (this.lrand48() % INT32_MAX) / INT32_MAX
      switch (vm.getTop()) {
        case 0:
          vm.pushNumber(r)
          break
        case 1: {
          const u = Math.trunc(vm.toNumber(1))
          if (!(1 <= u)) vm.raise("bad argument #1 to 'random' (interval is empty)")
          vm.pushNumber(Math.floor(r * u) + 1)
          break
        }
        case 2: {
          const l = Math.trunc(vm.toNumber(1))
          const u = Math.trunc(vm.toNumber(2))
          if (!(l <= u)) vm.raise("bad argument #2 to 'random' (interval is empty)")
          vm.pushNumber(Math.floor(r * (u - l + 1)) + l)
          break
        }
        default:
          vm.raise("wrong number of arguments")
      }
      return 1
    })
    this.setFunction("randomseed", (vm) => {
      const seed = Math.trunc(vm.toNumber(1)) | 0
      this.rand.state = (BigInt(seed >>> 0) << 16n) | 0x330en
      return 0
    })
    vm.pop(1)
  }

  /** luaArgsToRedisArgv: the arguments as strings, or undefined with the error table pushed. */
  private argsToArgv(vm: LuaVm): Array<string> | undefined {
    const argc = vm.getTop()
    if (argc === 0) {
      pushError(vm, "Please specify at least one argument for this redis lib call")
      return undefined
    }
    const argv: Array<string> = new Array(argc)
    for (let i = 1; i <= argc; i++) {
      const type = vm.type(i)
      if (type === LuaType.Number) argv[i - 1] = formatNumber(vm.toNumber(i))
      else if (type === LuaType.String) argv[i - 1] = vm.toString(i)!
      else {
        pushError(vm, "Lua redis lib command arguments must be strings or integers")
        return undefined
      }
    }
    return argv
  }

  /** luaRedisGenericCommand: redis.call (`raise`) and redis.pcall. */
  private redisCall(raise: boolean): number {
    const vm = this.vm
    const run = this.running
    if (run === undefined) return fail(vm, "redis.call/pcall can only be called inside a script invocation")
    const argv = this.argsToArgv(vm)
    if (argv === undefined) return raise ? vm.error() : 1
    const argc = argv.length
    const engine = this.engine
    const client = this.client
    let refused: string | undefined
    if (run.readOnly) {
      const command = engine.resolve(argv)
      if (typeof command !== "string" && command.mayReplicate && !command.noScript && arityOk(command.spec.arity, argc)) {
        refused = `ERR ${RO_SCRIPT_WRITE}`
        command.rejectedCalls++
      }
    }
    if (refused === undefined) {
      // SCRIPT_WRITE_DIRTY: a write command that passed the checks makes the script unkillable, and
      // memory no longer stops it
      const command = engine.resolve(argv)
      const write = typeof command !== "string" && command.isWrite && arityOk(command.spec.arity, argc)
      client.scriptDirty = run.wrote
      refused = engine.dispatch(client, argv, Callers.script)
      if (refused === undefined && write) {
        run.wrote = true
        client.scriptOomExempt = true
      }
    }
    if (refused !== undefined) {
      // scriptCall's afterErrorReply: counted although only the script sees it
      engine.countErrorStats(errorCode(refused))
      client.reply.take()
      pushError(vm, `-${refused}`)
      vm.pushBoolean(true)
      vm.setField(-2, "ignore_error_stats_update")
      return raise ? vm.error() : 1
    }
    const bytes = client.reply.take()!
    this.toLua.push(bytes)
    if (raise && bytes[0] === 45 /* - */) return vm.error()
    return 1
  }

  /** Compiles a script into the registry as f_<sha> (luaCreateFunction); the error reply, if it fails. */
  createFunction(body: string): { sha: string } | { error: string } {
    const sha = sha1hex(body)
    if (this.scripts.has(sha)) return { sha }
    const shebang = extractShebang(body)
    if ("error" in shebang) return { error: `ERR ${shebang.error}` }
    const vm = this.vm
    if (vm.load(shebang.length === 0 ? body : body.slice(shebang.length), "@user_script") !== 0) {
      const message = vm.toString(-1)
      vm.pop(1)
      return { error: `ERR Error compiling script (new function): ${message}` }
    }
    const registryName = `f_${sha}`
    vm.setField(LUA_REGISTRYINDEX, registryName)
    this.scripts.set(sha, { body, flags: shebang.flags, registryName })
    return { sha }
  }

  /** INFO memory: the VM's heap as Lua counts it, and the cache (bodies and shas, as lctx.lua_scripts_mem). */
  memory(): ScriptingMemoryInfo {
    let scripts = 0
    for (const script of this.scripts.values()) scripts += script.body.length + 40
    const functions = this.functions?.memory() ?? { functionsVm: 0, functionsMemory: 0, functions: 0, libraries: 0 }
    return { vm: this.vm.memoryUsed(), scripts, cachedScripts: this.scripts.size, ...functions }
  }

  flush(): void {
    const vm = this.vm
    for (const script of this.scripts.values()) {
      vm.pushNil()
      vm.setField(LUA_REGISTRYINDEX, script.registryName)
    }
    this.scripts.clear()
    vm.collectGarbage()
  }

  /**
   * evalGetCommandFlags: for a script with a shebang, whether it may write (not no-writes); undefined
   * for a script in compatibility mode or unknown (EVALSHA of a missing sha, EVAL of a body whose
   * shebang is invalid), where the command's own flags decide.
   */
  scriptMayWrite(argv: ReadonlyArray<string>, evalsha: boolean): boolean | undefined {
    const flags = this.flagsOf(argv, evalsha)
    if (flags === undefined || flags.compat) return undefined
    return !flags.noWrites
  }

  /** The flags of the script an EVAL/EVALSHA names (evalGetCommandFlags), undefined if unknown or invalid. */
  private flagsOf(argv: ReadonlyArray<string>, evalsha: boolean): ScriptFlags | undefined {
    const text = argv[1]
    if (text === undefined) return undefined
    if (evalsha) return text.length === 40 ? this.scripts.get(text.toLowerCase())?.flags : undefined
    const flags = this.scripts.get(sha1hex(text))?.flags
    if (flags !== undefined) return flags
    const shebang = extractShebang(text)
    return "error" in shebang ? undefined : shebang.flags
  }

  /**
   * scriptFlagsToCmdFlags: a script declaring flags makes EVAL deny-oom unless allow-oom or no-writes;
   * undefined where the command's own flags decide (compatibility mode, unknown script).
   */
  scriptDeniesOom(argv: ReadonlyArray<string>, evalsha: boolean): boolean | undefined {
    const flags = this.flagsOf(argv, evalsha)
    if (flags === undefined || flags.compat) return undefined
    return !flags.allowOom && !flags.noWrites
  }

  /** evalGenericCommand: EVAL/EVALSHA and their _RO forms. */
  eval(ctx: CommandContext, argv: ReadonlyArray<string>, evalsha: boolean, readOnly: boolean): void | Blocked {
    // EVAL is skip_monitor: it feeds MONITOR itself, so that its line comes before its commands'
    this.engine.monitorFeed?.(ctx.client, ctx.command, argv, true)
    const reply = ctx.reply
    // string2ll: no leading zeros, sign or spaces; any 64-bit value (a huge one exceeds the arguments)
    const numkeys = parseLongLong(argv[2]!)
    if (numkeys === undefined) return reply.error(Errors.NOT_INTEGER)
    if (numkeys > argv.length - 3) return reply.error(NUMKEYS_TOO_BIG)
    if (numkeys < 0) return reply.error(NUMKEYS_NEGATIVE)
    let sha: string
    let script: Script | undefined
    if (evalsha) {
      sha = argv[1]!.toLowerCase()
      if (sha.length === 40) script = this.scripts.get(sha)
      if (script === undefined) return reply.error(NOSCRIPT)
    } else {
      const created = this.createFunction(argv[1]!)
      if ("error" in created) return reply.error(created.error)
      sha = created.sha
      script = this.scripts.get(sha)!
    }
    // scriptPrepareForRun: a script declaring flags may not write from EVAL_RO, and with no-writes
    // runs read-only
    const flags = script.flags
    if (!flags.compat && !flags.noWrites && readOnly) {
      return reply.error("ERR Can not execute a script with write flag using *_ro command.")
    }
    const declared = !flags.compat
    return this.execute(ctx, sha, script.registryName, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), readOnly || (declared && flags.noWrites), declared && (flags.allowOom || flags.noWrites))
  }

  /**
   * luaCallFunction: runs the function stored in the registry under `ref` for `ctx`'s client. `name`
   * is what errors name (the sha of a script, a function's name). EVAL's keys and arguments are the
   * KEYS and ARGV globals, a function's are its two arguments.
   *
   * The function runs as a coroutine (a thread kept for the next run when it ends normally) with a
   * count hook every 100000 instructions (luaMaskCountHook). Past busy-reply-threshold, a hook that
   * may yield (no C call in between, and a caller that may block: not in MULTI, not the AOF) suspends
   * the script: the caller is blocked, `engine.busyScript` makes other clients' commands BUSY, and
   * the run continues one slice per event-loop turn (`continueRun`) until it ends or is killed. See
   * docs/SCRIPTING.md, "Busy scripts".
   */
  execute(
    ctx: CommandContext,
    name: string,
    ref: string,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string>,
    readOnly: boolean,
    allowOom: boolean
  ): void | Blocked {
    const vm = this.vm
    const caller = ctx.client
    const client = this.client
    // prepareLuaClient: the caller's database, RESP2 until redis.setresp, the caller's user
    client.db = caller.db
    client.user = caller.user
    client.output.resp = 2
    this.resp = 2
    client.scriptCaller = caller
    // allow-oom, or no-writes which implies it: memory never refuses its commands
    client.scriptOomExempt = allowOom
    const main = vm.L
    vm.setTop(0)
    const functionMode = this.mode === "function"
    if (!functionMode) {
      vm.getField(LUA_REGISTRYINDEX, "__real_G")
      pushArray(vm, keys)
      vm.setField(-2, "KEYS")
      pushArray(vm, args)
      vm.setField(-2, "ARGV")
      vm.pop(1)
    }
    const thread = this.runThread()
    vm.L = thread
    vm.setTop(0)
    vm.getField(LUA_REGISTRYINDEX, ref)
    if (functionMode) {
      pushArray(vm, keys)
      pushArray(vm, args)
    }
    vm.L = main
    const run: Run = {
      caller,
      sha: name,
      readOnly,
      thread,
      ctx,
      argv: ctx.argv,
      startedAt: performance.now(),
      time: this.engine.keyspace.now,
      mayYield: ctx.maySuspend && caller.kind === "normal",
      timedOut: false,
      killed: false,
      wrote: false,
      suspended: false,
      pending: []
    }
    this.running = run
    // pushes to the caller (a message it publishes to itself, an invalidation) follow the script's reply
    caller.output.holdPushes()
    // a script's writes propagate as its commands (in this call's unit, wrapped in MULTI/EXEC when
    // several), never as EVAL itself
    ctx.preventPropagation()
    if (this.slice(run, functionMode ? 2 : 0, ctx.reply)) return
    // suspended past busy-reply-threshold: the caller waits, other clients get BUSY
    run.suspended = true
    run.pending = this.engine.keyspace.takePropagation()
    this.engine.keyspace.scriptBusy = true
    this.engine.busyScript = {
      eval: !functionMode,
      name,
      argv: run.argv,
      startedAt: run.startedAt,
      kill: (byEval) => this.kill(run, byEval)
    }
    const blocked = ctx.suspend({ keys: [], condition: SCRIPT_CONDITION, timeoutAt: 0, serve: () => false, onTimeout: () => {} })
    setImmediate(() => this.continueRun(run))
    return blocked
  }

  /** The thread scripts run on: the last one if its run ended normally, else a new one with the hook set. */
  private runThread(): number {
    const vm = this.vm
    if (this.thread !== 0) return this.thread
    this.thread = vm.newThread()
    vm.setField(LUA_REGISTRYINDEX, "__run_thread")
    vm.setHook(this.thread, this.hook, LUA_MASKCOUNT, HOOK_COUNT)
    return this.thread
  }

  /**
   * Resumes the run (with `nargs` arguments the first time); true when it ended and its reply was
   * written to `reply`, false when the hook suspended it again.
   */
  private slice(run: Run, nargs: number, reply: ReplyWriter): boolean {
    const vm = this.vm
    this.hookYielded = false
    const status = vm.resume(run.thread, nargs)
    if (status === LUA_YIELD && this.hookYielded) return false
    const main = vm.L
    try {
      if (status === 0) {
        // lua_pcall(..., 1, ...): the first result, or nil
        vm.L = run.thread
        vm.setTop(1)
        vm.L = main
        vm.xmove(run.thread, main, 1)
        luaToReply(vm, reply, this.resp)
      } else {
        // the script yielded by itself (coroutine.yield at its top level: under Redis's lua_pcall,
        // "attempt to yield across metamethod/C-call boundary"), or failed: the error handler's table,
        // built from the dead thread's stack (__redis__co_err), as the handler builds it in place
        vm.getField(LUA_REGISTRYINDEX, "__redis__co_err")
        vm.pushThread(run.thread)
        if (status === LUA_YIELD) vm.pushString("attempt to yield across metamethod/C-call boundary")
        else vm.xmove(run.thread, main, 1)
        if (vm.pcall(2, 1, 0) !== 0) vm.pushString("execution failure")
        this.replyError(reply, run.sha)
        // the thread is dead (or stuck in a yield): the next run gets a new one
        this.thread = 0
        vm.pushNil()
        vm.setField(LUA_REGISTRYINDEX, "__run_thread")
      }
    } finally {
      this.endRun(run)
    }
    return true
  }

  private endRun(run: Run): void {
    const vm = this.vm
    run.caller.output.releasePushes()
    this.running = undefined
    this.client.scriptCaller = undefined
    if (run.suspended) {
      this.engine.busyScript = undefined
      this.engine.keyspace.scriptBusy = false
    }
    const main = vm.L
    if (this.thread !== 0) {
      vm.L = this.thread
      vm.setTop(0)
      vm.L = main
    }
    vm.setTop(0)
  }

  /** One more slice of a suspended run, from the event loop, as the blocked caller's command. */
  private continueRun(run: Run): void {
    // the Layer was released meanwhile (the server closed): the VM is gone
    if (this.closed) return
    this.engine.continueBlocked(run.caller, () => {
      // the context is the caller's again (or none if it disconnected): EVAL itself never propagates
      if (run.caller.blocked !== undefined) run.ctx.preventPropagation()
      const keyspace = this.engine.keyspace
      keyspace.restorePropagation(run.pending)
      // other clients' batches moved the time on: the script keeps its own
      keyspace.setTime(run.time)
      const done = this.slice(run, 0, run.caller.blocked !== undefined ? run.ctx.reply : run.caller.reply)
      if (!done) {
        run.pending = keyspace.takePropagation()
        setImmediate(() => this.continueRun(run))
      }
      return done
    })
  }

  /** luaMaskCountHook and scriptInterrupt: the slow-script warning, SCRIPT KILL, suspension. */
  private onHook(thread: number): void {
    const run = this.running
    if (run === undefined) return
    const vm = this.vm
    if (!run.timedOut) {
      const threshold = Number(this.engine.config.get("busy-reply-threshold") ?? "5000")
      if (threshold <= 0) return
      const elapsed = Math.floor(performance.now() - run.startedAt)
      if (elapsed < threshold) return
      run.timedOut = true
      const command = this.mode === "eval" ? "SCRIPT KILL" : "FUNCTION KILL"
      this.log(3, `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the ${command} command. Script name is: ${run.sha}.`)
    }
    if (run.killed) {
      // the yieldable pcall's own code runs on: the error is raised in the script's frames, where Redis
      // raises it (a frame of the C pcall would not run the hook at all)
      const source = vm.currentSource(thread)
      if (source === "@pcall") return
      // in the Lua-written library (yieldable.ts): raised on the next line of the script's own code
      if (source === LUALIB_SOURCE) return this.hookEveryLine(run)
      this.log(3, "Lua script killed by user with SCRIPT KILL.")
      // on every line from now on, in this thread and in every thread the script's pcalls run, so
      // that pcall cannot keep the script alive
      vm.setHook(thread, this.hook, LUA_MASKLINE, 0)
      this.hookEveryLine(run)
      pushError(vm, "Script killed by user with SCRIPT KILL...")
      vm.error()
    }
    if (run.mayYield && vm.canYield(thread) && (thread === run.thread || this.isPcallThread(thread))) {
      this.hookYielded = true
      vm.yieldFromHook(thread)
    }
  }

  /** The line hook on the script's thread and on every coroutine its pcalls made (a killed script). */
  private hookEveryLine(run: Run): void {
    const vm = this.vm
    vm.setHook(run.thread, this.hook, LUA_MASKLINE, 0)
    if (vm.getField(LUA_REGISTRYINDEX, "__pcall_threads") !== LuaType.Table) return vm.pop(1)
    vm.pushNil()
    while (vm.next(-2)) {
      vm.pop(1)
      const co = vm.toThread(-1)
      if (co !== 0) vm.setHook(co, this.hook, LUA_MASKLINE, 0)
    }
    vm.pop(1)
  }

  /** A coroutine the yieldable pcall made (see makePcallYieldable). */
  private isPcallThread(thread: number): boolean {
    const vm = this.vm
    if (vm.getField(LUA_REGISTRYINDEX, "__pcall_threads") !== LuaType.Table) {
      vm.pop(1)
      return false
    }
    vm.pushThread(thread)
    const marked = vm.rawGet(-2) !== LuaType.Nil
    vm.pop(2)
    return marked
  }

  /** scriptKill for a suspended run (NOTBUSY is the caller's). */
  private kill(run: Run, byEval: boolean): string | undefined {
    if (run.wrote) {
      return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    }
    if (byEval && this.mode === "function") return Errors.BUSY_FUNCTION
    if (!byEval && this.mode === "eval") return Errors.BUSY_EVAL
    run.killed = true
    return undefined
  }

  /** A line in the log as serverLog writes it, if `level` passes loglevel. */
  private log(level: number, text: string): void {
    const verbosity = LOG_LEVELS.indexOf(this.engine.config.get("loglevel") ?? "notice")
    if (level < verbosity) return
    const line = formatLogLine(process.pid, "M", new Date(), ".-*#"[level]!, text)
    writeLogRaw(this.engine.config.get("logfile") ?? "", `${line}\n`)
  }

  private replyError(reply: ReplyWriter, sha: string): void {
    const vm = this.vm
    if (vm.type(-1) !== LuaType.Table) {
      const message = vm.isString(-1) ? vm.toString(-1)! : "execution failure"
      reply.error(`ERR Error running script ${sha}, ${message.slice(0, 100)}`)
      return
    }
    const info = errorInfo(vm)
    let message = info.message === undefined ? "" : info.message
    if (info.line !== undefined && info.source !== undefined) message += ` script: ${sha}, on ${info.source}:${info.line}.`
    if (info.counted) reply.errorCounted(message.replace(/[\r\n]/g, " "))
    else reply.error(message.replace(/[\r\n]/g, " "))
  }

  close(): void {
    this.closed = true
    if (this.running?.suspended === true) {
      this.engine.busyScript = undefined
      this.engine.keyspace.scriptBusy = false
    }
    this.vm.close()
  }
}


const arityOk = (arity: number, argc: number): boolean => (arity >= 0 ? argc === arity : argc >= -arity)

/** A number argument of redis.call as Redis 7.0 writes it: C's "%.17g". */
export const formatNumber = (n: number): string => formatG(n, 17)

/** C's "%.<precision>g" (inf, -inf, nan as glibc prints them). */
export const formatG = (n: number, precision: number): string => {
  if (Number.isNaN(n)) return "nan"
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf"
  if (n === 0) return Object.is(n, -0) ? "-0" : "0"
  const exponential = n.toExponential(precision - 1)
  const e = exponential.indexOf("e")
  const exponent = Number(exponential.slice(e + 1))
  if (exponent < -4 || exponent >= precision) {
    const mantissa = stripZeros(exponential.slice(0, e))
    const digits = String(Math.abs(exponent)).padStart(2, "0")
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${digits}`
  }
  return stripZeros(n.toFixed(precision - 1 - exponent))
}

const stripZeros = (text: string): string => {
  if (!text.includes(".")) return text
  let end = text.length
  while (text.charCodeAt(end - 1) === 48) end--
  if (text.charCodeAt(end - 1) === 46) end--
  return text.slice(0, end)
}

const pushArray = (vm: LuaVm, items: ReadonlyArray<string>): void => {
  vm.newTable(items.length, 0)
  for (let i = 0; i < items.length; i++) {
    vm.pushString(items[i]!)
    vm.rawSetI(-2, i + 1)
  }
}

// --- commands ------------------------------------------------------------------------------------------


const scriptingHelp = [
  "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DEBUG (YES|SYNC|NO)",
  "    Set the debug mode for subsequent scripts executed.",
  "EXISTS <sha1> [<sha1> ...]",
  "    Return information about the existence of the scripts in the script cache.",
  "FLUSH [ASYNC|SYNC]",
  "    Flush the Lua scripts cache. Very dangerous on replicas.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the scripts cache.",
  "    * SYNC: Synchronously flush the scripts cache.",
  "KILL",
  "    Kill the currently executing Lua script.",
  "LOAD <script>",
  "    Load a script into the scripts cache without executing it.",
  "HELP",
  "    Prints this help."
]

export const scriptingCommands = (state: () => ScriptingState): ReadonlyArray<CommandSpec> => {
  const evalEntry = (name: string, since: string, summary: string, evalsha: boolean, readOnly: boolean) =>
    defineCommand({
      name,
      arity: -3,
      flags: `${readOnly ? "readonly " : ""}noscript stale skip_monitor no_mandatory_keys movablekeys`,
      keys: [0, 0, 0],
      acl: "@slow @scripting",
      getKeys: evalKeys,
      // Redis's EVAL and EVALSHA are MAY_REPLICATE (not shown by COMMAND INFO), EVAL_RO(SHA) are not;
      // a script with a shebang is a write unless no-writes (scriptFlagsToCmdFlags)
      mayReplicateCall: (argv) => state().scriptMayWrite(argv, evalsha) ?? !readOnly,
      denyOomCall: (argv) => state().scriptDeniesOom(argv, evalsha) ?? false,
      writeCall: (argv) => !readOnly && state().scriptMayWrite(argv, evalsha) === true,
      docs: { summary, since, group, complexity: "Depends on the script that is executed." },
      handler: (ctx, argv) => state().eval(ctx, argv, evalsha, readOnly)
    })
  const sub = (
    name: string,
    arity: number,
    flags: string,
    summary: string,
    since: string,
    complexity: string,
    handler: (ctx: CommandContext, argv: ReadonlyArray<string>) => void,
    tips?: string
  ) =>
    defineCommand({
      name,
      arity,
      flags,
      keys: [0, 0, 0],
      acl: "@slow @scripting",
      docs: { summary, since, group, complexity },
      handler,
      ...(tips === undefined ? {} : { tips })
    })
  return [
    evalEntry("eval", "2.6.0", "Execute a Lua script server side", false, false),
    evalEntry("evalsha", "2.6.0", "Execute a Lua script server side", true, false),
    evalEntry("eval_ro", "7.0.0", "Execute a read-only Lua script server side", false, true),
    evalEntry("evalsha_ro", "7.0.0", "Execute a read-only Lua script server side", true, true),
    defineCommand({
      name: "script",
      arity: -2,
      flags: "",
      keys: [0, 0, 0],
      acl: "@slow",
      docs: { summary: "A container for Lua scripts management commands", since: "2.6.0", group, complexity: "Depends on subcommand." },
      subcommands: [
        sub("load", 3, "noscript stale", "Load the specified Lua script into the script cache.", "2.6.0",
          "O(N) with N being the length in bytes of the script body.", (ctx, argv) => {
            const created = state().createFunction(argv[2]!)
            if ("error" in created) return ctx.reply.error(created.error)
            ctx.reply.bulk(created.sha)
          }, "request_policy:all_nodes response_policy:all_succeeded"),
        sub("exists", -3, "noscript", "Check existence of scripts in the script cache.", "2.6.0",
          "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
          (ctx, argv) => {
            const scripts = state().scripts
            ctx.reply.arrayHeader(argv.length - 2)
            for (let i = 2; i < argv.length; i++) ctx.reply.integer(scripts.has(argv[i]!.toLowerCase()) ? 1 : 0)
          }, "request_policy:all_shards response_policy:agg_logical_and"),
        sub("flush", -2, "noscript", "Remove all the scripts from the script cache.", "2.6.0",
          "O(N) with N being the number of scripts in cache", (ctx, argv) => {
            if (argv.length > 3 || (argv.length === 3 && !["sync", "async"].includes(argv[2]!.toLowerCase()))) {
              return ctx.reply.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
            }
            state().flush()
            ctx.reply.ok()
          }, "request_policy:all_nodes response_policy:all_succeeded"),
        sub("kill", 2, "noscript allow_busy", "Kill the script currently in execution.", "2.6.0", "O(1)", (ctx) => {
          scriptKill(ctx, true)
        }, "request_policy:all_shards response_policy:one_succeeded"),
        sub("help", 2, "loading stale", "Show helpful text about the different subcommands", "5.0.0", "O(1)", (ctx) => {
          ctx.reply.arrayHeader(scriptingHelp.length)
          for (const line of scriptingHelp) ctx.reply.simple(line)
        })
      ]
    })
  ]
}

/** The commands' table entries, for what needs the names before any Layer is built. */
export const scriptingCommandTable: ReadonlyArray<CommandSpec> = [
  ...scriptingCommands(() => {
    throw new Error("scripting commands run only as Scripting.layer contributes them")
  }),
  ...functionCommandTable
]

/** The scripting subsystem: a Lua state and the script cache for the Layer's lifetime, and its commands. */
export class Scripting extends Context.Service<Scripting, ScriptingState>()("effect-redis-server/Scripting") {
  static readonly layer: Layer.Layer<Scripting, never, Engine | CommandRegistry> = Layer.effect(
    Scripting,
    Effect.gen(function*() {
      const engine = yield* Engine
      const vm = yield* Effect.promise(() => LuaVm.make())
      const state = new ScriptingState(vm, engine)
      // functions run in a Lua state of their own, as Redis's function engine does
      const functionVm = yield* Effect.promise(() => LuaVm.make())
      const functions = new FunctionsState(new ScriptingState(functionVm, engine, "function", state.randomState))
      state.functions = functions
      engine.scriptingMemory = () => state.memory()
      engine.functionLibraries = functions
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          engine.scriptingMemory = undefined
          engine.functionLibraries = undefined
          state.close()
          functions.scripting.close()
        })
      )
      yield* CommandRegistry.contributeScoped((registry) => registry.addCommands([...scriptingCommands(() => state), ...functionCommands(() => functions)]))
      return state
    })
  )
}
