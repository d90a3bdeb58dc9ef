/** List commands (t_list.c), including the blocking ones. */
import type { CommandSpec } from "./CommandSpec.ts"

export const listCommands: ReadonlyArray<CommandSpec> = []
