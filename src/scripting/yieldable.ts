/**
 * Yieldable versions, written in Lua, of the library functions that call back into Lua: table.sort
 * with a comparator, string.gsub with a function replacement, table.foreach and table.foreachi. A
 * callback run by a C function cannot be suspended (Lua 5.1 has no lua_callk), so a script looping in
 * one would hold the server until it ends; these run the callback from Lua, where the count hook may
 * yield (see docs/SCRIPTING.md, "Busy scripts").
 *
 * Only a Lua function as the callback takes the Lua path; everything else (no comparator, a string or
 * table replacement, a C function, bad arguments) goes to the C function, under the C pcall, and its
 * own errors are raised again as the C function raises them from the caller's frame (luaL_where(L, 1):
 * the caller's `user_script:N:`, the argument numbering and the function's name as the caller named it).
 *
 * The Lua path follows Lua 5.1.5 exactly: ltablib.c's auxsort (the same comparisons in the same order,
 * the same result for inconsistent comparators, "invalid order function for sorting"), lstrlib.c's
 * str_gsub/add_value (matching at each position with the C string.find anchored there: the same
 * matcher, captures, position captures and pattern errors; anchors, empty matches, the max-n argument,
 * false/nil keeping the match, "invalid replacement value (a table)", the count).
 *
 * The chunk is loaded with its debug information stripped (`stripLineInfo`, as `luac -s`): its frames
 * then have no current line, as a C function has none, so an `error(msg, 2)` in a callback gets no position (as
 * under the C function) and the chunk's own errors name the caller's line through `error(msg, level)`.
 * Its source is "@lualib": the error conversion and the kill hook skip its frames.
 */
import { type LuaVm, LuaType } from "./LuaVm.ts"

export const LUALIB_SOURCE = "@lualib"

const LUALIB = `
local helpers = __lualib_helpers
__lualib_helpers = nil
local is_lua_function, call_name = helpers[1], helpers[2]
local c_sort, c_gsub, c_foreach, c_foreachi = table.sort, string.gsub, table.foreach, table.foreachi
local c_pcall, error, type, rawget, rawset, next, tostring, select = pcall, error, type, rawget, rawset, next, tostring, select
local find, sub, byte, match, format, concat, floor = string.find, string.sub, string.byte, string.match, string.format, table.concat, math.floor

-- what a C library function raises itself, from its own frame (luaL_error, luaL_argerror): under the
-- C pcall it has no position and no name; raised again from the caller's frame as the C function
-- would (level 3: fail, the wrapper, its caller), with the name and numbering its caller gives
local OWN = { "invalid capture index", "invalid pattern capture", "malformed pattern", "unfinished capture",
  "missing '[' after '%f' in pattern", "too many captures", "invalid replacement value", "invalid order function for sorting" }
local function fail(e, name, namewhat)
  if type(e) == 'string' then
    local narg, rest = match(e, "^bad argument #(%d+) to '%?' (.*)$")
    if narg then
      narg = narg + 0
      if namewhat == 'method' then
        narg = narg - 1
        if narg == 0 then error(format("calling '%s' on bad self %s", name or '?', rest), 3) end
      end
      error(format("bad argument #%d to '%s' %s", narg, name or '?', rest), 3)
    end
    for k = 1, #OWN do
      local own = OWN[k]
      if sub(e, 1, #own) == own then error(e, 3) end
    end
  end
  error(e, 0)
end

-- ltablib.c auxsort; lvl is the caller of table.sort's level, for luaL_error's position
local function auxsort(t, comp, l, u, lvl)
  while l < u do
    local a, b = rawget(t, l), rawget(t, u)
    if comp(b, a) then rawset(t, l, b) rawset(t, u, a) end
    if u - l == 1 then break end
    local i = floor((l + u) / 2)
    local ai, al = rawget(t, i), rawget(t, l)
    if comp(ai, al) then
      rawset(t, i, al) rawset(t, l, ai)
    else
      local au = rawget(t, u)
      if comp(au, ai) then rawset(t, i, au) rawset(t, u, ai) end
    end
    if u - l == 2 then break end
    local p = rawget(t, i)
    rawset(t, i, rawget(t, u - 1)) rawset(t, u - 1, p)
    local j
    i, j = l, u - 1
    while true do
      i = i + 1
      local vi = rawget(t, i)
      while comp(vi, p) do
        if i > u then error("invalid order function for sorting", lvl) end
        i = i + 1
        vi = rawget(t, i)
      end
      j = j - 1
      local vj = rawget(t, j)
      while comp(p, vj) do
        if j < l then error("invalid order function for sorting", lvl) end
        j = j - 1
        vj = rawget(t, j)
      end
      if j < i then break end
      rawset(t, i, vj) rawset(t, j, vi)
    end
    local y, z = rawget(t, u - 1), rawget(t, i)
    rawset(t, u - 1, z) rawset(t, i, y)
    if i - l < u - i then
      j = l i = i - 1 l = i + 2
    else
      j = i + 1 i = u u = j - 2
    end
    auxsort(t, comp, j, i, lvl + 1)
  end
end

table.sort = function(...)
  local t, comp = ...
  if type(t) == 'table' and type(comp) == 'function' and is_lua_function(comp) then
    auxsort(t, comp, 1, #t, 3)
    return
  end
  local ok, e = c_pcall(c_sort, ...)
  if not ok then fail(e, call_name()) end
end

-- add_value for a function: the callback's value for the match s[src..en] (its captures, or the
-- whole match), the match itself for false or nil; nil and the type name for anything else
local function apply(repl, s, src, en, ...)
  local r
  if select('#', ...) == 0 then r = repl(sub(s, src, en)) else r = repl(...) end
  if not r then return sub(s, src, en) end
  local tr = type(r)
  if tr == 'string' or tr == 'number' then return r end
  return nil, tr
end
local function replace_at(repl, s, src, ok, st, en, ...)
  if not ok then return false, st end
  if st == nil then return true end
  local r, bad = apply(repl, s, src, en, ...)
  return true, en, r, bad
end

string.gsub = function(...)
  local s, p, repl, max = ...
  local ts, tp = type(s), type(p)
  if type(repl) == 'function' and (ts == 'string' or ts == 'number') and (tp == 'string' or tp == 'number')
    and (max == nil or (type(max) == 'number' and max >= -2147483648 and max < 2147483648)) and is_lua_function(repl) then
    if ts == 'number' then s = tostring(s) end
    if tp == 'number' then p = tostring(p) end
    local srcl = #s
    local max_s = srcl + 1
    if max ~= nil then max_s = max >= 0 and floor(max) or -floor(-max) end
    local anchor = byte(p, 1) == 94
    if anchor then p = sub(p, 2) end
    local pat = '^' .. p
    local src, n, parts, np = 1, 0, {}, 0
    while n < max_s do
      -- lstrlib.c match at src: string.find anchored there (its errors are the matcher's)
      local ok, en, r, bad = replace_at(repl, s, src, c_pcall(find, s, pat, src))
      if not ok then error(en, 2) end
      if en ~= nil then
        n = n + 1
        if bad then error(format("invalid replacement value (a %s)", bad), 2) end
        np = np + 1
        parts[np] = r
      end
      if en ~= nil and en >= src then
        src = en + 1
      elseif src <= srcl then
        np = np + 1
        parts[np] = sub(s, src, src)
        src = src + 1
      else
        break
      end
      if anchor then break end
    end
    np = np + 1
    parts[np] = sub(s, src)
    return concat(parts, '', 1, np), n
  end
  local ok, r, n = c_pcall(c_gsub, ...)
  if not ok then fail(r, call_name()) end
  return r, n
end

table.foreachi = function(...)
  local t, f = ...
  if type(t) == 'table' and type(f) == 'function' and is_lua_function(f) then
    for i = 1, #t do
      local r = f(i, rawget(t, i))
      if r ~= nil then return r end
    end
    return
  end
  local ok, r = c_pcall(c_foreachi, ...)
  if not ok then fail(r, call_name()) end
  return r
end

table.foreach = function(...)
  local t, f = ...
  if type(t) == 'table' and type(f) == 'function' and is_lua_function(f) then
    local k, v = next(t)
    while k ~= nil do
      local r = f(k, v)
      if r ~= nil then return r end
      k, v = next(t, k)
    end
    return
  end
  local ok, r = c_pcall(c_foreach, ...)
  if not ok then fail(r, call_name()) end
  return r
end
`

/**
 * A Lua 5.1 binary chunk (lua_dump's output) without its debug information, as `luac -s` writes it:
 * every function's line info, local names and upvalue names emptied (luaG_checkcode allows
 * sizelineinfo 0). The source name (the main function's) is kept.
 */
export const stripLineInfo = (chunk: string): string => {
  if (chunk.charCodeAt(0) !== 27 || chunk.slice(1, 4) !== "Lua" || chunk.charCodeAt(4) !== 0x51) throw new Error("not a Lua 5.1 chunk")
  const little = chunk.charCodeAt(6) === 1
  const sizeInt = chunk.charCodeAt(7)
  const sizeT = chunk.charCodeAt(8)
  const sizeInstruction = chunk.charCodeAt(9)
  const sizeNumber = chunk.charCodeAt(10)
  let pos = 12
  let out = ""
  let copied = 0
  const integer = (size: number): number => {
    if (pos + size > chunk.length) throw new Error("unexpected Lua chunk layout")
    let n = 0
    for (let k = 0; k < size; k++) {
      const b = chunk.charCodeAt(little ? pos + size - 1 - k : pos + k)
      n = n * 256 + b
    }
    pos += size
    return n
  }
  const string = (): void => {
    const n = integer(sizeT)
    pos += n
  }
  const fn = (): void => {
    string()
    integer(sizeInt)
    integer(sizeInt)
    pos += 4
    const code = integer(sizeInt)
    pos += code * sizeInstruction
    const constants = integer(sizeInt)
    for (let k = 0; k < constants; k++) {
      const type = chunk.charCodeAt(pos++)
      if (type === LuaType.Boolean) pos += 1
      else if (type === LuaType.Number) pos += sizeNumber
      else if (type === LuaType.String) string()
    }
    const protos = integer(sizeInt)
    for (let k = 0; k < protos; k++) fn()
    const debugInfo = pos
    const lines = integer(sizeInt)
    pos += lines * sizeInt
    const locals = integer(sizeInt)
    for (let k = 0; k < locals; k++) {
      string()
      integer(sizeInt)
      integer(sizeInt)
    }
    const upvalues = integer(sizeInt)
    for (let k = 0; k < upvalues; k++) string()
    // no line info, no local or upvalue names (as `luac -s`): less memory, and no current line
    out += chunk.slice(copied, debugInfo) + "\0".repeat(3 * sizeInt)
    copied = pos
  }
  fn()
  if (pos !== chunk.length) throw new Error("unexpected Lua chunk layout")
  return out + chunk.slice(copied)
}

/**
 * Installs the yieldable table.sort, string.gsub, table.foreach and table.foreachi on a state whose
 * libraries are open and whose `pcall` is still the C one (before the globals are locked).
 */
export const installYieldableLibrary = (vm: LuaVm): void => {
  vm.newTable()
  vm.pushFunction((vm) => {
    vm.pushBoolean(vm.type(1) === LuaType.Function && !vm.isCFunction(1))
    return 1
  })
  vm.rawSetI(-2, 1)
  vm.pushFunction((vm) => vm.pushCallerName())
  vm.rawSetI(-2, 2)
  vm.setGlobal("__lualib_helpers")
  if (vm.load(LUALIB, LUALIB_SOURCE) !== 0) throw new Error(`Lua setup failed: ${vm.toString(-1)}`)
  vm.getGlobal("string")
  vm.getField(-1, "dump")
  vm.pushValue(-3)
  vm.call(1, 1)
  const stripped = stripLineInfo(vm.toString(-1)!)
  vm.pop(3)
  vm.run(stripped, LUALIB_SOURCE)
}
