/**
 * The runtime import graph of src/: which module evaluates which. `import type`/`export type` are
 * erased; `import { type A } from` is not (Node's type stripping keeps it as `import {} from`, which
 * still evaluates the module, as verbatimModuleSyntax says), so it is a runtime edge too.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

export interface ImportEdge {
  readonly from: string
  readonly to: string
  /** Only types cross it: erased from the running program. */
  readonly typeOnly: boolean
}

const STATEMENT = /^[ \t]*(import|export)\s+(type\s+)?([^;"'`=()]*?)\s*from\s*["']([^"']+)["']|^[ \t]*import\s*["']([^"']+)["']/gm

const listTs = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [join(dir, e.name)] : []
  )

/** Every relative import and re-export of every .ts file under `srcDir`, paths relative to `root`. */
export const importEdges = (root: string, srcDir = "src"): Array<ImportEdge> => {
  const edges: Array<ImportEdge> = []
  for (const file of listTs(resolve(root, srcDir))) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "")
    for (const m of text.matchAll(STATEMENT)) {
      const specifier = m[4] ?? m[5]!
      if (!specifier.startsWith(".")) continue
      edges.push({
        from: relative(root, file),
        to: relative(root, resolve(dirname(file), specifier)),
        typeOnly: m[2] !== undefined
      })
    }
  }
  return edges
}

/** Strongly connected components with more than one module (or a module importing itself). */
export const cycles = (edges: ReadonlyArray<Pick<ImportEdge, "from" | "to">>): Array<Array<string>> => {
  const next = new Map<string, Array<string>>()
  for (const { from, to } of edges) {
    next.set(from, [...(next.get(from) ?? []), to])
    if (!next.has(to)) next.set(to, [])
  }
  // Tarjan's algorithm
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const out: Array<Array<string>> = []
  const visit = (v: string): void => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || next.get(v)!.includes(v)) out.push(component.sort())
    }
  }
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v)
  return out
}

/** One shortest cycle through `start` inside a component, for a readable failure message. */
export const shortestCycle = (edges: ReadonlyArray<Pick<ImportEdge, "from" | "to">>, start: string): Array<string> => {
  const prev = new Map<string, string>()
  const queue = [start]
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!
    for (const { from, to } of edges) {
      if (from !== v) continue
      if (to === start) {
        const path = [start]
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u)
        return [...path, start]
      }
      if (!prev.has(to)) {
        prev.set(to, v)
        queue.push(to)
      }
    }
  }
  return []
}
