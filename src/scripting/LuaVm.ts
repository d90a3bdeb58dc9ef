/**
 * The Lua VM, behind one module: Lua 5.1.5 compiled to WebAssembly (the npm package `wasmoon-lua5.1`),
 * driven through its C API exports directly (not wasmoon's convenience layer, which costs ~10x per call
 * and converts strings as UTF-8). Strings cross as bytes: a latin1 JS string (one char per byte, as the
 * keyspace stores them) is written into wasm memory and pushed with `lua_pushlstring`, and read back
 * from `lua_tolstring`'s pointer and length. Replacing the VM means reimplementing this class.
 * See docs/SCRIPTING.md for the choice and its measurements.
 */
import { LuaApi } from "wasmoon-lua5.1"

export const LUA_REGISTRYINDEX = -10000
export const LUA_GLOBALSINDEX = -10002
export const LUA_MULTRET = -1

export const LuaType = { None: -1, Nil: 0, Boolean: 1, LightUserdata: 2, Number: 3, String: 4, Table: 5, Function: 6, Userdata: 7, Thread: 8 } as const

/** A JS function callable from Lua: reads its arguments from the stack, pushes results, returns their count. */
export type LuaJsFunction = (vm: LuaVm) => number

// The emscripten module's exports, typed for what this module uses (pointers and states are numbers).
interface Module {
  readonly HEAPU8: Uint8Array
  readonly HEAPU32: Uint32Array
  readonly HEAPU16: Uint16Array
  _malloc(size: number): number
  _free(ptr: number): void
  addFunction(fn: (...args: Array<number>) => number, signature: string): number
  [name: `_lua${string}`]: (...args: Array<number>) => number
}

let apiPromise: Promise<Module> | undefined

type Instantiate = (...args: Array<unknown>) => Promise<{ instance?: { exports: Record<string, unknown> } }>

/**
 * The emscripten module with its `_lua*` functions bound to the raw WebAssembly exports. The package is
 * an ASSERTIONS build: each of its `_lua*` wrappers takes rest arguments, asserts the runtime is up and
 * looks the export up by name on every call, a tenth of an EVALSHA's time (measured with
 * bench/engine.ts). The exports are those of the instance the package creates, seen as it is
 * instantiated; memory views, malloc and the function table stay the module's own.
 */
const loadModule = async (): Promise<Module> => {
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate: Instantiate } }).WebAssembly
  const instantiate = wasm.instantiate
  let exports: Record<string, unknown> | undefined
  wasm.instantiate = async (...args) => {
    const result = await instantiate(...args)
    if (typeof result.instance?.exports["lua_gettop"] === "function") exports = result.instance.exports
    return result
  }
  let module: Module
  try {
    module = (await LuaApi.initialize()).module as unknown as Module
  } finally {
    wasm.instantiate = instantiate
  }
  if (exports === undefined) return module
  const raw = exports
  const bound = Object.create(module) as Record<string, unknown>
  for (const name of Object.keys(module)) {
    if (!name.startsWith("_lua")) continue
    const direct = raw[name.slice(1)]
    if (typeof direct === "function") bound[name] = direct
  }
  return bound as unknown as Module
}

/** A Lua state with the base libraries loaded. One per scripting engine. */
export class LuaVm {
  /**
   * The state the API calls act on: the main state, or while a JS function runs, the thread that
   * called it (a coroutine has its own stack).
   */
  L: number
  private readonly m: Module
  private scratch: number
  private scratchSize: number
  private readonly lenPtr: number
  /** A lua_Debug record for `currentSource` (allocated on first use). */
  private debugInfo = 0
  /** luaL_checkoption's option lists in wasm memory, by identity. */
  private readonly optionLists = new Map<ReadonlyArray<string>, number>()
  /** Field names kept in wasm memory (see `name`). */
  private readonly names = new Map<string, number>()
  /** JS functions by their wasm table index, so they are registered once. */
  private readonly functions: Array<number> = []

  private constructor(module: Module) {
    this.m = module
    this.L = module._luaL_newstate!()
    this.scratchSize = 1 << 16
    this.scratch = module._malloc(this.scratchSize)
    this.lenPtr = module._malloc(8)
  }

  /** Loads the WebAssembly module (once per process) and opens a new state. */
  static async make(): Promise<LuaVm> {
    apiPromise ??= loadModule()
    return new LuaVm(await apiPromise)
  }

  close(): void {
    const m = this.m
    m._lua_close!(this.L)
    for (const p of this.names.values()) m._free(p)
    if (this.debugInfo !== 0) m._free(this.debugInfo)
    this.names.clear()
    m._free(this.scratch)
    m._free(this.lenPtr)
  }

  /** Writes a latin1 string into wasm memory (a scratch buffer grown as needed, plus a NUL), returns its pointer. */
  private bytes(s: string): number {
    const n = s.length
    if (n + 1 > this.scratchSize) {
      this.m._free(this.scratch)
      while (this.scratchSize < n + 1) this.scratchSize *= 2
      this.scratch = this.m._malloc(this.scratchSize)
    }
    const heap = this.m.HEAPU8
    const p = this.scratch
    for (let i = 0; i < n; i++) heap[p + i] = s.charCodeAt(i)
    heap[p + n] = 0
    return p
  }

  // --- the stack --------------------------------------------------------------------------------------

  getTop(): number {
    return this.m._lua_gettop!(this.L)
  }
  setTop(i: number): void {
    this.m._lua_settop!(this.L, i)
  }
  pop(n: number): void {
    this.m._lua_settop!(this.L, -n - 1)
  }
  type(i: number): number {
    return this.m._lua_type!(this.L, i)
  }
  pushNil(): void {
    this.m._lua_pushnil!(this.L)
  }
  pushNumber(n: number): void {
    this.m._lua_pushnumber!(this.L, n)
  }
  pushBoolean(b: boolean): void {
    this.m._lua_pushboolean!(this.L, b ? 1 : 0)
  }
  pushString(s: string): void {
    this.m._lua_pushlstring!(this.L, this.bytes(s), s.length)
  }
  /** A light userdata pointer (0: cjson.null's NULL). */
  pushLightUserdata(p: number): void {
    this.m._lua_pushlightuserdata!(this.L, p)
  }
  toUserdata(i: number): number {
    return this.m._lua_touserdata!(this.L, i)
  }
  /** lua_objlen (string length, table border). */
  objLen(i: number): number {
    return this.m._lua_objlen!(this.L, i)
  }
  pushValue(i: number): void {
    this.m._lua_pushvalue!(this.L, i)
  }
  /** lua_replace: pops the top into slot `i` (LUA_GLOBALSINDEX: the thread's globals table). */
  replace(i: number): void {
    this.m._lua_replace!(this.L, i)
  }
  insert(i: number): void {
    this.m._lua_insert!(this.L, i)
  }
  remove(i: number): void {
    this.m._lua_remove!(this.L, i)
  }
  checkStack(n: number): boolean {
    return this.m._lua_checkstack!(this.L, n) !== 0
  }
  /** A JS function as a Lua C function, pushed on the stack. */
  pushFunction(fn: LuaJsFunction): void {
    const index = this.m.addFunction((L: number) => {
      const outer = this.L
      this.L = L
      // a Lua error raised by `fn` unwinds through here as a JS exception (emscripten's longjmp throws a
      // number): the state is restored too. Any other JS exception (a bug, a stack overflow on a
      // deeply nested value) becomes a Lua error, so that it never unwinds through the VM's frames.
      try {
        return fn(this)
      } catch (e) {
        if (typeof e === "number" || (e instanceof Error && e.constructor.name === "RuntimeError")) throw e
        this.L = L
        this.pushString(e instanceof Error ? e.message : String(e))
        return this.error()
      } finally {
        this.L = outer
      }
    }, "ii")
    this.functions.push(index)
    this.m._lua_pushcclosure!(this.L, index, 0)
  }

  toNumber(i: number): number {
    return this.m._lua_tonumber!(this.L, i)
  }
  toBoolean(i: number): boolean {
    return this.m._lua_toboolean!(this.L, i) !== 0
  }
  /** lua_tolstring as a latin1 string (numbers are converted in place, as the C API does), or undefined. */
  toString(i: number): string | undefined {
    const m = this.m
    const p = m._lua_tolstring!(this.L, i, this.lenPtr)
    if (p === 0) return undefined
    const n = m.HEAPU32[this.lenPtr >> 2]!
    const heap = m.HEAPU8
    if (n < 64) {
      let s = ""
      for (let k = 0; k < n; k++) s += String.fromCharCode(heap[p + k]!)
      return s
    }
    return Buffer.from(heap.buffer, heap.byteOffset + p, n).toString("latin1")
  }
  /** lua_isstring: a string or a number. */
  isString(i: number): boolean {
    return this.m._lua_isstring!(this.L, i) !== 0
  }

  // --- tables -----------------------------------------------------------------------------------------

  newTable(narr = 0, nrec = 0): void {
    this.m._lua_createtable!(this.L, narr, nrec)
  }
  /**
   * A field name as a NUL-terminated string in wasm memory. The names scripts run with are few
   * (KEYS, ARGV, f_<sha>, ok, err, ...): the first 256 stay written, so each use costs a Map lookup
   * instead of a copy; any others are copied each time.
   */
  private name(k: string): number {
    const kept = this.names.get(k)
    if (kept !== undefined) return kept
    if (this.names.size >= 256 || k.length > 64) return this.bytes(k)
    const p = this.m._malloc(k.length + 1)
    const heap = this.m.HEAPU8
    for (let i = 0; i < k.length; i++) heap[p + i] = k.charCodeAt(i)
    heap[p + k.length] = 0
    this.names.set(k, p)
    return p
  }

  /** t[k] = v with t at `i`, v on top (popped). */
  setField(i: number, k: string): void {
    this.m._lua_setfield!(this.L, i, this.name(k))
  }
  getField(i: number, k: string): number {
    this.m._lua_getfield!(this.L, i, this.name(k))
    return this.type(-1)
  }
  rawGetI(i: number, n: number): number {
    this.m._lua_rawgeti!(this.L, i, n)
    return this.type(-1)
  }
  rawSetI(i: number, n: number): void {
    this.m._lua_rawseti!(this.L, i, n)
  }
  /** t[k] with t at `i`, key on top, without metamethods. */
  rawGet(i: number): number {
    this.m._lua_rawget!(this.L, i)
    return this.type(-1)
  }
  rawSet(i: number): void {
    this.m._lua_rawset!(this.L, i)
  }
  next(i: number): boolean {
    return this.m._lua_next!(this.L, i) !== 0
  }
  setMetatable(i: number): void {
    this.m._lua_setmetatable!(this.L, i)
  }
  setGlobal(name: string): void {
    this.setField(LUA_GLOBALSINDEX, name)
  }
  getGlobal(name: string): number {
    return this.getField(LUA_GLOBALSINDEX, name)
  }

  // --- running code -----------------------------------------------------------------------------------

  /** luaL_loadbuffer: 0 and the function on the stack, or an error code and the message. */
  load(code: string, chunkName: string): number {
    const m = this.m
    const name = m._malloc(chunkName.length + 1)
    const heap = m.HEAPU8
    for (let i = 0; i < chunkName.length; i++) heap[name + i] = chunkName.charCodeAt(i)
    heap[name + chunkName.length] = 0
    const result = m._luaL_loadbuffer!(this.L, this.bytes(code), code.length, name)
    m._free(name)
    return result
  }
  /** lua_call: errors propagate to the enclosing protected call. */
  call(nargs: number, nresults: number): void {
    this.m._lua_call!(this.L, nargs, nresults)
  }
  pcall(nargs: number, nresults: number, errfunc: number): number {
    return this.m._lua_pcall!(this.L, nargs, nresults, errfunc)
  }
  /** Raises the value on top of the stack as a Lua error: does not return (unwinds through wasm). */
  error(): never {
    this.m._lua_error!(this.L)
    throw new Error("lua_error returned")
  }
  /** luaL_error-like: raises `message` with the position of the calling Lua code (`luaL_where(L, 1)`). */
  raise(message: string): never {
    this.m._luaL_where!(this.L, 1)
    this.pushString(message)
    this.m._lua_concat!(this.L, 2)
    return this.error()
  }
  /**
   * luaL_argerror: "bad argument #n to 'f' (message)", with the function's name as Lua's debug info
   * gives it ('?' for a tail call), as a library written in C reports it.
   */
  argError(narg: number, message: string): never {
    this.m._luaL_argerror!(this.L, narg, this.bytes(message))
    throw new Error("luaL_argerror returned")
  }
  /** luaL_checkinteger: the argument as an integer (a number or a numeric string, truncated), or its error. */
  checkInteger(narg: number): number {
    return this.m._luaL_checkinteger!(this.L, narg)
  }
  /** luaL_checkoption with no default: the index of the argument among `options`, or its error. */
  checkOption(narg: number, options: ReadonlyArray<string>): number {
    let list = this.optionLists.get(options)
    if (list === undefined) {
      // a NULL-terminated array of C strings, kept for the state's life (option lists are constants)
      const m = this.m
      list = m._malloc(4 * (options.length + 1))
      options.forEach((option, i) => {
        const p = m._malloc(option.length + 1)
        for (let k = 0; k < option.length; k++) m.HEAPU8[p + k] = option.charCodeAt(k)
        m.HEAPU8[p + option.length] = 0
        m.HEAPU32[(list! >> 2) + i] = p
      })
      m.HEAPU32[(list >> 2) + options.length] = 0
      this.optionLists.set(options, list)
    }
    return this.m._luaL_checkoption!(this.L, narg, 0, list)
  }
  /** Loads and runs trusted setup code, throwing a JS error if it fails. */
  run(code: string, chunkName = "@vm"): void {
    if (this.load(code, chunkName) !== 0 || this.pcall(0, 0, 0) !== 0) {
      const message = this.toString(-1)
      this.pop(1)
      throw new Error(`Lua setup failed: ${message}`)
    }
  }
  // --- threads and the instruction hook (busy scripts) -------------------------------------------------

  /** lua_newthread: a new thread, left on the stack (where it is referenced from keeps it alive). */
  newThread(): number {
    return this.m._lua_newthread!(this.L)
  }
  /** lua_resume of `thread` with `nargs` arguments on its stack: 0 (returned), LUA_YIELD (1) or an error code. */
  resume(thread: number, nargs: number): number {
    return this.m._lua_resume!(thread, nargs)
  }
  /** lua_status of a thread: 0, LUA_YIELD, or the error it died of. */
  status(thread: number): number {
    return this.m._lua_status!(thread)
  }
  /** lua_xmove: `n` values from the top of `from`'s stack to `to`'s. */
  xmove(from: number, to: number, n: number): void {
    this.m._lua_xmove!(from, to, n)
  }
  /** Pushes `thread` itself on the current stack (lua_pushthread on it, then moved over). */
  pushThread(thread: number): void {
    this.m._lua_pushthread!(thread)
    this.m._lua_xmove!(thread, this.L, 1)
  }
  /** A JS function usable as a lua_Hook (called with the thread it fires in); registered once. */
  makeHook(fn: (thread: number) => void): number {
    return this.m.addFunction((thread: number) => {
      const outer = this.L
      this.L = thread
      try {
        fn(thread)
        return 0
      } finally {
        this.L = outer
      }
    }, "vii")
  }
  /** lua_sethook on `thread`: LUA_MASKCOUNT (8) every `count` instructions, LUA_MASKLINE (4), or 0 to remove. */
  setHook(thread: number, hook: number, mask: number, count: number): void {
    this.m._lua_sethook!(thread, mask === 0 ? 0 : hook, mask, count)
  }
  /**
   * Whether a hook firing in `thread` may yield it: no C call (pcall, a metamethod, a library function
   * calling back into Lua) between its resume and the running code, i.e. lua_State's nCcalls equals
   * its baseCcalls (Lua 5.1.5 on wasm32: the unsigned shorts at offsets 52 and 54), as lua_yield
   * requires.
   */
  canYield(thread: number): boolean {
    const heap = this.m.HEAPU16 as unknown as Uint16Array
    return heap[(thread + 52) >> 1] === heap[(thread + 54) >> 1]
  }
  /**
   * The `source` of the function running at level 0 of `thread` (lua_getstack + lua_getinfo "S"), as
   * "@chunkname" for a loaded chunk, "=[C]" for a C function; undefined when nothing runs.
   */
  currentSource(thread: number): string | undefined {
    const m = this.m
    // a lua_Debug for the wasm32 build: event, name, namewhat, what, source (offset 16), ...
    this.debugInfo ||= m._malloc(128)
    if (m._lua_getstack!(thread, 0, this.debugInfo) === 0) return undefined
    m._lua_getinfo!(thread, this.name("S"), this.debugInfo)
    const p = m.HEAPU32[(this.debugInfo + 16) >> 2]!
    if (p === 0) return undefined
    const heap = m.HEAPU8
    let s = ""
    for (let i = p; heap[i] !== 0 && i < p + 64; i++) s += String.fromCharCode(heap[i]!)
    return s
  }
  /** lua_rawequal: the values at `a` and `b` are primitively equal. */
  rawEqual(a: number, b: number): boolean {
    return this.m._lua_rawequal!(this.L, a, b) !== 0
  }
  /** lua_iscfunction: a C function (a JS one included) at stack index `i`. */
  isCFunction(i: number): boolean {
    return this.m._lua_iscfunction!(this.L, i) !== 0
  }
  /**
   * From a JS function: pushes the name and namewhat (lua_getinfo "n") of the Lua function that called
   * it, as its own caller named it (nil and "" when unknown, as for a tail call); returns 2.
   */
  pushCallerName(): number {
    const m = this.m
    this.debugInfo ||= m._malloc(128)
    if (m._lua_getstack!(this.L, 1, this.debugInfo) === 0) {
      this.pushNil()
      this.pushString("")
      return 2
    }
    m._lua_getinfo!(this.L, this.name("n"), this.debugInfo)
    const text = (offset: number): string | undefined => {
      const p = m.HEAPU32[(this.debugInfo + offset) >> 2]!
      if (p === 0) return undefined
      const heap = m.HEAPU8
      let s = ""
      for (let i = p; heap[i] !== 0 && i < p + 256; i++) s += String.fromCharCode(heap[i]!)
      return s
    }
    // lua_Debug on wasm32: event, name (offset 4), namewhat (offset 8), ...
    const name = text(4)
    if (name === undefined) this.pushNil()
    else this.pushString(name)
    this.pushString(text(8) ?? "")
    return 2
  }
  /** lua_tothread: the thread at stack index `i`, 0 if it is not one. */
  toThread(i: number): number {
    return this.m._lua_tothread!(this.L, i)
  }
  /** lua_yield from a hook: the thread stops at the current instruction; lua_resume returns LUA_YIELD. */
  yieldFromHook(thread: number): void {
    this.m._lua_yield!(thread, 0)
  }

  /** lua_gc(LUA_GCCOUNT) in KB plus the remainder, as bytes. */
  memoryUsed(): number {
    return this.m._lua_gc!(this.L, 3, 0) * 1024 + this.m._lua_gc!(this.L, 4, 0)
  }
  collectGarbage(): void {
    this.m._lua_gc!(this.L, 2, 0)
  }
  openLibraries(): void {
    this.m._luaL_openlibs!(this.L)
  }
}
