/** Stream commands (t_stream.c), including XREAD BLOCK and consumer groups. */
import type { CommandSpec } from "./CommandSpec.ts"

export const streamCommands: ReadonlyArray<CommandSpec> = []
