import { assert, describe, it } from "@effect/vitest"
import { fileURLToPath } from "node:url"
import { cycles, type ImportEdge, importEdges, shortestCycle } from "./import-graph.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))

/**
 * What each lower layer of src/ may import besides its own directory (docs/ARCHITECTURE.md, "Import
 * rules"), type imports included. `src/version.ts` is a leaf anyone may import.
 */
const LAYER_RULES: ReadonlyArray<readonly [dir: string, allowed: ReadonlyArray<string>]> = [
  ["src/util/", []],
  ["src/resp/", ["src/util/"]],
  ["src/config/", ["src/util/", "src/resp/", "src/keyspace/notify.ts", "src/server/log.ts"]],
  ["src/keyspace/", ["src/util/", "src/config/"]],
  ["src/acl/", ["src/util/", "src/resp/", "src/config/"]]
]

describe("import graph of src/", () => {
  const edges = importEdges(root)

  it("finds the imports it parses (multi-line, re-exports, type-only)", () => {
    const find = (from: string, to: string) => edges.filter((e) => e.from === from && e.to === to)
    assert.isAbove(edges.length, 100)
    assert.deepStrictEqual(find("src/index.ts", "src/layers.ts").map((e) => e.typeOnly), [false])
    assert.deepStrictEqual(find("src/server/Client.ts", "src/server/LatencyHistogram.ts").map((e) => e.typeOnly), [true])
    assert.isNotEmpty(find("src/commands/geo.ts", "src/keyspace/geohash.ts"))
  })

  it("detects a cycle and names it", () => {
    const toy = [{ from: "a", to: "b" }, { from: "b", to: "c" }, { from: "c", to: "a" }, { from: "c", to: "d" }]
    assert.deepStrictEqual(cycles(toy), [["a", "b", "c"]])
    assert.deepStrictEqual(shortestCycle(toy, "b"), ["b", "c", "a", "b"])
    assert.deepStrictEqual(cycles([{ from: "a", to: "a" }]), [["a"]])
  })

  it("has no cycle among the imports that run (import type is erased; import { type X } is not)", () => {
    const runtime = edges.filter((e) => !e.typeOnly)
    const found = cycles(runtime).map((c) => shortestCycle(runtime, c[0]!).join(" -> "))
    assert.deepStrictEqual(found, [])
  })

  it("util, resp, config, keyspace and acl import only the layers below them, not even types", () => {
    const violations = edges.filter((e) => {
      const rule = LAYER_RULES.find(([dir]) => e.from.startsWith(dir))
      if (rule === undefined || e.to.startsWith(rule[0]) || e.to === "src/version.ts") return false
      return !rule[1].some((allowed) => allowed.endsWith("/") ? e.to.startsWith(allowed) : e.to === allowed)
    }).map((e) => `${e.from} -> ${e.to}`)
    assert.deepStrictEqual(violations, [])
  })
})
