/** Geospatial commands (geo.c): GEOADD, GEOSEARCH, GEORADIUS, ... over sorted sets. */
import type { CommandSpec } from "./CommandSpec.ts"

export const geoCommands: ReadonlyArray<CommandSpec> = []
