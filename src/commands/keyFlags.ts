/**
 * The flags COMMAND GETKEYSANDFLAGS gives each key, as Redis 7.0's getKeysFromCommandWithSpecs finds
 * them: from the command's key specs (`redisKeySpecs.ts`) when they are complete and their flags fixed,
 * otherwise from the command's own key function (setGetKeys, bitfieldGetKeys, sortGetKeys,
 * sortROGetKeys, migrateGetKeys), whose flags depend on the arguments.
 */
import { isOption } from "./args.ts"
import { REDIS_KEY_SPECS, type RedisKeySpec } from "./redisKeySpecs.ts"

interface KeyRef {
  readonly pos: number
  readonly flags: string
}

/** getKeysUsingKeySpecs: the keys the specs find, or undefined where Redis's returns -1 (an invalid or incomplete spec). */
const keysFromSpecs = (specs: ReadonlyArray<RedisKeySpec>, argv: ReadonlyArray<string>): ReadonlyArray<KeyRef> | undefined => {
  const argc = argv.length
  const out: Array<KeyRef> = []
  for (const spec of specs) {
    const flags = spec[0]
    const flagWords = flags.split(" ")
    if (flagWords.includes("not_key")) continue
    const begin = spec[1]
    let first = 0
    if (begin[0] === "i") first = begin[1]
    else if (begin[0] === "k") {
      const startfrom = begin[2]
      const start = startfrom > 0 ? startfrom : argc + startfrom
      const end = startfrom > 0 ? argc - 1 : 1
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break
        if (isOption(argv[i]!, begin[1].toLowerCase())) {
          first = i + 1
          break
        }
      }
      if (first === 0) continue
    } else return undefined
    const find = spec[2]
    let last: number
    let step: number
    if (find[0] === "r") {
      step = find[2]
      if (find[1] >= 0) last = first + find[1]
      else if (find[3] === 0) last = argc + find[1]
      else last = first + (Math.floor((argc - first) / find[3]) + find[1])
    } else if (find[0] === "n") {
      step = find[3]
      const at = first + find[1]
      if (find[1] >= argc || at >= argc) return undefined
      const n = /^(0|-?[1-9]\d*)$/.test(argv[at]!) ? Number(argv[at]) : NaN
      if (!Number.isSafeInteger(n) || n < 0) return undefined
      first += find[2]
      last = first + n - 1
    } else return undefined
    if (last >= argc || last < first || first >= argc) return undefined
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue
      out.push({ pos: i, flags })
    }
    if (flagWords.includes("incomplete")) return undefined
  }
  return out
}

const hasGetArgument = (argv: ReadonlyArray<string>): boolean => {
  for (let i = 3; i < argv.length; i++) if (isOption(argv[i]!, "get")) return true
  return false
}

const bitfieldReadOnly = (argv: ReadonlyArray<string>): boolean => {
  for (let i = 2; i < argv.length; i++) {
    const rem = argv.length - i - 1
    const a = argv[i]!
    if (isOption(a, "get") && rem >= 2) i += 2
    else if ((isOption(a, "set") || isOption(a, "incrby")) && rem >= 3) return false
    else if (isOption(a, "overflow") && rem >= 1) i += 1
    else return false
  }
  return true
}

/** The flags of a key the command's own key function found (its positions are the caller's). */
const procFlags = (fullName: string, argv: ReadonlyArray<string>, pos: number, index: number): string | undefined => {
  switch (fullName) {
    case "set":
      return hasGetArgument(argv) ? "RW access update" : "OW update"
    case "bitfield":
      return bitfieldReadOnly(argv) ? "RO access" : "RW access update"
    case "sort":
      return index === 0 && pos === 1 ? "RO access" : "OW update"
    case "sort_ro":
      return "RO access"
    case "migrate":
      return "RW access delete"
    default:
      return undefined
  }
}

/**
 * Each key's flags (space-separated, Redis's order) for the key positions `positions` of `argv`, or
 * undefined when Redis's table has no specs for the command (the caller derives them).
 */
export const keyFlags = (fullName: string, argv: ReadonlyArray<string>, positions: ReadonlyArray<number>): ReadonlyArray<string> | undefined => {
  const specs = REDIS_KEY_SPECS[fullName]
  if (specs === undefined) return undefined
  const hasKeySpec = specs.some((s) => !s[0].split(" ").includes("not_key"))
  const variable = specs.some((s) => s[0].split(" ").includes("variable_flags"))
  if (hasKeySpec && !variable) {
    const found = keysFromSpecs(specs, argv)
    if (found !== undefined && found.length === positions.length && found.every((k, i) => k.pos === positions[i])) {
      return found.map((k) => k.flags)
    }
  }
  const out: Array<string> = []
  for (let i = 0; i < positions.length; i++) {
    const flags = procFlags(fullName, argv, positions[i]!, i)
    if (flags === undefined) return undefined
    out.push(flags)
  }
  return out
}
