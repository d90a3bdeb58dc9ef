/**
 * The Lua-written table.sort, string.gsub, table.foreach(i) (src/scripting/yieldable.ts) against the C
 * functions of the same Lua 5.1.5 state they replace: for random inputs and callbacks (consistent,
 * inconsistent, mutating the table, raising, returning false/nil/numbers/tables), the same results,
 * the same error messages and the same sequence of callback calls with the same arguments.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LuaVm } from "../../src/scripting/LuaVm.ts"
import { installYieldableLibrary, stripLineInfo } from "../../src/scripting/yieldable.ts"

const DRIVER = `
local csort, cgsub, cforeach, cforeachi = ...
local concat, tostring, pcall, select = table.concat, tostring, pcall, select
local lsort, lgsub, lforeach, lforeachi = table.sort, string.gsub, table.foreach, table.foreachi
local function show(ok, ...)
  local out = {tostring(ok)}
  for i = 1, select('#', ...) do out[#out + 1] = tostring((select(i, ...))) end
  return concat(out, ';')
end
local comparators = {
  lt = function(a, b) return a < b end,
  gt = function(a, b) return a > b end,
  le = function(a, b) return a <= b end,
  always = function() return true end,
  never = function() return false end,
  mod = function(a, b) return a % 3 < b % 3 end,
  chaos = function(a, b) return (a * 7 + b * 13) % 5 < 2 end,
  raise = function(a, b) if a == 3 then error('three') end return a < b end,
  raise2 = function(a, b) return a < b end,
}
function sort_case(sort, arr, mode)
  sort = _G[sort]
  local t = {}
  for i = 1, #arr do t[i] = arr[i] end
  local log, calls = {}, 0
  local cmp = comparators[mode]
  local logged = function(a, b)
    calls = calls + 1
    log[#log + 1] = tostring(a) .. ':' .. tostring(b)
    -- level 2 names the caller of the comparator: the sort itself (C, or the chunk without line info)
    if mode == 'raise2' and a + b == 7 then error('seven', 2) end
    if mode == 'mutate' then
      if calls == 4 then t[#t] = -1 end
      return a < b
    end
    return cmp(a, b), 'extra'
  end
  if mode == 'mutate' then cmp = nil end
  local result = show(pcall(sort, t, logged))
  return result .. '|' .. concat(t, ',') .. '|' .. concat(log, ',')
end
local replacements = {
  concat = function(...) local n = select('#', ...) local out = {} for i = 1, n do out[i] = tostring((select(i, ...))) end return '<' .. concat(out, '|') .. '>' end,
  falsy = function(x) if x == 'a' then return false end return nil end,
  number = function(...) return select('#', ...) + 0.5 end,
  table = function(x) if x == 'b' then return {} end return 'T' end,
  boolean = function(x) return x == 'b' end,
  raise = function(x) if x == '1' then error('one') end return 'R' end,
  raise2 = function() return 'S' end,
}
function gsub_case(gsub, s, p, mode, n)
  gsub = _G[gsub]
  local log = {}
  local repl = replacements[mode]
  local logged = function(...)
    local parts = {}
    for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
    log[#log + 1] = concat(parts, '/')
    if mode == 'raise2' and parts[1] == 'b' then error('bee', 2) end
    return repl(...)
  end
  local result
  if n == nil then result = show(pcall(gsub, s, p, logged)) else result = show(pcall(gsub, s, p, logged, n)) end
  return result .. '|' .. concat(log, ',')
end
function foreach_case(foreach, arr, stop)
  foreach = _G[foreach]
  local t = {}
  for i = 1, #arr do t[i] = arr[i] end
  local log = {}
  local result = show(pcall(foreach, t, function(k, v) log[#log + 1] = tostring(k) .. '=' .. tostring(v) if v == stop then return v end end))
  return result .. '|' .. concat(log, ',')
end
return lsort, lgsub, lforeach, lforeachi
`

let vm: LuaVm

/** Calls global `fn` with string/number/nil arguments, returns its string result. */
const call = (fn: string, ...args: ReadonlyArray<string | number | undefined | ReadonlyArray<number>>): string => {
  vm.setTop(0)
  vm.getGlobal(fn)
  for (const arg of args) {
    if (arg === undefined) vm.pushNil()
    else if (typeof arg === "number") vm.pushNumber(arg)
    else if (typeof arg === "string") vm.pushString(arg)
    else {
      vm.newTable()
      arg.forEach((v, i) => {
        vm.pushNumber(v)
        vm.rawSetI(-2, i + 1)
      })
    }
  }
  if (vm.pcall(args.length, 1, 0) !== 0) throw new Error(vm.toString(-1))
  const out = vm.toString(-1)!
  vm.setTop(0)
  return out
}

beforeAll(async () => {
  vm = await LuaVm.make()
  vm.openLibraries()
  // the C functions, kept before the Lua-written ones replace them
  vm.run("__c = {table.sort, string.gsub, table.foreach, table.foreachi}", "@setup")
  installYieldableLibrary(vm)
  vm.run(`csort, cgsub, cforeach, cforeachi = unpack(__c)`, "@setup")
  if (vm.load(DRIVER, "@driver") !== 0) throw new Error(vm.toString(-1))
  for (const name of ["csort", "cgsub", "cforeach", "cforeachi"]) vm.getGlobal(name)
  vm.call(4, 4)
  vm.setGlobal("lforeachi")
  vm.setGlobal("lforeach")
  vm.setGlobal("lgsub")
  vm.setGlobal("lsort")
})

afterAll(() => vm?.close())

const PIECES = ["a", "b", "1", ".", "%a", "%d", "%s", "(", ")", "()", "*", "+", "-", "?", "[ab]", "[^a]", "^", "$", "%b()", "%f[%w]", "%1", "%", "[", "%2"]
const pattern = fc.array(fc.constantFrom(...PIECES), { maxLength: 5 }).map((p) => p.join(""))
const subject = fc.array(fc.constantFrom("a", "b", "1", " ", "(", ")", "2"), { maxLength: 12 }).map((s) => s.join(""))

describe("the Lua-written library functions equal the C ones (Lua 5.1.5)", () => {
  it("table.sort with a comparator: same order of comparisons, same result, same errors", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -4, max: 12 }), { maxLength: 60 }),
        fc.constantFrom("lt", "gt", "le", "always", "never", "mod", "chaos", "raise", "raise2", "mutate"),
        (arr, mode) => {
          expect(call("sort_case", "lsort", arr, mode)).toBe(call("sort_case", "csort", arr, mode))
        }
      ),
      { numRuns: 1500 }
    )
  })

  it("an inconsistent comparator raises 'invalid order function for sorting' where C raises it", () => {
    const arr = Array.from({ length: 100 }, (_, i) => ((i + 1) * 37) % 101)
    const c = call("sort_case", "csort", arr, "always")
    expect(c).toMatch(/^false;invalid order function for sorting\|/)
    expect(call("sort_case", "lsort", arr, "always")).toBe(c)
  })

  it("string.gsub with a function: same result, count, captures given, errors", () => {
    fc.assert(
      fc.property(
        subject,
        pattern,
        fc.constantFrom("concat", "falsy", "number", "table", "boolean", "raise", "raise2"),
        fc.option(fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double({ min: -3, max: 8, noNaN: true })), { nil: undefined }),
        (s, p, mode, n) => {
          expect(call("gsub_case", "lgsub", s, p, mode, n)).toBe(call("gsub_case", "cgsub", s, p, mode, n))
        }
      ),
      { numRuns: 3000 }
    )
  })

  it("table.foreach and table.foreachi: same calls and early returns", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 20 }), fc.integer({ min: 0, max: 12 }), (arr, stop) => {
        expect(call("foreach_case", "lforeach", arr, stop)).toBe(call("foreach_case", "cforeach", arr, stop))
        expect(call("foreach_case", "lforeachi", arr, stop)).toBe(call("foreach_case", "cforeachi", arr, stop))
      }),
      { numRuns: 500 }
    )
  })

  it("stripLineInfo keeps a chunk loadable and refuses what is not a Lua 5.1 chunk", () => {
    expect(() => stripLineInfo("return 1")).toThrow(/not a Lua 5.1 chunk/)
    vm.setTop(0)
    expect(vm.load("local a, b = ... return function() return a + b end", "@t")).toBe(0)
    vm.getGlobal("string")
    vm.getField(-1, "dump")
    vm.pushValue(-3)
    vm.call(1, 1)
    const stripped = stripLineInfo(vm.toString(-1)!)
    vm.setTop(0)
    expect(vm.load(stripped, "@t")).toBe(0)
    vm.pushNumber(2)
    vm.pushNumber(3)
    vm.call(2, 1)
    vm.call(0, 1)
    expect(vm.toNumber(-1)).toBe(5)
    vm.setTop(0)
  })
})
