/**
 * Redlock 5 as a typed module: its package.json "exports" has no "types" condition, so TypeScript
 * cannot reach the declarations it ships beside dist/; the runtime module is re-exported with them.
 */
// @ts-expect-error -- typed below from the package's own declarations
import * as runtime from "redlock"
import type * as Typed from "../../node_modules/redlock/dist/index.d.ts"

const mod = runtime as unknown as typeof Typed
export const Redlock = mod.default
export const ExecutionError = mod.ExecutionError
