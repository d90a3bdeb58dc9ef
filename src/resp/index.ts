/**
 * `effect-redis-server/resp`: the RESP codec a client needs, on its own (it loads none of the server):
 * `encodeCommand` writes a command as a RESP multibulk request, `ReplyParser` decodes RESP2/RESP3
 * replies incrementally into typed values (`Reply`: strings or bytes, numbers, bigints, `null`, arrays,
 * `Map`/`Set`, `Push` messages, `ReplyError`).
 */
export { encodeCommand, Push, type Reply, ReplyError, ReplyParser, type ReplyParserOptions } from "./ReplyParser.ts"
