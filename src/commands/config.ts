/** CONFIG GET/SET/RESETSTAT/REWRITE. */
import type { CommandSpec } from "./CommandSpec.ts"

export const configCommands: ReadonlyArray<CommandSpec> = []
