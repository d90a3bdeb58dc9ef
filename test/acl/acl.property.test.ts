/**
 * Property: for random users (a root selector and extra selectors with random command, key and channel
 * rules), the engine's ACL check lets a command through exactly when one selector allows the command,
 * grants every key the access the command needs (read, write, or mere mention) and every channel it
 * publishes or subscribes to. The model below decides that on its own, from the rules as written and
 * a hand-written table of what each command does to its arguments.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Client } from "../../src/server/Client.ts"
import { startServer, type TestServer } from "../support/server.ts"

const R = 1
const W = 2

/** A command, what it does to each key argument (position, access) and its channel arguments. */
interface Template {
  readonly argv: (k: ReadonlyArray<string>, c: ReadonlyArray<string>) => ReadonlyArray<string>
  readonly name: string
  readonly keys: ReadonlyArray<readonly [pos: number, access: number]>
  readonly channels?: ReadonlyArray<number>
  readonly patternChannels?: boolean
}

const templates: ReadonlyArray<Template> = [
  { name: "get", argv: (k) => ["GET", k[0]!], keys: [[1, R]] },
  { name: "set", argv: (k) => ["SET", k[0]!, "v"], keys: [[1, W]] },
  { name: "set", argv: (k) => ["SET", k[0]!, "v", "GET"], keys: [[1, R | W]] },
  { name: "del", argv: (k) => ["DEL", k[0]!, k[1]!], keys: [[1, W], [2, W]] },
  { name: "exists", argv: (k) => ["EXISTS", k[0]!], keys: [[1, 0]] },
  { name: "lmove", argv: (k) => ["LMOVE", k[0]!, k[1]!, "LEFT", "LEFT"], keys: [[1, R | W], [2, W]] },
  { name: "copy", argv: (k) => ["COPY", k[0]!, k[1]!], keys: [[1, R], [2, W]] },
  { name: "rename", argv: (k) => ["RENAME", k[0]!, k[1]!], keys: [[1, R | W], [2, W]] },
  { name: "mget", argv: (k) => ["MGET", k[0]!, k[1]!], keys: [[1, R], [2, R]] },
  { name: "incr", argv: (k) => ["INCR", k[0]!], keys: [[1, R | W]] },
  { name: "append", argv: (k) => ["APPEND", k[0]!, "x"], keys: [[1, W]] },
  { name: "publish", argv: (_k, c) => ["PUBLISH", c[0]!, "m"], keys: [], channels: [1] },
  { name: "subscribe", argv: (_k, c) => ["SUBSCRIBE", c[0]!, c[1]!], keys: [], channels: [1, 2] },
  { name: "psubscribe", argv: (_k, c) => ["PSUBSCRIBE", c[0]!], keys: [], channels: [1], patternChannels: true },
  { name: "ping", argv: () => ["PING"], keys: [] }
]
const commandNames = [...new Set(templates.map((t) => t.name))]
/** Commands of the @read category among them (COMMAND INFO). */
const READ_CATEGORY = new Set(["get", "exists", "mget"])

const keyNames = ["a1", "a2", "b1", "k1", "zz"]
const channelNames = ["news", "news.1", "n*", "other", "x"]
const keyPatterns = ["a*", "b*", "k1", "*", "n*"]
const channelPatterns = ["news*", "n*", "x", "*"]

const selectorRule = fc.oneof(
  fc.constantFrom(...commandNames).map((c) => `+${c}`),
  fc.constantFrom(...commandNames).map((c) => `-${c}`),
  fc.constantFrom("allcommands", "nocommands", "+@read", "-@read", "allkeys", "resetkeys", "allchannels", "resetchannels"),
  fc.tuple(fc.constantFrom("~", "%R~", "%W~", "%RW~"), fc.constantFrom(...keyPatterns)).map(([a, b]) => a + b),
  fc.constantFrom(...channelPatterns).map((c) => `&${c}`)
)

interface ModelSelector {
  readonly commands: Map<string, boolean>
  allCommandsDefault: boolean
  allKeys: boolean
  readonly keyPatterns: Map<string, number>
  allChannels: boolean
  readonly channels: Set<string>
}

const newSelector = (): ModelSelector => ({
  commands: new Map(),
  allCommandsDefault: false,
  allKeys: false,
  keyPatterns: new Map(),
  allChannels: false,
  channels: new Set()
})

/** Applies a rule the way the documentation words it; returns false for a rule Redis refuses. */
const applyModel = (s: ModelSelector, rule: string): boolean => {
  if (rule === "allcommands" || rule === "nocommands") {
    s.commands.clear()
    s.allCommandsDefault = rule === "allcommands"
  } else if (rule === "+@read" || rule === "-@read") {
    for (const c of READ_CATEGORY) s.commands.set(c, rule[0] === "+")
  } else if (rule[0] === "+" || rule[0] === "-") {
    s.commands.set(rule.slice(1), rule[0] === "+")
  } else if (rule === "allkeys" || rule === "~*") {
    s.allKeys = true
    s.keyPatterns.clear()
  } else if (rule === "resetkeys") {
    s.allKeys = false
    s.keyPatterns.clear()
  } else if (rule === "allchannels" || rule === "&*") {
    s.allChannels = true
    s.channels.clear()
  } else if (rule === "resetchannels") {
    s.allChannels = false
    s.channels.clear()
  } else if (rule.includes("~")) {
    if (s.allKeys) return false
    const [prefix, pattern] = rule.split("~") as [string, string]
    const flags = prefix === "" ? R | W : (prefix.includes("R") ? R : 0) | (prefix.includes("W") ? W : 0)
    s.keyPatterns.set(pattern, (s.keyPatterns.get(pattern) ?? 0) | flags)
  } else if (rule[0] === "&") {
    if (s.allChannels) return false
    s.channels.add(rule.slice(1))
  }
  return true
}

/** Patterns here are literals or a prefix followed by one star. */
const matches = (pattern: string, s: string): boolean =>
  pattern.endsWith("*") ? s.length > 0 && s.startsWith(pattern.slice(0, -1)) : pattern === s

const modelAllows = (s: ModelSelector, t: Template, argv: ReadonlyArray<string>): boolean => {
  const allowed = s.commands.get(t.name) ?? s.allCommandsDefault
  if (!allowed) return false
  for (const [pos, access] of t.keys) {
    if (s.allKeys) continue
    const ok = [...s.keyPatterns].some(([p, flags]) => (flags & access) === access && matches(p, argv[pos]!))
    if (!ok) return false
  }
  for (const pos of t.channels ?? []) {
    if (s.allChannels) continue
    const ok = [...s.channels].some((p) => (t.patternChannels === true ? p === argv[pos] : matches(p, argv[pos]!)))
    if (!ok) return false
  }
  return true
}

let server: TestServer
let client: Client
beforeAll(async () => {
  server = await startServer({ "acl-pubsub-default": "resetchannels" })
  client = server.engine.createClient()
})
afterAll(async () => {
  server.engine.freeClient(client)
  await server.close()
})

describe("ACL check against a model of the rules", () => {
  it("allows a command exactly when one selector allows it, its keys (with their access) and its channels", () => {
    const registry = server.engine.registry
    const store = registry.acl
    fc.assert(
      fc.property(
        fc.array(fc.array(selectorRule, { maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...templates),
        fc.array(fc.constantFrom(...keyNames), { minLength: 2, maxLength: 2 }),
        fc.array(fc.constantFrom(...channelNames), { minLength: 2, maxLength: 2 }),
        (selectors, template, keys, channels) => {
          // the model first: a rule set Redis refuses is skipped
          const model = selectors.map(() => newSelector())
          for (let i = 0; i < selectors.length; i++) {
            for (const rule of selectors[i]!) if (!applyModel(model[i]!, rule)) return
          }
          const rules = ["reset", "on", "nopass", ...selectors[0]!, ...selectors.slice(1).map((s) => `(${s.join(" ")})`)]
          expect(store.setUser("prop", rules)).toBeUndefined()
          client.user = store.getUser("prop")!
          const argv = template.argv(keys, channels)
          const command = server.engine.resolve(argv)
          if (typeof command === "string") throw new Error(command)
          const denied = registry.checks.acl!(client, command, argv, "client")
          const expected = model.some((s) => modelAllows(s, template, argv))
          expect({ argv, rules, allowed: denied === undefined }).toEqual({ argv, rules, allowed: expected })
        }
      ),
      { numRuns: 3000 }
    )
    client.user = store.defaultUser
  })
})
