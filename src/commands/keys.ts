/** Generic key commands (db.c, expire.c): DEL, EXISTS, SCAN, RENAME, EXPIRE, TTL, ... */
import type { CommandSpec } from "./CommandSpec.ts"

export const keyCommands: ReadonlyArray<CommandSpec> = []
