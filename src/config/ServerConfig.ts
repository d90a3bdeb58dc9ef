import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { splitInlineArgs } from "../resp/RequestParser.ts"
import { quoteRepr } from "../util/repr.ts"
import {
  ACCUMULATE,
  type ApplyFn,
  type ApplyHook,
  type ApplyHooks,
  asciiLower,
  type Directive,
  type DirectiveResult,
  directives,
  IMMUTABLE,
  MULTI_ARG,
  type ParseContext,
  PROTECTED,
  VOLATILE
} from "./directives.ts"

/**
 * A name CONFIG GET and CONFIG SET know: a directive under its own name or under its alias. Redis
 * registers aliases as configs of their own, so each is a distinct entry (CONFIG GET * lists both,
 * CONFIG SET does not see `alias x primary y` as a duplicate).
 */
export interface ConfigEntry {
  /** The lower-case name of this entry (the alias for an alias entry). */
  readonly name: string
  readonly directive: Directive
  readonly isAlias: boolean
}

/** A `rename-command` line of the config file, applied to the command table by the engine. */
export interface CommandRename {
  readonly from: string
  /** "" removes the command. */
  readonly to: string
}

/**
 * The live configuration: every directive's current value in canonical text form (what CONFIG GET
 * shows), validation through the directive table, and change listeners so subsystems that cache a
 * value on their hot path (parser limits, notify flags, hz) see CONFIG SET.
 */
export class ConfigStore implements ApplyHooks {
  private readonly table: ReadonlyArray<Directive>
  private readonly byName = new Map<string, ConfigEntry>()
  private readonly entryList: Array<ConfigEntry> = []
  private readonly values = new Map<string, string>()
  /** Change listeners per directive; replaced, never mutated, so a commit in progress is not disturbed. */
  private readonly listeners = new Map<string, ReadonlyArray<(value: string) => void>>()
  /** liveNumbers records, by their field map, and for each directive the record fields that follow it. */
  private readonly liveRecords = new Map<object, Record<string, number>>()
  private readonly liveFields = new Map<string, Array<readonly [Record<string, number>, string]>>()
  /** Absolute path of the config file the server started from (CONFIG REWRITE target), if any. */
  configFile: string | undefined = undefined
  /**
   * Set by the config loader while it reads a file (Redis's reading_config_file): a directive flagged
   * ACCUMULATE (`save`) then adds to what earlier lines set instead of replacing it.
   */
  readingConfigFile = false
  private readonly accumulating = new Set<string>()
  /** `rename-command` lines, in file order. */
  readonly commandRenames: Array<CommandRename> = []
  /** `user` lines (name and ACL rules), in file order, for the ACL subsystem and CONFIG REWRITE. */
  readonly users: Array<ReadonlyArray<string>> = []
  /** `loadmodule` paths, in file order: main() fails to load the first as Redis's moduleLoadFromQueue would. */
  readonly modules: Array<string> = []
  /** Set by the ACL subsystem: the `user` lines CONFIG REWRITE writes (every user, described). */
  userLines: (() => ReadonlyArray<string>) | undefined = undefined

  constructor(table: ReadonlyArray<Directive> = directives) {
    this.table = table
    for (const d of table) {
      this.addEntry({ name: d.name, directive: d, isAlias: false })
      if (d.alias !== undefined) this.addEntry({ name: d.alias, directive: d, isAlias: true })
      this.values.set(d.name, d.initial?.() ?? d.default)
    }
  }

  private addEntry(entry: ConfigEntry): void {
    this.byName.set(entry.name, entry)
    this.entryList.push(entry)
  }

  /** The CONFIG GET/SET entry for a name, any case. */
  entry(name: string): ConfigEntry | undefined {
    return this.byName.get(name) ?? this.byName.get(asciiLower(name))
  }

  directive(name: string): Directive | undefined {
    return this.entry(name)?.directive
  }

  /** Current canonical value; undefined for an unknown directive. */
  get(name: string): string | undefined {
    const d = this.directive(name)
    return d === undefined ? undefined : this.values.get(d.name)
  }

  /** The value as CONFIG GET shows it (see Directive.display). */
  display(name: string): string | undefined {
    const d = this.directive(name)
    if (d === undefined) return undefined
    const value = this.values.get(d.name)!
    return d.display === undefined ? value : d.display(value)
  }

  /** A plain integer directive as a number (not for percentages or octal values). */
  getNumber(name: string): number {
    return Number(this.get(name))
  }

  getBool(name: string): boolean {
    return this.get(name) === "yes"
  }

  /**
   * Validates a value for a directive against its current value, without changing anything. The
   * arguments are the words of a config line (CONFIG SET splits MULTI_ARG values on spaces first).
   */
  prepare(directive: Directive, args: ReadonlyArray<string>, current?: string): DirectiveResult {
    if ((directive.flags & MULTI_ARG) === 0 && args.length !== 1) return { error: "wrong number of arguments" }
    return directive.parse(args, this.parseContext(directive, current ?? this.values.get(directive.name)!))
  }

  private parseContext(directive: Directive, current: string): ParseContext {
    return {
      current,
      accumulate: this.readingConfigFile && this.accumulating.has(directive.name),
      get: (name) => this.get(name) ?? "",
      configFile: this.configFile
    }
  }

  /** Stores canonical values, then tells the listeners of those that changed. */
  commit(changes: ReadonlyArray<readonly [Directive, string]>): void {
    const changed: Array<readonly [Directive, string]> = []
    for (const [d, value] of changes) {
      if (this.readingConfigFile && (d.flags & ACCUMULATE) !== 0) this.accumulating.add(d.name)
      if (this.values.get(d.name) === value) continue
      this.values.set(d.name, value)
      changed.push([d, value])
    }
    for (const [d, value] of changed) {
      const fields = this.liveFields.get(d.name)
      if (fields !== undefined) for (const [record, field] of fields) record[field] = Number(value)
    }
    for (const [d, value] of changed) {
      for (const fn of this.listeners.get(d.name) ?? []) fn(value)
    }
  }

  /**
   * Validates and applies one directive. `startup` allows immutable directives (config file and
   * command line). Returns undefined on success or the reason the value was refused.
   */
  set(name: string, args: ReadonlyArray<string>, startup = false): string | undefined {
    const d = this.directive(name)
    if (d === undefined) return "Bad directive or wrong number of arguments"
    if (!startup && (d.flags & IMMUTABLE) !== 0) return "can't set immutable config"
    // a config line's rule: a multi-argument directive given one non-empty argument splits it (`save "3600 1"`)
    const words = startup && (d.flags & MULTI_ARG) !== 0 && args.length === 1 && args[0] !== "" ? splitInlineArgs(args[0]!) ?? [] : args
    const result = this.prepare(d, words)
    if ("error" in result) return result.error
    this.commit([[d, result.ok]])
    return undefined
  }

  /**
   * Calls `fn` now and on every change of the directive, until the returned function is called. A
   * Layer registers through `watchScoped`, which unregisters when its scope closes.
   */
  watch(name: string, fn: (value: string) => void): () => void {
    const d = this.directive(name)
    if (d === undefined) throw new Error(`unknown config directive ${name}`)
    this.listeners.set(d.name, [...(this.listeners.get(d.name) ?? []), fn])
    fn(this.values.get(d.name)!)
    let registered = true
    return () => {
      if (!registered) return
      registered = false
      const list = this.listeners.get(d.name)!
      const i = list.indexOf(fn)
      this.listeners.set(d.name, [...list.slice(0, i), ...list.slice(i + 1)])
    }
  }

  private readonly applyHooks = new Map<string, ApplyHook>()

  /** The hook an apply function calls by this name (see directives.ts, ApplyHooks), if a Layer set one. */
  applyHook(name: string): ApplyHook | undefined {
    return this.applyHooks.get(name)
  }

  /** Registers an apply hook until the returned function is called (a Layer does it in a finalizer). */
  setApplyHook(name: string, hook: ApplyHook): () => void {
    this.applyHooks.set(name, hook)
    return () => {
      if (this.applyHooks.get(name) === hook) this.applyHooks.delete(name)
    }
  }

  /** Change listeners registered on a directive, or on all of them (to check that scopes released theirs). */
  listenerCount(name?: string): number {
    if (name !== undefined) return this.listeners.get(this.directive(name)?.name ?? name)?.length ?? 0
    let n = 0
    for (const list of this.listeners.values()) n += list.length
    return n
  }

  /**
   * Numeric directives as fields of one record that follows CONFIG SET, for values read on every
   * command (encoding thresholds). `fields` maps a field to a directive; the same `fields` object
   * always gives the same record, kept here (no listener), so it lives exactly as long as the store.
   */
  numbers<K extends string>(fields: Readonly<Record<K, string>>): Readonly<Record<K, number>> {
    let record = this.liveRecords.get(fields)
    if (record === undefined) {
      const created: Record<string, number> = {}
      for (const field of Object.keys(fields) as Array<K>) {
        const d = this.directive(fields[field])
        if (d === undefined) throw new Error(`unknown config directive ${fields[field]}`)
        created[field] = Number(this.values.get(d.name))
        const list = this.liveFields.get(d.name) ?? []
        list.push([created, field])
        this.liveFields.set(d.name, list)
      }
      this.liveRecords.set(fields, created)
      record = created
    }
    return record as Readonly<Record<K, number>>
  }

  /** Every directive with its current value, in table order. */
  entries(): ReadonlyArray<readonly [Directive, string]> {
    return this.table.map((d) => [d, this.values.get(d.name)!] as const)
  }

  /** Every name CONFIG GET knows (aliases included), in table order. */
  configEntries(): ReadonlyArray<ConfigEntry> {
    return this.entryList
  }
}

/** What CONFIG SET refused, in Redis's words. */
export type ConfigSetError =
  | { readonly _tag: "Unknown"; readonly name: string }
  | { readonly _tag: "Failed"; readonly name: string; readonly reason: string }

/**
 * CONFIG SET's algorithm (configSetCommand): every name is checked first (unknown, immutable,
 * protected, duplicate), then every value is parsed in order against the values set before it, then
 * Redis's apply functions run once each; the first failure leaves the configuration untouched.
 * `allowProtected` is `enable-protected-configs` as it applies to the calling client.
 */
export const configSet = (
  store: ConfigStore,
  pairs: ReadonlyArray<readonly [string, string]>,
  allowProtected: boolean
): ConfigSetError | undefined => {
  const entries: Array<ConfigEntry> = []
  for (let i = 0; i < pairs.length; i++) {
    const name = pairs[i]![0]
    const entry = store.entry(name)
    if (entry === undefined) return { _tag: "Unknown", name }
    const flags = entry.directive.flags
    if ((flags & IMMUTABLE) !== 0) return { _tag: "Failed", name, reason: "can't set immutable config" }
    if ((flags & PROTECTED) !== 0 && !allowProtected) {
      return { _tag: "Failed", name, reason: "can't set protected config" }
    }
    if (entries.includes(entry)) return { _tag: "Failed", name, reason: "duplicate parameter" }
    entries.push(entry)
  }
  const pending = new Map<string, string>()
  const applies: Array<readonly [ApplyFn, string]> = []
  for (let i = 0; i < entries.length; i++) {
    const { directive, name } = entries[i]!
    const value = pairs[i]![1]
    // performInterfaceSet: a MULTI_ARG value is split on single spaces ("" gives no word at all)
    const args = (directive.flags & MULTI_ARG) !== 0 ? (value === "" ? [] : value.split(" ")) : [value]
    const current = pending.get(directive.name) ?? store.get(directive.name)!
    const result = directive.parse(args, {
      current,
      accumulate: false,
      get: (n) => pending.get(store.directive(n)?.name ?? n) ?? store.get(n) ?? "",
      configFile: store.configFile
    })
    if ("error" in result) return { _tag: "Failed", name, reason: result.error }
    const changed = result.ok !== current || (directive.flags & VOLATILE) !== 0
    if (changed && directive.apply !== undefined && !applies.some(([fn]) => fn === directive.apply)) {
      applies.push([directive.apply, name])
    }
    pending.set(directive.name, result.ok)
  }
  const get = (n: string) => pending.get(store.directive(n)?.name ?? n) ?? store.get(n) ?? ""
  for (const [apply, name] of applies) {
    const failure = apply(get, store)
    if (failure !== undefined) return { _tag: "Failed", name, reason: failure }
  }
  store.commit(entries.map(({ directive }) => {
    const value = pending.get(directive.name)!
    // like an apply function, only for a value that changed
    const adjusted = value === store.get(directive.name) ? value : directive.adjust?.(value) ?? value
    return [directive, adjusted] as const
  }))
  return undefined
}

/**
 * Numeric directives read on every command (encoding thresholds): `liveNumbers(fields)(config)` is the
 * store's record for these fields (`ConfigStore.numbers`), whose fields follow CONFIG SET.
 */
export const liveNumbers = <K extends string>(
  fields: Readonly<Record<K, string>>
): (config: ConfigStore) => Readonly<Record<K, number>> =>
(config) => config.numbers(fields)

/** `config.watch` for the life of the current scope: the listener is removed when the scope closes. */
export const watchScoped = (
  config: ConfigStore,
  name: string,
  fn: (value: string) => void
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(Effect.acquireRelease(Effect.sync(() => config.watch(name, fn)), (unwatch) => Effect.sync(unwatch)))

/**
 * A directive redis-server would refuse to start with. `reason` is Redis's own words for it (the last
 * line of its "FATAL CONFIG FILE ERROR" report, e.g. "argument couldn't be parsed into an integer");
 * `message` also shows the line as Redis quotes it (`>>> 'databases "abc"'`).
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly directive: string
  readonly value: ReadonlyArray<string>
  readonly reason: string
  readonly message: string
}> {
  static of(directive: string, value: ReadonlyArray<string>, reason: string): ConfigError {
    const line = [directive, ...value.map(quoteRepr)].join(" ")
    return new ConfigError({ directive, value, reason, message: `Bad config line '${line}': ${reason}` })
  }
}

export class ServerConfig extends Context.Service<ServerConfig, ConfigStore>()("effect-redis-server/ServerConfig") {
  /**
   * Defaults overridden by `overrides` (directive name -> arguments), validated like the lines of a
   * config file (so `save` values given as several words accumulate like `save` lines do).
   */
  static readonly layer = (
    overrides: Readonly<Record<string, string | ReadonlyArray<string>>> = {}
  ): Layer.Layer<ServerConfig, ConfigError> =>
    Layer.effect(
      ServerConfig,
      Effect.suspend(() => {
        const store = new ConfigStore()
        store.readingConfigFile = true
        for (const [name, value] of Object.entries(overrides)) {
          const args = typeof value === "string" ? [value] : value
          const reason = store.set(name, args, true)
          if (reason !== undefined) return Effect.fail(ConfigError.of(name, args, reason))
        }
        store.readingConfigFile = false
        return Effect.succeed(store)
      })
    )

  /** A ready store (from a parsed config file and command line). */
  static readonly layerFrom = (store: ConfigStore) => Layer.succeed(ServerConfig, store)
}
