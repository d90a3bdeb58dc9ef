/** Property tests of the RESP codec: requests and replies survive any chunking; bad bytes never throw. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Reply, ReplyError, ReplyParser } from "../../src/resp/ReplyParser.ts"
import { ProtocolError, RequestParser, splitInlineArgs } from "../../src/resp/RequestParser.ts"
import { ReplyWriter } from "../../src/resp/ReplyWriter.ts"
import { formatDouble } from "../../src/util/numbers.ts"
import { encode } from "../support/raw.ts"

const limits = { maxBulkLength: () => 512 * 1024 * 1024 }

/** Any bytes as a latin1 string. */
const bytes = (maxLength: number, size?: fc.SizeForArbitrary) =>
  fc.uint8Array({ maxLength, ...(size === undefined ? {} : { size }) }).map((a) => Buffer.from(a).latin1Slice(0, a.length))

const argv = fc.array(bytes(40), { minLength: 1, maxLength: 6 })

/** Splits a buffer at random cut points. */
const chunked = (data: Buffer, cuts: ReadonlyArray<number>): Buffer[] => {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let start = 0
  for (const p of points) {
    out.push(data.subarray(start, p))
    start = p
  }
  out.push(data.subarray(start))
  return out.filter((c) => c.length > 0)
}

const drain = (parser: RequestParser): Array<string[] | ProtocolError> => {
  const out: Array<string[] | ProtocolError> = []
  for (;;) {
    const next = parser.next()
    if (next === undefined) return out
    out.push(next)
    if (next instanceof ProtocolError) return out
  }
}

describe("RequestParser", () => {
  it("decodes any multibulk commands split at any chunk boundaries", () =>
    fc.assert(
      fc.property(fc.array(argv, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (commands, cuts) => {
        const data = Buffer.concat(commands.map(encode))
        const parser = new RequestParser(limits)
        const got: Array<string[] | ProtocolError> = []
        for (const chunk of chunked(data, cuts)) {
          parser.feed(chunk)
          got.push(...drain(parser))
        }
        expect(got).toEqual(commands)
        expect(parser.pending).toBe(0)
      })
    ))

  it("collects big bulk arguments fed byte-range by byte-range", () =>
    fc.assert(
      fc.property(fc.integer({ min: 32 * 1024, max: 200 * 1024 }), fc.array(fc.nat(), { maxLength: 20 }), (size, cuts) => {
        const big = Buffer.alloc(size, 0x61).latin1Slice(0, size)
        const data = Buffer.concat([encode(["SET", "k", big]), encode(["PING"])])
        const parser = new RequestParser(limits)
        const got: Array<string[] | ProtocolError> = []
        for (const chunk of chunked(data, cuts)) {
          parser.feed(chunk)
          got.push(...drain(parser))
        }
        expect(got).toEqual([["SET", "k", big], ["PING"]])
      }),
      { numRuns: 30 }
    ))

  it("never throws on arbitrary bytes: commands, nothing yet, or a protocol error", () =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), (input, cuts) => {
        const parser = new RequestParser(limits)
        for (const chunk of chunked(Buffer.from(input), cuts)) {
          parser.feed(chunk)
          const got = drain(parser)
          if (got.at(-1) instanceof ProtocolError) return
          for (const c of got) expect(Array.isArray(c)).toBe(true)
        }
      }),
      { numRuns: 2000 }
    ))

  it("rejects a bulk length above proto-max-bulk-len", () => {
    const parser = new RequestParser({ maxBulkLength: () => 10 })
    parser.feed(Buffer.from("*1\r\n$11\r\n"))
    expect(parser.next()).toEqual(new ProtocolError("ERR Protocol error: invalid bulk length"))
  })

  it("splits inline arguments like sdssplitargs", () => {
    expect(splitInlineArgs("set a \"b c\" 'd e'")).toEqual(["set", "a", "b c", "d e"])
    expect(splitInlineArgs("\"\\x41\\x4a\\n\"")).toEqual(["AJ\n"])
    expect(splitInlineArgs("\"\\xZZ\"")).toEqual(["xZZ"])
    expect(splitInlineArgs("'a\\'b' x\"y\"")).toEqual(["a'b", "xy"])
    expect(splitInlineArgs("\"unterminated")).toBeUndefined()
    expect(splitInlineArgs("\"a\"b")).toBeUndefined()
    expect(splitInlineArgs("   ")).toEqual([])
  })
})

/** A reply tree and how each protocol decodes it. */
type Node =
  | { t: "simple"; v: string }
  | { t: "error"; v: string }
  | { t: "int"; v: number }
  | { t: "bulk"; v: string }
  | { t: "null" }
  | { t: "double"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "array"; v: Node[] }
  | { t: "map"; v: Array<[Node, Node]> }
  | { t: "set"; v: Node[] }

const line = fc.string({ maxLength: 10 }).filter((s) => !/[\r\n]/.test(s) && /^[\x20-\x7e]*$/.test(s))
const leaf: fc.Arbitrary<Node> = fc.oneof(
  line.map((v) => ({ t: "simple", v }) as const),
  line.map((v) => ({ t: "error", v: `ERR ${v}` }) as const),
  fc.integer().map((v) => ({ t: "int", v }) as const),
  // lengths of one, two and three digits, copied by the short loop and by latin1Write
  fc.oneof(bytes(20), bytes(300, "max")).map((v) => ({ t: "bulk", v }) as const),
  fc.constant({ t: "null" } as const),
  fc.double({ noNaN: true }).map((v) => ({ t: "double", v }) as const),
  fc.boolean().map((v) => ({ t: "bool", v }) as const)
)
const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }).map((v) => ({ t: "array", v }) as const),
    fc.array(fc.tuple(leaf, tie("node")), { maxLength: 3 }).map((v) => ({ t: "map", v }) as const),
    fc.array(leaf, { maxLength: 3 }).map((v) => ({ t: "set", v }) as const)
  )
})).node

const write = (w: ReplyWriter, n: Node): void => {
  switch (n.t) {
    case "simple":
      return w.simple(n.v)
    case "error":
      return w.error(n.v)
    case "int":
      return w.integer(n.v)
    case "bulk":
      return w.bulk(n.v)
    case "null":
      return w.nullBulk()
    case "double":
      return w.double(n.v)
    case "bool":
      return w.bool(n.v)
    case "array":
      w.arrayHeader(n.v.length)
      return n.v.forEach((c) => write(w, c))
    case "map":
      w.mapHeader(n.v.length)
      return n.v.forEach(([k, v]) => {
        write(w, k)
        write(w, v)
      })
    case "set":
      w.setHeader(n.v.length)
      return n.v.forEach((c) => write(w, c))
  }
}

/** What a client decodes: RESP2 flattens maps, turns doubles into bulk strings and booleans into 0/1. */
const expected = (n: Node, resp: 2 | 3): Reply => {
  switch (n.t) {
    case "simple":
    case "bulk":
      return n.v
    case "error":
      return new ReplyError({ message: n.v })
    case "int":
      return n.v
    case "null":
      return null
    case "double":
      // %.17g round-trips every finite double exactly; RESP2 carries the text as a bulk string
      return resp === 3 ? n.v : formatDouble(n.v)
    case "bool":
      return resp === 3 ? n.v : n.v ? 1 : 0
    case "array":
      return n.v.map((c) => expected(c, resp))
    case "map":
      return resp === 3
        ? new Map(n.v.map(([k, v]) => [expected(k, resp), expected(v, resp)]))
        : n.v.flatMap(([k, v]) => [expected(k, resp), expected(v, resp)])
    case "set":
      return resp === 3 ? new Set(n.v.map((c) => expected(c, resp))) : n.v.map((c) => expected(c, resp))
  }
}

describe("ReplyWriter and ReplyParser", () => {
  for (const resp of [2, 3] as const) {
    it(`round-trip any reply tree in RESP${resp}, at any chunk boundaries`, () =>
      fc.assert(
        fc.property(fc.array(tree, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (nodes, cuts) => {
          const writer = new ReplyWriter(16)
          writer.resp = resp
          for (const n of nodes) write(writer, n)
          const data = writer.take()!
          const parser = new ReplyParser({ bulk: "latin1" })
          const got: Reply[] = []
          for (const chunk of chunked(Buffer.from(data), cuts)) {
            parser.feed(chunk)
            for (let r = parser.next(); r !== undefined; r = parser.next()) got.push(r.value)
          }
          const want = nodes.map((n) => expected(n, resp))
          expect(got).toEqual(want)
        })
      ))
  }
})

describe("ReplyWriter's buffer", () => {
  it("starts over after recycle only when everything written was taken, and drops a buffer grown past 1 MB", () => {
    const writer = new ReplyWriter()
    writer.bulk("a")
    const first = writer.take()!
    writer.bulk("b")
    writer.recycle() // "b" is not taken yet: nothing moves
    const second = writer.take()!
    expect([first.byteOffset, second.byteOffset]).toEqual([0, first.length])
    expect(second.toString("latin1")).toBe("$1\r\nb\r\n")
    writer.recycle()
    writer.bulk("c")
    const third = writer.take()!
    expect(third.byteOffset).toBe(0)
    expect(third.buffer).toBe(first.buffer)
    // one 2 MB reply grows the buffer; once taken and recycled, the client is back to 64 KB
    writer.bulk("x".repeat(2 * 1024 * 1024))
    expect(writer.take()!.length).toBe(2 * 1024 * 1024 + 12)
    expect(writer.capacity).toBeGreaterThan(2 * 1024 * 1024)
    writer.recycle()
    expect(writer.capacity).toBe(64 * 1024)
    writer.ok()
    expect(writer.take()!.toString("latin1")).toBe("+OK\r\n")
  })
})
