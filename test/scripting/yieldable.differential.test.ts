/**
 * table.sort with a comparator, string.gsub with a function replacement, table.foreach(i) (written in
 * Lua here so that their callbacks can be suspended) against a real redis-server: examples of every
 * path and error (positions included), random arrays and comparators, random subjects, patterns and
 * replacements, byte for byte; and busy callbacks (past busy-reply-threshold) that other clients see
 * as BUSY and that SCRIPT KILL ends, as in Redis.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { type Command, describeDifferential } from "../support/differential.ts"
import { busyRun } from "./busy-support.ts"

const EXAMPLES: ReadonlyArray<string> = [
  "local t = {3,1,2} table.sort(t, function(a, b) return a > b end) return t",
  "local t = {} for i = 1, 100 do t[i] = (i * 37) % 101 end table.sort(t, function(a, b) return true end) return t",
  "local t = {}\nfor i = 1, 100 do t[i] = i % 7 end\ntable.sort(t, function(a, b) return a <= b end)\nreturn t",
  "local t = {3,1,2}\ntable.sort(t, function(a, b)\n error('boom', 2) end)\nreturn t",
  "local t = {3,1,2}\ntable.sort(t, function(a, b)\n error('boom') end)\nreturn t",
  "local t = {3,1,2}\ntable.sort(t, function(a, b)\n return a.x < b end)\nreturn t",
  "local t = {'b','a','c'} table.sort(t) return t",
  "local t = {3,'a'} table.sort(t) return t",
  "local t = {1,2,3} table.sort(t, 5) return t",
  "local t = {3,1,2} table.sort(t, rawequal) return t",
  "return {table.sort()}",
  "return {table.sort(nil, function() end)}",
  "local ok, e = pcall(table.sort, {3,2,1}, function(a, b) return true end) return {tostring(ok), e}",
  "local t = {5,4,3,2,1} local ok, e = pcall(function() table.sort(t, function(a, b) return a < b end) end) return {tostring(ok), t}",
  "return {string.gsub('hello', 'l', function(a)\n return {} end)}",
  "local r = string.gsub('hello', 'l', function(a) return true end) return r",
  "return {string.gsub('hello', '(l', function(a) return 'x' end)}",
  "return {string.gsub('hello world', '(o)()', function(a, p) return a .. p end)}",
  "return {string.gsub('hello world', '', function() return '-' end)}",
  "return {string.gsub('hello world', '^h', function(x) return 'H' end)}",
  "return {string.gsub('hello hello', '^', function(x) return '>' end)}",
  "return {string.gsub('abc', '%w*', function(x) return '<' .. x .. '>' end)}",
  "return {string.gsub('abc abc', '%w+', function(x) if x == 'abc' then return false end end, 1)}",
  "return {string.gsub('hello', 'l', function(a) return 1.5 end, 1.9)}",
  "return {string.gsub('hello', 'l', function(a) return nil end, '1')}",
  "return {string.gsub(12345, 3, function(a) return 'x' end)}",
  "return {('hello'):gsub('l', function(a) return 1 end, -1)}",
  "return {('hello'):gsub()}",
  "return {('hello'):gsub('x')}",
  "return {('hello'):gsub('x', function() end, 'z')}",
  "return {string.gsub()}",
  "local g = string.gsub return {g('x', 'x', 5, {})}",
  "return {string.gsub('x', 'x', function() error('in cb', 2) end)}",
  "return {string.gsub('x', 'x', function() error('in cb') end)}",
  "return {string.gsub('abc', 'b', '%2')}",
  "return {string.gsub('abc', '%', function() end)}",
  "return {string.gsub('abc', '[a', function() end)}",
  "return {string.gsub('THE (quick) fox', '%f[%a]%a+', function(w) return w:lower() end)}",
  "return {string.gsub('x = (a(b)c)', '%b()', function(b) return '[' .. b .. ']' end)}",
  "return {string.gsub('abc', '', function() end)}",
  "return {table.foreachi({5,6,7}, function(i, v) if i == 2 then return v end end)}",
  "return {table.foreach({a=1}, function(k, v) return k .. v end)}",
  "return {table.foreach({a=1}, 1)}",
  "return {table.foreachi(nil, function() end)}",
  "return {table.foreachi({1,2}, function(i, v) error('at ' .. i, 2) end)}"
]

const COMPARATORS = [
  "return a < b",
  "return a > b",
  "return a <= b",
  "return (a % 3) < (b % 3)",
  "return (a * 7 + b * 13) % 5 < 2",
  "return true",
  "return false",
  "if a == 5 then error('five') end return a < b",
  "calls = calls + 1 if calls == 7 then t[#t] = 0 end return a < b"
]

const PIECES = ["a", "b", "1", ".", "%a", "%d", "(", ")", "()", "*", "+", "-", "?", "[ab]", "[^a]", "^", "$", "%b()", "%f[%w]", "%1", "%"]
const REPLACEMENTS = [
  "local out = {} for i = 1, select('#', ...) do out[i] = tostring((select(i, ...))) end return '<' .. table.concat(out, '|') .. '>'",
  "local x = ... if x == 'a' then return false end return nil",
  "return select('#', ...) + 0.25",
  "local x = ... if x == 'b' then return {} end return 'T'",
  "local x = ... if x == '1' then error('one') end return 'R'"
]

const luaString = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

describeDifferential("the Lua-written table.sort and string.gsub against Redis", (servers) => {
  const same = async (command: Command) => {
    const { ours, theirs } = servers()
    const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)])
    expect(a.raw, command.join(" ")).toBe(b.raw)
    return a.raw
  }

  it("examples of every path and error, positions included", async () => {
    for (const body of EXAMPLES) await same(["EVAL", body, "0"])
  })

  it("random arrays and comparators sort (or fail) as in Redis", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 40 }), fc.constantFrom(...COMPARATORS), async (arr, cmp) => {
        await same(["EVAL", `local t = {${arr.join(",")}} local calls = 0\ntable.sort(t, function(a, b)\n${cmp} end)\nreturn t`, "0"])
      }),
      { numRuns: 120 }
    )
  })

  it("random subjects, patterns and function replacements give Redis's result, count and errors", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "b", "1", " ", "(", ")"), { maxLength: 10 }).map((s) => s.join("")),
        fc.array(fc.constantFrom(...PIECES), { maxLength: 4 }).map((p) => p.join("")),
        fc.constantFrom(...REPLACEMENTS),
        fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }),
        async (s, p, repl, n) => {
          const max = n === undefined ? "" : `, ${n}`
          await same(["EVAL", `local r, c = string.gsub(${luaString(s)}, ${luaString(p)}, function(...)\n${repl} end${max})\nreturn {r, c}`, "0"])
        }
      ),
      { numRuns: 150 }
    )
  })
})

const THRESHOLD = "100"

const KILLED = /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: \w{40}, on @user_script:\d+\.\r\n$/

describeDifferential(
  "busy callbacks of table.sort, string.gsub, table.foreachi against Redis",
  (servers) => {
    const compare = async (body: string, during: ReadonlyArray<Command> = [["GET", "x"], ["SCRIPT", "KILL"]]) => {
      const { server, oracle } = servers()
      const script = ["EVAL", body, "0"]
      const [ours, theirs] = await Promise.all([busyRun(server.port, [], script, during), busyRun(oracle.port, [], script, during)])
      expect(ours).toEqual(theirs)
      return ours
    }

    it("a comparator looping forever in table.sort: BUSY for others, SCRIPT KILL ends it", async () => {
      const replies = await compare("local t = {} for i = 1, 50 do t[i] = i end\ntable.sort(t, function(a, b)\n  while true do end\nend)")
      expect(replies[0]).toMatch(/^-BUSY/)
      expect(replies.at(-2)).toMatch(KILLED)
    })

    it("a slow but short comparator over a big array, killed between comparisons", async () => {
      const replies = await compare("local t = {} for i = 1, 20000 do t[i] = (i * 7919) % 20011 end\ntable.sort(t, function(a, b)\n  local x = 0 for k = 1, 200 do x = x + k end\n  return a < b\nend)")
      expect(replies.at(-2)).toMatch(KILLED)
    })

    it("a string.gsub callback looping forever, and one under pcall", async () => {
      expect((await compare("return string.gsub('abc', '%w', function(c)\n  while true do end\nend)")).at(-2)).toMatch(KILLED)
      expect((await compare("local ok, e = pcall(string.gsub, 'abc', '%w', function(c)\n  while true do end\nend)\nreturn e")).at(-2)).toMatch(KILLED)
    })

    it("a table.foreachi callback looping forever", async () => {
      expect((await compare("table.foreachi({1, 2}, function(i, v)\n  while true do end\nend)")).at(-2)).toMatch(KILLED)
    })

    it("a slow comparator that ends: its reply once suspended and resumed", async () => {
      await compare(
        "local t = {} for i = 1, 3000 do t[i] = (i * 7919) % 3001 end\ntable.sort(t, function(a, b)\n  local x = 0 for k = 1, 6000 do x = x + k end\n  return a > b\nend)\nreturn {t[1], t[2], t[3000]}",
        [["GET", "x"]]
      )
    })
  },
  { config: { "busy-reply-threshold": THRESHOLD }, oracleArgs: ["--busy-reply-threshold", THRESHOLD] }
)
