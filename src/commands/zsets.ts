/** Sorted set commands (t_zset.c), including the blocking ones. */
import type { CommandSpec } from "./CommandSpec.ts"

export const zsetCommands: ReadonlyArray<CommandSpec> = []
