/** The command table: every family module's definitions. */
import type { CommandSpec } from "./CommandSpec.ts"
import { connectionCommands } from "./connection.ts"
import { stringCommands } from "./strings.ts"
import { transactionCommands } from "./transactions.ts"

export const allCommands: ReadonlyArray<CommandSpec> = [
  ...connectionCommands,
  ...transactionCommands,
  ...stringCommands
]
