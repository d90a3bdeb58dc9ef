/**
 * The V8 heap's growth while a file is loaded. The server runs with `--heap-growing-percent=20`
 * (package.json `config.v8Flags`) so that an idle heap stays close to its live data; during a bulk
 * load, where everything allocated stays alive, that limit makes V8 run a full collection each time
 * the heap grows by a fifth. While loading, V8's own growth heuristics apply; the configured percent
 * comes back when loading ends, for the collections after it.
 */
import * as v8 from "node:v8"

const configured = process.execArgv.find((a) => a.startsWith("--heap-growing-percent="))

export const relaxHeapGrowth = (): void => {
  if (configured !== undefined) v8.setFlagsFromString("--heap-growing-percent=0")
}

export const restoreHeapGrowth = (): void => {
  if (configured !== undefined) v8.setFlagsFromString(configured)
}
