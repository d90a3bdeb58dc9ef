/** The command table: every family module's definitions (one module per family, like Redis's t_*.c). */
import type * as Layer from "effect/Layer"
import { CommandRegistry } from "../server/CommandRegistry.ts"
import type { CommandSpec } from "./CommandSpec.ts"
import { bitmapCommands } from "./bitmaps.ts"
import { clusterCommands } from "./cluster.ts"
import { configCommands } from "./config.ts"
import { connectionCommands } from "./connection.ts"
import { databaseCommands } from "./databases.ts"
import { dumpCommands } from "./dump.ts"
import { geoCommands } from "./geo.ts"
import { hashCommands } from "./hashes.ts"
import { hyperloglogCommands } from "./hyperloglog.ts"
import { keyCommands } from "./keys.ts"
import { listCommands } from "./lists.ts"
import { lolwutCommands } from "./lolwut.ts"
import { replicationCommands } from "./replication.ts"
import { serverCommands } from "./server.ts"
import { setCommands } from "./sets.ts"
import { sortCommands } from "./sort.ts"
import { streamCommands } from "./streams.ts"
import { stringCommands } from "./strings.ts"
import { transactionCommands } from "./transactions.ts"
import { zsetCommands } from "./zsets.ts"

export const allCommands: ReadonlyArray<CommandSpec> = [
  ...connectionCommands,
  ...transactionCommands,
  ...serverCommands,
  ...databaseCommands,
  ...configCommands,
  ...keyCommands,
  ...dumpCommands,
  ...stringCommands,
  ...bitmapCommands,
  ...hyperloglogCommands,
  ...sortCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
  ...geoCommands,
  ...streamCommands,
  ...replicationCommands,
  ...clusterCommands,
  ...lolwutCommands
]

/** The core's commands, contributed to the registry for the Layer's lifetime. */
export const CoreCommands: Layer.Layer<never, never, CommandRegistry> = CommandRegistry.commands(allCommands)
