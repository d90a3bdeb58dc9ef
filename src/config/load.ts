/**
 * redis-server's configuration sources: the command line (main()), config files (loadServerConfig /
 * loadServerConfigFromString, with `include`), with Redis 7.0's syntax, precedence and error reports.
 * CONFIG REWRITE is in rewrite.ts.
 *
 * Config files are read with synchronous node:fs calls: loading happens once before the server listens.
 */
import { closeSync, globSync, openSync, readFileSync, statSync } from "node:fs"
import { resolve } from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { splitInlineArgs } from "../resp/RequestParser.ts"
import { formatLogLine } from "../server/log.ts"
import { REDIS_VERSION } from "../version.ts"
import { quoteRepr } from "../util/repr.ts"
import { asciiLower, cwdText, fsPath, MULTI_ARG, strerror, trimLine } from "./directives.ts"
import { ConfigStore } from "./ServerConfig.ts"

/** A config file or command line Redis would refuse to start with; `message` is Redis's report. */
/**
 * A configuration redis-server refuses to start with. `logged`: the message is log lines (serverLog),
 * which Redis writes to stdout, where its FATAL CONFIG FILE ERROR report goes to stderr.
 */
export class ConfigLoadError extends Data.TaggedError("ConfigLoadError")<{ readonly message: string; readonly logged?: boolean }> {}

/** What the command line asks for, split the way redis-server's main() splits it. */
export interface CommandLine {
  readonly configFile: string | undefined
  readonly configFromStdin: boolean
  /** `--name value...` arguments as config lines, appended after the file. */
  readonly options: string
}

/**
 * redis-server's argument rules: a first argument not starting with "-" is the config file; "-" as the
 * first or last argument reads the config from stdin; every `--name` starts a config line and the
 * words after it (up to the next `--name`) are its arguments, quoted. `--save` with no value means
 * `save ""`; `--sentinel` takes no value.
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
    const last = j === argv.length - 1
    if (arg === "-" && (j === 0 || last)) {
      configFromStdin = true
    } else if (handledLastArg && arg.startsWith("--")) {
      if (options.length > 0) options += "\n"
      options += arg.slice(2) + " "
      const words = splitInlineArgs(arg) ?? []
      if (words.length === 1) {
        // only a name, like "--port": its value comes in the next arguments
        handledLastArg = false
        const nextIsOption = !last && argv[j + 1]!.startsWith("--")
        const lower = asciiLower(arg)
        if (lower === "--save" && (nextIsOption || last)) {
          options += "\"\""
          handledLastArg = nextIsOption
        } else if (lower === "--sentinel" && nextIsOption) {
          handledLastArg = true
        }
      } else {
        handledLastArg = true
      }
    } else {
      options += quoteRepr(arg) + " "
      handledLastArg = true
    }
  }
  return { configFile, configFromStdin, options }
}

/** The "*** FATAL CONFIG FILE ERROR ***" report, with the offending line when there is one. */
const fatal = (reason: string, at?: { readonly lineNumber: number; readonly line: string }): ConfigLoadError =>
  new ConfigLoadError({
    message: `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n` +
      (at === undefined ? "" : `Reading the configuration file, at line ${at.lineNumber}\n>>> '${at.line}'\n`) +
      reason
  })

/** Errors Redis logs (serverLog) rather than reporting as a config file error. */
const logged = (...messages: ReadonlyArray<string>): ConfigLoadError =>
  new ConfigLoadError({
    message: messages.map((m) => formatLogLine(process.pid, "C", new Date(), "#", m)).join("\n"),
    logged: true
  })

/** Directives Redis 7.0 still accepts and ignores, with the argument count it accepts them with. */
const DEPRECATED = new Set(["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"])

/**
 * The state of one load: the store being filled plus what only a config file can say (modules, the
 * command names `rename-command` edits as it goes, starting from the server's command table).
 */
class ConfigLoader {
  readonly moduleConfigs: Array<string> = []
  private readonly commandNames: Set<string>
  private readonly validateUser: UserValidator | undefined
  readonly store: ConfigStore

  constructor(store: ConfigStore, commandNames: Iterable<string>, validateUser?: UserValidator) {
    this.validateUser = validateUser
    this.store = store
    this.commandNames = new Set(commandNames)
  }

  /** loadServerConfigFromString: every line, then the checks Redis makes once the text is read. */
  applyText(text: string): ConfigLoadError | undefined {
    const store = this.store
    store.readingConfigFile = true
    const lines = text.split("\n")
    for (let i = 0; i < lines.length; i++) {
      const line = trimLine(lines[i]!)
      if (line.length === 0 || line.startsWith("#")) continue
      const at = { lineNumber: i + 1, line }
      const argv = splitInlineArgs(line)
      if (argv === undefined) return fatal("Unbalanced quotes in configuration line", at)
      if (argv.length === 0) continue
      const name = asciiLower(argv[0]!)
      const error = this.applyLine(name, argv)
      if (error instanceof ConfigLoadError) return error
      if (error !== undefined) return fatal(error, at)
    }
    store.readingConfigFile = false
    const logfile = store.get("logfile")!
    if (logfile !== "") {
      try {
        closeSync(openSync(fsPath(resolve(store.get("dir")!, logfile)), "a"))
      } catch (e) {
        return fatal(`Can't open the log file: ${strerror(e)}`)
      }
    }
    if (store.get("cluster-enabled") === "yes" && store.get("replicaof") !== "") {
      return fatal("replicaof directive not allowed in cluster mode")
    }
    return undefined
  }

  /** One config line: a directive, or one of the lines only a config file has. */
  private applyLine(name: string, argv: ReadonlyArray<string>): string | ConfigLoadError | undefined {
    const store = this.store
    const argc = argv.length
    const directive = store.directive(name)
    if (directive !== undefined) {
      let args = argv.slice(1)
      // a multi-argument directive given one (non-empty) argument splits it: `save "3600 1 300 100"`
      if ((directive.flags & MULTI_ARG) !== 0 && args.length === 1 && args[0] !== "") args = splitInlineArgs(args[0]!) ?? []
      const result = store.prepare(directive, args)
      if ("error" in result) return result.error
      store.commit([[directive, result.ok]])
      return undefined
    }
    if (DEPRECATED.has(name) && argc === 2) return undefined
    if (name === "include" && argc === 2) return this.include(argv[1]!)
    if (name === "rename-command" && argc === 3) return this.renameCommand(argv[1]!, argv[2]!)
    if (name === "user" && argc >= 2) {
      const invalid = this.validateUser?.(argv, store.users)
      if (invalid !== undefined) return invalid
      store.users.push(argv.slice(1))
      return undefined
    }
    if (name === "loadmodule" && argc >= 2) {
      this.store.modules.push(argv[1]!)
      return undefined
    }
    if (name.includes(".")) {
      if (argc < 2) return "Module config specified without value"
      this.moduleConfigs.push(name)
      return undefined
    }
    if (name === "sentinel") return argc === 1 ? undefined : "sentinel directive while not in sentinel mode"
    return "Bad directive or wrong number of arguments"
  }

  /**
   * `include path`: the file is loaded on its own (its own line numbers in errors), relative paths from
   * the current `dir`. A pattern with * ? [ loads every match, in order, as one text, and matching
   * nothing is fine; a plain path that cannot be read stops the server.
   */
  private include(path: string): ConfigLoadError | undefined {
    const absolute = resolve(this.store.get("dir")!, path)
    const files = /[*?[]/.test(path)
      ? [...globSync(Buffer.from(absolute, "latin1").toString("utf8"))].sort().map((f) => Buffer.from(f, "utf8").toString("latin1"))
      : [absolute]
    let text = ""
    for (const file of files) {
      const content = readConfigFile(file)
      if (content instanceof ConfigLoadError) return content
      text += content
    }
    if (files.length === 0) return undefined
    return this.applyText(text)
  }

  /** `rename-command old new`: checked against the command table as earlier renames left it. */
  private renameCommand(from: string, to: string): string | undefined {
    const source = asciiLower(from)
    if (!this.commandNames.has(source)) return "No such command in rename-command"
    this.commandNames.delete(source)
    if (to !== "") {
      const target = asciiLower(to)
      if (this.commandNames.has(target)) return "Target command name already exists"
      this.commandNames.add(target)
    }
    this.store.commandRenames.push({ from: source, to: asciiLower(to) })
    return undefined
  }

    /**
   * Module configs without a `loadmodule` stop the start-up (a `loadmodule` fails first: main() logs it
   * after "Server initialized", as Redis's moduleLoadFromQueue, `moduleLoadFailure`).
   */
  checkModules(): ConfigLoadError | undefined {
    if (this.store.modules.length > 0) return undefined
    if (this.moduleConfigs.length > 0) {
      return logged("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting")
    }
    return undefined
  }
}

/**
 * moduleLoad's log line for a module this server cannot load (it loads none): what Redis logs when the
 * file is missing, unreadable, a directory or not executable (stat, then dlopen's dlerror), and for a
 * file dlopen could open, that this server does not load modules.
 */
export const moduleLoadFailure = (path: string): string => {
  const failed = `Module ${path} failed to load: `
  let mode: number
  try {
    const st = statSync(fsPath(path))
    mode = st.mode
    if ((mode & 0o111) === 0) return `${failed}It does not have execute permissions.`
    if (st.isDirectory()) return `${failed}${path}: cannot read file data: Is a directory`
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "EACCES") return `${failed}${path}: cannot open shared object file: Permission denied`
    return `${failed}${path}: cannot open shared object file: No such file or directory`
  }
  return `${failed}modules are not supported by effect-redis-server`
}

/** A config file's bytes as latin1 text, or the error redis-server logs before exiting. */
const readConfigFile = (path: string): string | ConfigLoadError => {
  try {
    return readFileSync(fsPath(path)).toString("latin1")
  } catch (e) {
    return logged(`Fatal error, can't open config file '${path}': ${strerror(e)}`)
  }
}

/**
 * loadServerConfigFromString: applies config text line by line to `store`. Directives flagged
 * ACCUMULATE (`save`) add up line after line, the last line wins otherwise; `include` loads other files.
 */
export const applyConfigText = (
  store: ConfigStore,
  text: string,
  commandNames: Iterable<string>
): ConfigLoadError | undefined => {
  const loader = new ConfigLoader(store, commandNames)
  return loader.applyText(text) ?? loader.checkModules()
}

/**
 * ACLAppendUserForLoading, given by the caller (configuration does not depend on ACL): the error text
 * of a `user` line (`argv` from "user"), or undefined; `previous` are the lines accepted before.
 */
export type UserValidator = (argv: ReadonlyArray<string>, previous: ReadonlyArray<ReadonlyArray<string>>) => string | undefined

export interface LoadOptions {
  /** Checks `user` lines as they are read (see UserValidator). */
  readonly validateUser?: UserValidator
  /**
   * The names of the server's commands (lower case), which `rename-command` lines are checked against.
   * Given by the caller so that configuration does not depend on the command modules.
   */
  readonly commandNames: Iterable<string>
  /**
   * Follow `dir` with the process's working directory, as redis-server's chdir does (default true:
   * what the standalone server wants; tests and embedders that share the process pass false).
   */
  readonly chdir?: boolean
  /** Reads the config text given on stdin ("-"). */
  readonly stdin?: () => Promise<string>
}

/** Builds the configuration from the command line: defaults, then the file, then stdin, then `--name value`. */
export const loadConfig = Effect.fnUntraced(function*(argv: ReadonlyArray<string>, options: LoadOptions) {
  // Node decodes process.argv as UTF-8; redis-server sees the bytes, which values here are (latin1)
  const commandLine = parseCommandLine(argv.map((arg) => Buffer.from(arg, "utf8").toString("latin1")))
  const store = new ConfigStore()
  let text = ""
  if (commandLine.configFile !== undefined) {
    // getAbsolutePath: CONFIG REWRITE must find the file after `dir` moved the working directory
    const path = resolve(cwdText(), commandLine.configFile)
    store.configFile = path
    const content = readConfigFile(path)
    if (content instanceof ConfigLoadError) return yield* content
    text = content
  }
  if (commandLine.configFromStdin) {
    // appended as is: a file without a final newline runs into the first stdin line, as in Redis
    text += yield* Effect.promise(options.stdin ?? readStdin)
  }
  text += "\n" + commandLine.options
  const loader = new ConfigLoader(store, options.commandNames, options.validateUser)
  const error = loader.applyText(text) ?? loader.checkModules()
  if (error !== undefined) return yield* error
  if (options.chdir !== false) store.watch("dir", (dir) => process.chdir(Buffer.from(dir, "latin1").toString("utf8")))
  return { store, commandLine }
})

const readStdin = (): Promise<string> =>
  new Promise((resolve) => {
    let data = ""
    process.stdin.setEncoding("latin1")
    process.stdin.on("data", (chunk) => (data += chunk))
    process.stdin.on("end", () => resolve(data))
  })
