/** Example cjson scripts for the differential test: encode and decode of every type, errors. */
import type { Command } from "../support/differential.ts"

const ev = (body: string): Command => ["EVAL", body, "0"]

export const cjsonExamples: ReadonlyArray<Command> = [
  ev("return cjson.encode({1, 2, 3})"),
  ev("return cjson.encode({a = 1})"),
  ev("return cjson.encode({})"),
  ev("return cjson.encode('a/b\"c\\\\d\\n\\t\\1\\127\\200')"),
  ev("return cjson.encode(1/3)"),
  ev("return cjson.encode(1e20)"),
  ev("return cjson.encode(123456789012345678)"),
  ev("return cjson.encode(-0.5)"),
  ev("return cjson.encode(true)"),
  ev("return cjson.encode(nil)"),
  ev("return cjson.encode(cjson.null)"),
  ev("return cjson.encode({1, nil, 3})"),
  ev("local t = {} t[20] = 1 return cjson.encode(t)"),
  ev("local t = {} t[10] = 1 return cjson.encode(t)"),
  ev("return cjson.encode({[1.5] = 1})"),
  ev("return cjson.encode({[true] = 1})"),
  ev("return cjson.encode(function() end)"),
  ev("return cjson.encode(0/0)"),
  ev("return cjson.encode(1/0)"),
  ev("return cjson.encode({x = {y = {1, {z = 'w'}}}})"),
  ev("return cjson.encode()"),
  ev("return cjson.decode('[1, 2, \"x\", true, false]')"),
  ev("return cjson.decode('{\"a\": [1, 2]}').a"),
  ev("return cjson.decode('1.5')"),
  ev("return tostring(cjson.decode('1e2'))"),
  ev("return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\\\\n\"')"),
  ev("return cjson.decode('null') == cjson.null"),
  ev("return type(cjson.decode('{\"a\": null}').a)"),
  ev("return cjson.decode('[1, 2')"),
  ev("return cjson.decode('{\"a\" 1}')"),
  ev("return cjson.decode('{1: 2}')"),
  ev("return cjson.decode('{\"a\": 1 true}')"),
  ev("return cjson.decode('[1 null]')"),
  ev("return cjson.decode('[1,]')"),
  ev("return cjson.decode('')"),
  ev("return cjson.decode('nope')"),
  ev("return cjson.decode('[1] x')"),
  ev("return cjson.decode()"),
  ev("return cjson.encode(cjson.decode('{\"k\":[1,2,{\"n\":null}],\"s\":\"\\\\/\"}'))"),
  ev("return {cjson._NAME, cjson._VERSION}"),
  ev("return type(cjson.encode_keep_buffer)"),
  ...cjsonConfigExamples()
]

/**
 * cjson's configuration functions: their replies, argument errors and effects. The settings belong to
 * the Lua state and outlive the script (in Redis too), so each example restores the defaults before it
 * returns; results are strings so that false and nil do not cut the reply short.
 */
function cjsonConfigExamples(): Array<Command> {
  const restore = "cjson.encode_sparse_array(false, 2, 10) cjson.encode_max_depth(1000) cjson.decode_max_depth(1000) " +
    "cjson.encode_number_precision(14) cjson.encode_keep_buffer(true) cjson.encode_invalid_numbers(false) cjson.decode_invalid_numbers(true)"
  // runs each statement under pcall, collecting what it returned or its error, then restores the defaults
  const probe = (...statements: Array<string>): Command =>
    ev(
      `local out = {} local function add(...) local r = {...} for i = 1, select('#', ...) do out[#out + 1] = tostring(r[i]) end end ` +
        statements.map((st) => `add(pcall(function() return ${st} end))`).join(" ") + ` ${restore} return out`
    )
  return [
    probe("cjson.encode_sparse_array()", "cjson.encode_max_depth()", "cjson.decode_max_depth()", "cjson.encode_number_precision()",
      "cjson.encode_keep_buffer()", "cjson.encode_invalid_numbers()", "cjson.decode_invalid_numbers()"),
    probe("cjson.encode_max_depth(1)", "cjson.encode({1})", "cjson.encode({{1}})", "cjson.encode({a = {b = 1}})", "cjson.encode_max_depth()"),
    probe("cjson.encode_max_depth(0)", "cjson.encode_max_depth(-1)", "cjson.encode_max_depth('x')", "cjson.encode_max_depth('3')",
      "cjson.encode_max_depth(2.7)", "cjson.encode_max_depth(1, 2)", "cjson.encode_max_depth({})"),
    probe("cjson.decode_max_depth(1)", "cjson.decode('[1, 2]')[2]", "cjson.decode('[[1]]')", "cjson.decode('{\"obj\": {\"array\": [1,2,3,4]}}')",
      "cjson.decode_max_depth(2)", "cjson.decode('[[1]]')[1][1]"),
    probe("cjson.encode_number_precision(3)", "cjson.encode(1/3)", "cjson.encode(123456)", "cjson.encode_number_precision(15)",
      "cjson.encode_number_precision(0)", "cjson.encode_number_precision(14)", "cjson.encode(1/3)"),
    probe("cjson.encode_sparse_array(true)", "cjson.encode({[1] = 'a', [20] = 'b'})", "cjson.encode_sparse_array(false, 0)",
      "cjson.encode({[1] = 'a', [20] = 'b'})", "cjson.encode_sparse_array(false, 1, 0)", "cjson.encode({[2] = 'a'})",
      "cjson.encode_sparse_array(false, 3, 5)", "cjson.encode({[1] = 1, [9] = 2})", "cjson.encode({[1] = 1, [3] = 2})"),
    probe("cjson.encode_sparse_array('on')", "cjson.encode_sparse_array('off', 1)", "cjson.encode_sparse_array('maybe')",
      "cjson.encode_sparse_array(1)", "cjson.encode_sparse_array(nil, -1)", "cjson.encode_sparse_array(nil, nil, 'x')",
      "cjson.encode_sparse_array(1, 2, 3, 4)"),
    probe("cjson.encode_invalid_numbers(true)", "cjson.encode({num1 = 0/0})", "cjson.encode(1/0)", "cjson.encode(-1/0)",
      "cjson.encode_invalid_numbers('null')", "cjson.encode({0/0, 1/0, -1/0, 2})", "cjson.encode_invalid_numbers('off')",
      "cjson.encode(0/0)", "cjson.encode_invalid_numbers('on')", "cjson.encode_invalid_numbers('bad')"),
    probe("cjson.decode_invalid_numbers()", "cjson.decode('[NaN]')[1]", "cjson.decode('[Infinity]')[1]", "cjson.decode('[-inf]')[1]",
      "cjson.decode('[0x10]')[1]", "cjson.decode('[+1]')[1]", "cjson.decode('[01]')[1]", "cjson.decode_invalid_numbers(false)",
      "cjson.decode('[nan]')", "cjson.decode('[0x10]')", "cjson.decode('[01]')", "cjson.decode('[-5]')[1]"),
    probe("cjson.encode_keep_buffer(false)", "cjson.encode({1, 'x'})", "cjson.encode_keep_buffer('on')", "cjson.encode_keep_buffer('null')")
  ]
}

/** The bit library: every function, normalization of out-of-range and fractional numbers, errors. */
export const bitExamples: ReadonlyArray<Command> = [
  ev("return {bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit('12')}"),
  ev("return {bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(0xff, 0x0f)}"),
  ev("return {bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8)}"),
  ev("return {bit.bswap(0x12345678), bit.tohex(255), bit.tohex(-1, -4), bit.tohex(0x1234, 2), bit.tohex(1, 12)}"),
  ev("return bit.band()"),
  ev("return bit.band(1, {})"),
  ev("return bit.tohex('x')")
]

/** cmsgpack: the encoding chosen for every type and size, round trips, unpack's variants and errors. */
export const cmsgpackExamples: ReadonlyArray<Command> = [
  ...["0", "127", "128", "255", "256", "65535", "65536", "2^32 - 1", "2^32", "2^53", "-1", "-32", "-33", "-128", "-129", "-32768",
    "-32769", "-2^31", "-2^31 - 1", "-2^53", "1.5", "0.1", "1/0", "-1/0", "2^63", "true", "false", "nil", "'x'",
    "string.rep('a', 31)", "string.rep('a', 32)", "string.rep('a', 255)", "string.rep('a', 256)", "string.rep('a', 70000)",
    "{}", "{1, 2, 3}", "{1, nil, 3}", "{a = 1}", "{[2] = 'x'}", "{[1.5] = 1}", "{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}",
    "function() end"].map((v) => ev(`return redis.sha1hex(cmsgpack.pack(${v})) .. ' ' .. #cmsgpack.pack(${v})`)),
  ev("return cmsgpack.pack(1, 'two', {3})"),
  ev("return cmsgpack.pack()"),
  ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, {4}}, true))}"),
  ev("local t = cmsgpack.unpack(cmsgpack.pack({a = 1, b = {c = 'd'}})) return {t.a, t.b.c}"),
  ev("return {cmsgpack.unpack(cmsgpack.pack(2^40, -2^40, 0.5, -0.25))}"),
  ev("return cmsgpack.unpack('\\145')"),
  ev("return cmsgpack.unpack('\\193')"),
  ev("return cmsgpack.unpack('')"),
  ev("return cmsgpack.unpack()"),
  ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
  ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}"),
  ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
  ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}"),
  ev("return cmsgpack.unpack_one('\\1', 5)"),
  ev("return {cmsgpack._NAME, cmsgpack._VERSION}"),
  ev("return cmsgpack.unpack('\\202\\063\\192\\000\\000')"),
  ev("return tostring(cmsgpack.unpack('\\203\\063\\185\\153\\153\\153\\153\\153\\154'))")
]

/** struct: every format option, endianness and alignment, round trips and errors. */
export const structExamples: ReadonlyArray<Command> = [
  ev("return struct.pack('>i', 1)"),
  ev("return struct.pack('<h>H', -2, 513)"),
  ev("return struct.pack('bBhHlLTiI', -1, 255, -300, 65000, -2^40, 2^40, 7, -5, 5)"),
  ev("return struct.pack('i3', 70000)"),
  ev("return struct.pack('>i8', -1)"),
  ev("return struct.pack('fd', 1.5, 0.1)"),
  ev("return struct.pack('c5', 'hello world')"),
  ev("return struct.pack('c0s', 'abc', 'de')"),
  ev("return struct.pack('!4 b i', 1, 2)"),
  ev("return struct.pack('!8 b d', 1, 2.5)"),
  ev("return struct.pack('bxxb', 1, 2)"),
  ev("return {struct.unpack('>i', struct.pack('>i', -123456))}"),
  ev("return {struct.unpack('bBhH', struct.pack('bBhH', -1, 255, -300, 65000))}"),
  ev("return {struct.unpack('s', 'abc\\0def')}"),
  ev("return {struct.unpack('b c0', '\\3abcd')}"),
  ev("return {struct.unpack('i', struct.pack('ii', 1, 2), 5)}"),
  ev("return {tostring(struct.unpack('d', struct.pack('d', 0.1)))}"),
  ev("return {struct.size('bhi'), struct.size('!4 bhi'), struct.size('d'), struct.size('c10')}"),
  ev("return struct.pack('y', 1)"),
  ev("return struct.pack('i', 'x')"),
  ev("return struct.pack('c5', 'ab')"),
  ev("return struct.pack('i40', 1)"),
  ev("return struct.pack('!3 i', 1)"),
  ev("return struct.unpack('i', 'ab')"),
  ev("return struct.unpack('i', 'abcd', 0)"),
  ev("return struct.unpack('s', 'abc')"),
  ev("return struct.unpack('c0', 'abc')"),
  ev("return struct.size('s')"),
  ev("return struct.size('c0')"),
  ev("return struct.pack()")
]
