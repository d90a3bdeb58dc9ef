/**
 * Redis 7.0 functions (functions.c, function_lua.c): libraries loaded with FUNCTION LOAD, each a Lua
 * chunk run once in a restricted environment where it registers functions with
 * `redis.register_function`, then called with FCALL / FCALL_RO. The libraries live in their own Lua
 * state (a `ScriptingState` in "function" mode, as Redis's function engine has its own lua_State),
 * apart from EVAL's. FUNCTION DUMP / RESTORE use the RDB function opcode payload, the RDB version and
 * a CRC64, as Redis does, so payloads cross between the two servers. See docs/SCRIPTING.md.
 */
import { type Blocked, type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { verifyPayload } from "../commands/dump.ts"
import { ByteBuilder } from "../persistence/rdb/bytes.ts"
import { Crc64 } from "../persistence/rdb/crc64.ts"
import { Opcode, RDB_VERSION } from "../persistence/rdb/format.ts"
import { RdbReader } from "../persistence/rdb/reader.ts"
import { writeString } from "../persistence/rdb/values.ts"
import { splitInlineArgs } from "../resp/RequestParser.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import type { FunctionLibraries } from "../server/Engine.ts"
import { globMatch } from "../util/glob.ts"
import { parseLongLong } from "../util/numbers.ts"
import { LUA_REGISTRYINDEX, LuaType, type LuaVm } from "./LuaVm.ts"
import { evalKeys, fail } from "./luaReply.ts"
import type { ScriptFlags, ScriptingState } from "./Scripting.ts"

const group = "scripting"

/** The flag names in scripts_flags_def's order (FUNCTION LIST shows them in it). */
const FLAGS: ReadonlyArray<readonly [string, keyof ScriptFlags]> = [
  ["no-writes", "noWrites"],
  ["allow-oom", "allowOom"],
  ["allow-stale", "allowStale"],
  ["no-cluster", "noCluster"],
  ["allow-cross-slot-keys", "allowCrossSlot"]
]

const NO_FLAGS: ScriptFlags = { compat: false, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false }

/** LOAD_TIMEOUT_MS: how long FUNCTION LOAD lets a library's code run. */
const LOAD_TIMEOUT_MS = 500
const LUA_MASKLINE = 4
const LUA_MASKCOUNT = 8

const BAD_NAME = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

export interface FunctionInfo {
  readonly name: string
  readonly description: string | undefined
  readonly flags: ScriptFlags
  /** The callback's key in the Lua registry. */
  readonly ref: string
}

export interface Library {
  readonly name: string
  /** The whole payload FUNCTION LOAD was given, shebang included. */
  readonly code: string
  /** By name as registered (case-sensitive within a library, as Redis's libraryFunctionDictType). */
  readonly functions: Map<string, FunctionInfo>
}

/** A set of libraries and their functions (functionsLibCtx): the current one, or one being restored. */
class LibraryCtx {
  readonly libraries = new Map<string, Library>()
  /** By lower-cased name: function names are case-insensitive across libraries (functionDictType). */
  readonly functions = new Map<string, FunctionInfo>()

  link(library: Library): void {
    for (const fn of library.functions.values()) {
      const key = fn.name.toLowerCase()
      if (!this.functions.has(key)) this.functions.set(key, fn)
    }
    this.libraries.set(library.name, library)
  }

  unlink(library: Library): void {
    for (const fn of library.functions.values()) {
      const key = fn.name.toLowerCase()
      if (this.functions.get(key) === fn) this.functions.delete(key)
    }
    this.libraries.delete(library.name)
  }
}

/** functionsVerifyName: [a-zA-Z0-9_]+ */
const validName = (name: string): boolean => /^[a-zA-Z0-9_]+$/.test(name)

/** functionExtractLibMetaData: the engine, the library name and the code after the shebang line. */
const extractMetadata = (payload: string): { engine: string; name: string; code: string } | { error: string } => {
  if (!payload.startsWith("#!")) return { error: "Missing library metadata" }
  const end = payload.indexOf("\n")
  if (end === -1) return { error: "Invalid library metadata" }
  const parts = splitInlineArgs(payload.slice(0, end))
  if (parts === undefined || parts.length === 0) return { error: "Invalid library metadata" }
  const engine = parts[0]!.slice(2)
  let name: string | undefined
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === "name=") {
      if (name !== undefined) return { error: "Invalid metadata value, name argument was given multiple times" }
      name = part.slice(5)
      continue
    }
    return { error: `Invalid metadata value given: ${part}` }
  }
  if (name === undefined) return { error: "Library name was not given" }
  return { engine, name, code: payload.slice(end) }
}

/** The function libraries: a Lua state of their own, the current libraries, and the FUNCTION commands. */
export class FunctionsState implements FunctionLibraries {
  readonly scripting: ScriptingState
  private current = new LibraryCtx()
  /** The library being loaded: redis.register_function adds to it. */
  private loading: Map<string, FunctionInfo> | undefined = undefined
  private nextRef = 0
  /** luaEngineLoadHook: a library's code may run `loadTimeout` ms (0: no limit) from `loadStart`. */
  private readonly loadHook: number
  private loadStart = 0
  private loadTimeout = 0

  constructor(scripting: ScriptingState) {
    this.scripting = scripting
    this.loadHook = scripting.vm.makeHook((thread) => this.onLoadHook(thread))
    this.buildLibraryApi()
  }

  private onLoadHook(thread: number): void {
    if (this.loadTimeout <= 0 || performance.now() - this.loadStart <= this.loadTimeout) return
    // on every line from now on, so that the code cannot outlive the error
    this.vm.setHook(thread, this.loadHook, LUA_MASKLINE, 0)
    fail(this.vm, "FUNCTION LOAD timeout")
  }

  private get vm(): LuaVm {
    return this.scripting.vm
  }

  /**
   * What a library sees while it loads (function_lua.c's LIBRARY_API): `redis` with register_function,
   * log, the LOG_* levels and REDIS_VERSION(_NUM) only; any other name, global or in `redis`, raises
   * "Script attempted to access nonexistent global variable", and both tables are read-only.
   */
  private buildLibraryApi(): void {
    const vm = this.vm
    const code = `
local real_redis, register, index_error, newindex_error, protected = ...
local function readonly(t)
  setmetatable(t, {__index = index_error})
  local proxy = setmetatable({}, {__index = t, __newindex = newindex_error, __metatable = false})
  protected[proxy] = true
  return proxy
end
local r = {register_function = register, log = real_redis.log}
for _, k in ipairs({'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM'}) do
  r[k] = real_redis[k]
end
return readonly({redis = readonly(r)})
`
    if (vm.load(code, "@library_api") !== 0) throw new Error(vm.toString(-1))
    vm.getField(LUA_REGISTRYINDEX, "__real_G")
    vm.getField(-1, "redis")
    vm.remove(-2)
    vm.pushFunction(() => this.registerFunction())
    vm.pushFunction((vm) => vm.raise(`Script attempted to access nonexistent global variable '${vm.toString(2) ?? ""}'`))
    vm.pushFunction((vm) => vm.raise("Attempt to modify a readonly table"))
    vm.getField(LUA_REGISTRYINDEX, "__protected")
    if (vm.pcall(5, 1, 0) !== 0) throw new Error(vm.toString(-1))
    vm.setField(LUA_REGISTRYINDEX, "__LIBRARY_API__")
    vm.setTop(0)
  }

  /** Points the globals' lookups at the library API (while loading) or back at the real globals. */
  private setGlobalsIndex(library: boolean): void {
    const vm = this.vm
    vm.getField(LUA_REGISTRYINDEX, "__globals_mt")
    vm.getField(LUA_REGISTRYINDEX, library ? "__LIBRARY_API__" : "__real_G")
    vm.setField(-2, "__index")
    vm.pop(1)
  }

  /** luaRegisterFunction: positional (name, callback) or named ({function_name=, callback=, flags=, description=}). */
  private registerFunction(): number {
    const vm = this.vm
    const functions = this.loading
    if (functions === undefined) return fail(vm, "redis.register_function can only be called on FUNCTION LOAD command")
    const argc = vm.getTop()
    if (argc < 1 || argc > 2) return fail(vm, "wrong number of arguments to redis.register_function")
    let name: string | undefined
    let description: string | undefined
    let flags = NO_FLAGS
    let hasCallback = false
    if (argc === 2) {
      if (vm.type(1) !== LuaType.String && vm.type(1) !== LuaType.Number) return fail(vm, "first argument to redis.register_function must be a string")
      name = vm.toString(1)!
      if (vm.type(2) !== LuaType.Function) return fail(vm, "second argument to redis.register_function must be a function")
      hasCallback = true
      // the callback stays at index 2
    } else {
      if (vm.type(1) !== LuaType.Table) {
        return fail(vm, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
      }
      vm.pushNil()
      while (vm.next(1)) {
        // stack: table, [callback], key, value
        if (!vm.isString(-2)) return fail(vm, "named argument key given to redis.register_function is not a string")
        // a number key is converted in place, as lua_tostring does (lua_next then fails: Redis does the same)
        const key = vm.toString(-2)!.toLowerCase()
        if (key === "function_name") {
          if (!isStringValue(vm, -1)) return fail(vm, "function_name argument given to redis.register_function must be a string")
          name = vm.toString(-1)!
        } else if (key === "description") {
          if (!isStringValue(vm, -1)) return fail(vm, "description argument given to redis.register_function must be a string")
          description = vm.toString(-1)!
        } else if (key === "callback") {
          if (vm.type(-1) !== LuaType.Function) return fail(vm, "callback argument given to redis.register_function must be a function")
          // keep the callback below the iteration's key
          vm.insert(2)
          hasCallback = true
          continue
        } else if (key === "flags") {
          if (vm.type(-1) !== LuaType.Table) {
            return fail(vm, "flags argument to redis.register_function must be a table representing function flags")
          }
          const read = readFlags(vm)
          if (read === undefined) return fail(vm, "unknown flag given")
          flags = read
        } else {
          return fail(vm, "unknown argument given to redis.register_function")
        }
        vm.pop(1)
      }
      if (name === undefined) return fail(vm, "redis.register_function must get a function name argument")
      if (!hasCallback) return fail(vm, "redis.register_function must get a callback argument")
    }
    if (!validName(name)) return fail(vm, BAD_NAME)
    if (functions.has(name)) return fail(vm, "Function already exists in the library")
    const ref = `__fn_${this.nextRef++}`
    vm.pushValue(2)
    vm.setField(LUA_REGISTRYINDEX, ref)
    functions.set(name, { name, description, flags, ref })
    return 0
  }

  private freeLibrary(library: Library): void {
    const vm = this.vm
    for (const fn of library.functions.values()) {
      vm.pushNil()
      vm.setField(LUA_REGISTRYINDEX, fn.ref)
    }
  }

  /** functionsCreateWithLibraryCtx: compiles and runs a library's code into `ctx`; its name, or the error (ERR-less). */
  private create(payload: string, replace: boolean, ctx: LibraryCtx, timeout = 0): { name: string } | { error: string } {
    const md = extractMetadata(payload)
    if ("error" in md) return md
    if (!validName(md.name)) return { error: BAD_NAME }
    if (md.engine.toLowerCase() !== "lua") return { error: `Engine '${md.engine}' not found` }
    const old = ctx.libraries.get(md.name)
    if (old !== undefined && !replace) return { error: `Library '${md.name}' already exists` }
    if (old !== undefined) ctx.unlink(old)
    const functions = new Map<string, FunctionInfo>()
    const library: Library = { name: md.name, code: payload, functions }
    const failed = (error: string) => {
      this.freeLibrary(library)
      if (old !== undefined) ctx.link(old)
      return { error }
    }
    const error = this.runLibrary(md.code, functions, timeout)
    if (error !== undefined) return failed(error)
    if (functions.size === 0) return failed("No functions registered")
    for (const fn of functions.values()) {
      if (ctx.functions.has(fn.name.toLowerCase())) return failed(`Function ${fn.name} already exists`)
    }
    ctx.link(library)
    if (old !== undefined) this.freeLibrary(old)
    return { name: md.name }
  }

  /** luaEngineCreate: compiles the code and runs it with the library API as its globals. */
  private runLibrary(code: string, functions: Map<string, FunctionInfo>, timeout: number): string | undefined {
    const vm = this.vm
    vm.setTop(0)
    if (vm.load(code, "@user_function") !== 0) {
      const message = vm.toString(-1)
      vm.setTop(0)
      return `Error compiling function: ${message}`
    }
    this.setGlobalsIndex(true)
    this.loading = functions
    this.loadStart = performance.now()
    this.loadTimeout = timeout
    vm.setHook(vm.L, this.loadHook, LUA_MASKCOUNT, 100000)
    try {
      if (vm.pcall(0, 0, 0) !== 0) {
        // luaExtractErrorInformation: a string error is "ERR <it>", a table's is its err field
        let message: string | undefined
        if (vm.type(-1) === LuaType.Table) {
          vm.getField(-1, "err")
          message = vm.isString(-1) ? vm.toString(-1) : undefined
          vm.pop(1)
        } else if (vm.isString(-1)) {
          message = `ERR ${vm.toString(-1)}`
        }
        return `Error registering functions: ${message ?? "(null)"}`
      }
      return undefined
    } finally {
      vm.setHook(vm.L, this.loadHook, 0, 0)
      this.loading = undefined
      this.setGlobalsIndex(false)
      vm.setTop(0)
    }
  }

  // --- FunctionLibraries (persistence) -----------------------------------------------------------------

  codes(): ReadonlyArray<string> {
    return [...this.current.libraries.values()].map((library) => library.code)
  }

  flush(): void {
    for (const library of this.current.libraries.values()) this.freeLibrary(library)
    this.current = new LibraryCtx()
    this.vm.collectGarbage()
  }

  load(code: string, replace: boolean): string | undefined {
    const created = this.create(code, replace, this.current)
    return "error" in created ? created.error : undefined
  }

  /**
   * INFO memory's functions figures: the state's heap as Lua counts it, the libraries' code and names
   * plus 64 bytes a function (Redis's figure counts its structs and dict entries: not compared), counts.
   */
  memory(): { functionsVm: number; functionsMemory: number; functions: number; libraries: number } {
    let bytes = 0
    for (const library of this.current.libraries.values()) {
      bytes += library.code.length + library.name.length
      for (const fn of library.functions.values()) bytes += fn.name.length + (fn.description?.length ?? 0) + 64
    }
    return { functionsVm: this.vm.memoryUsed(), functionsMemory: bytes, functions: this.current.functions.size, libraries: this.current.libraries.size }
  }

  // --- commands ----------------------------------------------------------------------------------------

  /** fcallGetCommandFlags: whether this FCALL may write (its function lacks no-writes); undefined if unknown. */
  mayWrite(argv: ReadonlyArray<string>): boolean | undefined {
    const fn = argv[1] === undefined ? undefined : this.current.functions.get(argv[1].toLowerCase())
    return fn === undefined ? undefined : !fn.flags.noWrites
  }

  fcall(ctx: CommandContext, argv: ReadonlyArray<string>, readOnly: boolean): void | Blocked {
    // FCALL is skip_monitor: its line goes before its commands'
    this.scripting.engine.monitorFeed?.(ctx.client, ctx.command, argv, true)
    const reply = ctx.reply
    const fn = this.current.functions.get(argv[1]!.toLowerCase())
    if (fn === undefined) return reply.error("ERR Function not found")
    const numkeys = parseLongLong(argv[2]!)
    if (numkeys === undefined) return reply.error("ERR Bad number of keys provided")
    if (numkeys > argv.length - 3) return reply.error("ERR Number of keys can't be greater than number of args")
    if (numkeys < 0) return reply.error("ERR Number of keys can't be negative")
    if (!fn.flags.noWrites && readOnly) return reply.error("ERR Can not execute a script with write flag using *_ro command.")
    return this.scripting.execute(ctx, fn.name, fn.ref, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), readOnly || fn.flags.noWrites, fn.flags.allowOom || fn.flags.noWrites)
  }

  functionLoad(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    let replace = false
    let pos = 2
    while (pos < argv.length - 1) {
      const arg = argv[pos++]!
      if (arg.toLowerCase() === "replace") {
        replace = true
        continue
      }
      return ctx.reply.error(`ERR Unknown option given: ${arg}`)
    }
    if (pos >= argv.length) return ctx.reply.error("ERR Function code is missing")
    // LOAD_TIMEOUT_MS, except for what the server must obey (the AOF, a master)
    const created = this.create(argv[pos]!, replace, this.current, ctx.client.kind === "normal" ? LOAD_TIMEOUT_MS : 0)
    if ("error" in created) return ctx.reply.error(`ERR ${created.error}`)
    ctx.addDirty(1)
    ctx.forcePropagation()
    ctx.reply.bulk(created.name)
  }

  functionDelete(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    const library = this.current.libraries.get(argv[2]!)
    if (library === undefined) return ctx.reply.error("ERR Library not found")
    this.current.unlink(library)
    this.freeLibrary(library)
    ctx.addDirty(1)
    ctx.forcePropagation()
    ctx.reply.ok()
  }

  functionFlush(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    if (argv.length > 3) return subcommandSyntaxError(ctx, argv[1]!)
    if (argv.length === 3 && !["sync", "async"].includes(argv[2]!.toLowerCase())) {
      return ctx.reply.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    }
    this.flush()
    ctx.addDirty(1)
    ctx.forcePropagation()
    ctx.reply.ok()
  }

  functionList(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    let withCode = false
    let pattern: string | undefined
    for (let i = 2; i < argv.length; i++) {
      const arg = argv[i]!
      const lower = arg.toLowerCase()
      if (!withCode && lower === "withcode") {
        withCode = true
        continue
      }
      if (pattern === undefined && lower === "libraryname") {
        if (i >= argv.length - 1) return ctx.reply.error("ERR library name argument was not given")
        pattern = argv[++i]!
        continue
      }
      return ctx.reply.error(`ERR Unknown argument ${arg}`)
    }
    const libraries = [...this.current.libraries.values()].filter((library) => pattern === undefined || globMatch(pattern, library.name, true))
    const reply = ctx.reply
    reply.arrayHeader(libraries.length)
    for (const library of libraries) {
      reply.mapHeader(withCode ? 4 : 3)
      reply.bulk("library_name")
      reply.bulk(library.name)
      reply.bulk("engine")
      reply.bulk("LUA")
      reply.bulk("functions")
      reply.arrayHeader(library.functions.size)
      for (const fn of library.functions.values()) {
        reply.mapHeader(3)
        reply.bulk("name")
        reply.bulk(fn.name)
        reply.bulk("description")
        if (fn.description === undefined) reply.nullBulk()
        else reply.bulk(fn.description)
        reply.bulk("flags")
        const names = FLAGS.filter(([, field]) => fn.flags[field]).map(([name]) => name)
        reply.setHeader(names.length)
        for (const name of names) reply.simple(name)
      }
      if (withCode) {
        reply.bulk("library_code")
        reply.bulk(library.code)
      }
    }
  }

  /** FUNCTION DUMP: RDB_OPCODE_FUNCTION2 and the code of each library, the RDB version, a CRC64. */
  dump(compression: boolean): string {
    const out = new ByteBuilder(256)
    for (const library of this.current.libraries.values()) {
      out.byte(Opcode.FUNCTION2)
      writeString(out, library.code, { compression })
    }
    out.u16le(RDB_VERSION)
    const crc = new Crc64().update(out.buf, 0, out.length)
    out.bytes(crc.bytes())
    return out.buf.latin1Slice(0, out.length)
  }

  functionRestore(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    if (argv.length > 4) return subcommandSyntaxError(ctx, argv[1]!)
    let policy: "append" | "replace" | "flush" = "append"
    if (argv.length === 4) {
      const given = argv[3]!.toLowerCase()
      if (given !== "append" && given !== "replace" && given !== "flush") {
        return ctx.reply.error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
      }
      policy = given
    }
    const data = Buffer.from(argv[2]!, "latin1")
    if (!verifyPayload(data)) return ctx.reply.error("ERR DUMP payload version or checksum are wrong")
    const restored = new LibraryCtx()
    const error = this.restoreInto(data, restored)
    const discard = () => {
      for (const library of restored.libraries.values()) this.freeLibrary(library)
    }
    if (error !== undefined) {
      discard()
      return ctx.reply.error(`ERR ${error}`)
    }
    if (policy === "flush") {
      this.flush()
      this.current = restored
    } else {
      const joined = this.join(restored, policy === "replace")
      if (joined !== undefined) {
        discard()
        return ctx.reply.error(`ERR ${joined}`)
      }
    }
    ctx.addDirty(1)
    ctx.forcePropagation()
    ctx.reply.ok()
  }

  /**
   * Reads the payload's libraries into `ctx` while more than its last 10 bytes (version and checksum)
   * are left; a string may run into them, as Redis's reader over the whole payload allows.
   */
  private restoreInto(data: Buffer, ctx: LibraryCtx): string | undefined {
    const reader = new RdbReader(data, 0, data.length)
    /** rdbGenericLoadStringObject, or undefined where Redis's read fails. */
    const string = (): string | undefined => {
      try {
        return reader.string()
      } catch {
        return undefined
      }
    }
    while (data.length - reader.pos > 10) {
      const type = reader.byte()
      if (type !== Opcode.FUNCTION && type !== Opcode.FUNCTION2) return "given type is not a function"
      let payload: string
      if (type === Opcode.FUNCTION2) {
        const code = string()
        if (code === undefined) return "Failed loading library payload"
        payload = code
      } else {
        // 7.0 rc1/rc2: name, engine, optional description, code
        const name = string()
        if (name === undefined) return "Failed loading library name"
        const engine = string()
        if (engine === undefined) return "Failed loading engine name"
        let hasDescription: number
        try {
          hasDescription = reader.len()
        } catch {
          return "Failed loading library description indicator"
        }
        if (hasDescription !== 0 && string() === undefined) return "Failed loading library description"
        const blob = string()
        if (blob === undefined) return "Failed loading library blob"
        payload = `#!${engine} name=${name}\n${blob}`
      }
      const created = this.create(payload, false, ctx)
      if ("error" in created) return created.error
    }
    return undefined
  }

  /** libraryJoin: adds `src`'s libraries to the current ones; on a collision nothing changes. */
  private join(src: LibraryCtx, replace: boolean): string | undefined {
    const dst = this.current
    const replaced: Array<Library> = []
    const undo = () => {
      for (const library of replaced) dst.link(library)
    }
    for (const library of src.libraries.values()) {
      const old = dst.libraries.get(library.name)
      if (old === undefined) continue
      if (!replace) {
        undo()
        return `Library ${library.name} already exists`
      }
      dst.unlink(old)
      replaced.push(old)
    }
    for (const fn of src.functions.values()) {
      if (dst.functions.has(fn.name.toLowerCase())) {
        undo()
        return `Function ${fn.name} already exists`
      }
    }
    for (const library of src.libraries.values()) dst.link(library)
    for (const library of replaced) this.freeLibrary(library)
    return undefined
  }

  functionStats(ctx: CommandContext): void {
    // a script is seen running only while suspended past busy-reply-threshold (FUNCTION STATS is allow_busy)
    const busy = ctx.engine.busyScript
    if (busy !== undefined && busy.eval) return ctx.reply.error(Errors.BUSY_EVAL)
    const reply = ctx.reply
    reply.mapHeader(2)
    reply.bulk("running_script")
    if (busy === undefined) reply.nullBulk()
    else {
      reply.mapHeader(3)
      reply.bulk("name")
      reply.bulk(busy.name)
      reply.bulk("command")
      reply.bulkArray(busy.argv)
      reply.bulk("duration_ms")
      reply.integer(Math.floor(performance.now() - busy.startedAt))
    }
    reply.bulk("engines")
    reply.mapHeader(1)
    reply.bulk("LUA")
    reply.mapHeader(2)
    reply.bulk("libraries_count")
    reply.integer(this.current.libraries.size)
    reply.bulk("functions_count")
    let functions = 0
    for (const library of this.current.libraries.values()) functions += library.functions.size
    reply.integer(functions)
  }
}

/** luaGetStringSds: a string or a number (lua_isstring), else nothing. */
const isStringValue = (vm: LuaVm, i: number): boolean => vm.type(i) === LuaType.String || vm.type(i) === LuaType.Number

/** luaRegisterFunctionReadFlags: t[1], t[2], ... up to the first nil, each a flag name (any case). */
const readFlags = (vm: LuaVm): ScriptFlags | undefined => {
  const flags = { ...NO_FLAGS } as Record<keyof ScriptFlags, boolean>
  for (let j = 1; ; j++) {
    vm.pushNumber(j)
    vm.rawGet(-2)
    const type = vm.type(-1)
    if (type === LuaType.Nil) {
      vm.pop(1)
      return flags
    }
    if (!vm.isString(-1)) {
      vm.pop(1)
      return undefined
    }
    const given = vm.toString(-1)!.toLowerCase()
    vm.pop(1)
    const flag = FLAGS.find(([name]) => name === given)
    if (flag === undefined) return undefined
    flags[flag[1]] = true
  }
}

/** scriptKill: SCRIPT KILL (`byEval`) and FUNCTION KILL of the script suspended past busy-reply-threshold. */
export const scriptKill = (ctx: CommandContext, byEval: boolean): void => {
  const busy = ctx.engine.busyScript
  if (busy === undefined) return ctx.reply.error("NOTBUSY No scripts in execution right now.")
  const refused = busy.kill(byEval)
  if (refused !== undefined) return ctx.reply.error(refused)
  ctx.reply.ok()
}

const subcommandSyntaxError = (ctx: CommandContext, name: string): void =>
  ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${name}'. Try FUNCTION HELP.`)

const functionHelp = [
  "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "LOAD [REPLACE] <FUNCTION CODE>",
  "    Create a new library with the given library name and code.",
  "DELETE <LIBRARY NAME>",
  "    Delete the given library.",
  "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
  "    Return general information on all the libraries:",
  "    * Library name",
  "    * The engine used to run the Library",
  "    * Library description",
  "    * Functions list",
  "    * Library code (if WITHCODE is given)",
  "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
  "STATS",
  "    Return information about the current function running:",
  "    * Function name",
  "    * Command used to run the function",
  "    * Duration in MS that the function is running",
  "    If no function is running, return nil",
  "    In addition, returns a list of available engines.",
  "KILL",
  "    Kill the current running function.",
  "FLUSH [ASYNC|SYNC]",
  "    Delete all the libraries.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the libraries.",
  "    * SYNC: Synchronously flush the libraries.",
  "DUMP",
  "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
  "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
  "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
  "    control how to handle existing libraries (default APPEND):",
  "    * FLUSH: delete all existing libraries.",
  "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
  "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
  "      libraries with the new libraries (notice that even on this option there is a chance of failure",
  "      in case of functions name collision with another library).",
  "HELP",
  "    Prints this help."
]

export const functionCommands = (state: () => FunctionsState): ReadonlyArray<CommandSpec> => {
  const fcallEntry = (name: string, summary: string, readOnly: boolean) =>
    defineCommand({
      name,
      arity: -3,
      flags: `${readOnly ? "readonly " : ""}noscript stale skip_monitor no_mandatory_keys movablekeys`,
      keys: [0, 0, 0],
      acl: "@slow @scripting",
      getKeys: evalKeys,
      // FCALL is MAY_REPLICATE (not shown by COMMAND INFO) unless its function has no-writes
      mayReplicateCall: (argv) => (readOnly ? false : state().mayWrite(argv) ?? true),
      writeCall: (argv) => !readOnly && state().mayWrite(argv) === true,
      docs: { summary, since: "7.0.0", group, complexity: "Depends on the function that is executed." },
      handler: (ctx, argv) => state().fcall(ctx, argv, readOnly)
    })
  const sub = (
    name: string,
    arity: number,
    flags: string,
    acl: string,
    summary: string,
    complexity: string,
    handler: (ctx: CommandContext, argv: ReadonlyArray<string>) => void,
    tips?: string
  ) =>
    defineCommand({
      name,
      arity,
      flags,
      keys: [0, 0, 0],
      acl,
      docs: { summary, since: "7.0.0", group, complexity },
      handler,
      ...(tips === undefined ? {} : { tips })
    })
  const allShards = "request_policy:all_shards response_policy:all_succeeded"
  return [
    fcallEntry("fcall", "Invoke a function", false),
    fcallEntry("fcall_ro", "Invoke a read-only function", true),
    defineCommand({
      name: "function",
      arity: -2,
      flags: "",
      keys: [0, 0, 0],
      acl: "@slow",
      docs: { summary: "A container for function commands", since: "7.0.0", group, complexity: "Depends on subcommand." },
      subcommands: [
        sub("load", -3, "write denyoom noscript", "@write @slow @scripting", "Create a function with the given arguments (name, code, description)",
          "O(1) (considering compilation time is redundant)", (ctx, argv) => state().functionLoad(ctx, argv), allShards),
        sub("delete", 3, "write noscript", "@write @slow @scripting", "Delete a function by name", "O(1)",
          (ctx, argv) => state().functionDelete(ctx, argv), allShards),
        sub("flush", -2, "write noscript", "@write @slow @scripting", "Deleting all functions", "O(N) where N is the number of functions deleted",
          (ctx, argv) => state().functionFlush(ctx, argv), allShards),
        sub("restore", -3, "write denyoom noscript", "@write @slow @scripting", "Restore all the functions on the given payload",
          "O(N) where N is the number of functions on the payload", (ctx, argv) => state().functionRestore(ctx, argv), allShards),
        sub("dump", 2, "noscript", "@slow @scripting", "Dump all functions into a serialized binary payload", "O(N) where N is the number of functions",
          (ctx) => ctx.reply.bulk(state().dump(ctx.config.getBool("rdbcompression")))),
        sub("kill", 2, "noscript allow_busy", "@slow @scripting", "Kill the function currently in execution.", "O(1)",
          (ctx) => scriptKill(ctx, false), "request_policy:all_shards response_policy:one_succeeded"),
        sub("list", -2, "noscript", "@slow @scripting", "List information about all the functions", "O(N) where N is the number of functions",
          (ctx, argv) => state().functionList(ctx, argv), "nondeterministic_output_order"),
        sub("stats", 2, "noscript allow_busy", "@slow @scripting", "Return information about the function currently running (name, description, duration)",
          "O(1)", (ctx) => state().functionStats(ctx), "nondeterministic_output request_policy:all_shards response_policy:special"),
        sub("help", 2, "loading stale", "@slow @scripting", "Show helpful text about the different subcommands", "O(1)", (ctx) => {
          ctx.reply.arrayHeader(functionHelp.length)
          for (const line of functionHelp) ctx.reply.simple(line)
        })
      ]
    })
  ]
}

/** The commands' table entries, for what needs the names before any Layer is built. */
export const functionCommandTable: ReadonlyArray<CommandSpec> = functionCommands(() => {
  throw new Error("function commands run only as Scripting.layer contributes them")
})

