/** Set commands (t_set.c). */
import type { CommandSpec } from "./CommandSpec.ts"

export const setCommands: ReadonlyArray<CommandSpec> = []
