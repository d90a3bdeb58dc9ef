/** Hash commands (t_hash.c). */
import type { CommandSpec } from "./CommandSpec.ts"

export const hashCommands: ReadonlyArray<CommandSpec> = []
