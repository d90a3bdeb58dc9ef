import { Data, Effect, FileSystem } from "effect"
import { splitInlineArgs } from "../resp/RequestParser.ts"
import { REDIS_VERSION } from "../version.ts"
import { ConfigStore } from "./ServerConfig.ts"

/** A config file or command line Redis would refuse to start with; `message` is Redis's report. */
export class ConfigLoadError extends Data.TaggedError("ConfigLoadError")<{ readonly message: string }> {}

/** What the command line asks for, split the way redis-server's main() splits it. */
export interface CommandLine {
  readonly configFile: string | undefined
  readonly configFromStdin: boolean
  /** `--name value...` arguments as config lines, appended after the file. */
  readonly options: string
}

/** sdscatrepr: a quoted, escaped form that splitInlineArgs reads back as the same bytes. */
const quote = (s: string): string => {
  let out = "\""
  for (const ch of s) {
    const c = ch.charCodeAt(0)
    if (ch === "\\" || ch === "\"") out += "\\" + ch
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (ch === "\x07") out += "\\a"
    else if (ch === "\b") out += "\\b"
    else if (c < 32 || c === 127) out += "\\x" + c.toString(16).padStart(2, "0")
    else out += ch
  }
  return out + "\""
}

/**
 * redis-server's argument rules: a first argument not starting with "-" is the config file; "-" as the
 * first or last argument reads the config from stdin; every `--name` starts a config line and the
 * words after it (up to the next `--name`) are its arguments. `--save` with no value means `save ""`.
 */
export const parseCommandLine = (argv: ReadonlyArray<string>): CommandLine => {
  let j = 0
  let configFile: string | undefined
  if (argv.length > 0 && !argv[0]!.startsWith("-")) configFile = argv[j++]
  let configFromStdin = false
  let options = ""
  let handledLastArg = true
  for (; j < argv.length; j++) {
    const arg = argv[j]!
    if (arg === "-" && (j === 0 || j === argv.length - 1)) {
      configFromStdin = true
    } else if (handledLastArg && arg.startsWith("--")) {
      if (options.length > 0) options += "\n"
      options += arg.slice(2) + " "
      const words = splitInlineArgs(arg) ?? []
      if (words.length === 1) {
        handledLastArg = false
        const nextIsOption = j !== argv.length - 1 && argv[j + 1]!.startsWith("--")
        const isSave = arg.toLowerCase() === "--save"
        if (isSave && (nextIsOption || j === argv.length - 1)) {
          options += "\"\""
          handledLastArg = nextIsOption
        }
      } else {
        handledLastArg = true
      }
    } else {
      options += quote(arg) + " "
      handledLastArg = true
    }
  }
  return { configFile, configFromStdin, options }
}

const fatal = (lineNumber: number | undefined, line: string | undefined, reason: string): ConfigLoadError =>
  new ConfigLoadError({
    message: `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n` +
      (lineNumber === undefined ? "" : `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`) +
      reason
  })

/**
 * loadServerConfigFromString: applies config text line by line to `store`. Directives that may appear
 * several times accumulate (`save`), the last value wins otherwise.
 */
export const applyConfigText = (store: ConfigStore, text: string): ConfigLoadError | undefined => {
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line.length === 0 || line.startsWith("#")) continue
    const words = splitInlineArgs(line)
    if (words === undefined) return fatal(i + 1, line, "Unbalanced quotes in configuration line")
    if (words.length === 0) continue
    const name = words[0]!.toLowerCase()
    const directive = store.directive(name)
    if (directive === undefined) return fatal(i + 1, line, "Bad directive or wrong number of arguments")
    const error = store.set(name, words.slice(1), true)
    if (error !== undefined) return fatal(i + 1, line, error)
  }
  return undefined
}

/** Builds the configuration from the command line: defaults, then the file, then `--name value`. */
export const loadConfig = Effect.fnUntraced(function*(argv: ReadonlyArray<string>) {
  const commandLine = parseCommandLine(argv)
  const store = new ConfigStore()
  let text = ""
  if (commandLine.configFile !== undefined) {
    const fs = yield* FileSystem.FileSystem
    const path = commandLine.configFile
    text = yield* fs.readFileString(path).pipe(
      Effect.mapError(() => new ConfigLoadError({ message: `Fatal error, can't open config file '${path}': No such file or directory` }))
    )
    store.configFile = path
  }
  if (commandLine.configFromStdin) {
    text += "\n" + (yield* Effect.promise(() => readStdin()))
  }
  text += "\n" + commandLine.options
  const error = applyConfigText(store, text)
  if (error !== undefined) return yield* error
  return { store, commandLine }
})

const readStdin = (): Promise<string> =>
  new Promise((resolve) => {
    let data = ""
    process.stdin.setEncoding("latin1")
    process.stdin.on("data", (chunk) => (data += chunk))
    process.stdin.on("end", () => resolve(data))
  })
