/** Server and introspection commands: INFO, CLIENT, COMMAND, DBSIZE, FLUSHALL, TIME, MEMORY, DEBUG, ... */
import type { CommandSpec } from "./CommandSpec.ts"

export const serverCommands: ReadonlyArray<CommandSpec> = []
