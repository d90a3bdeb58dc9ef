import { Context, Layer } from "effect"
import { type Directive, directives, IMMUTABLE } from "./directives.ts"

/**
 * The live configuration: every directive's current value in canonical text form (what CONFIG GET
 * shows), validation through the directive table, and change listeners so subsystems that cache a
 * value on their hot path (parser limits, notify flags, hz) see CONFIG SET.
 */
export class ConfigStore {
  private readonly byName = new Map<string, Directive>()
  private readonly values = new Map<string, string>()
  private readonly listeners = new Map<string, Array<(value: string) => void>>()
  /** Absolute path of the config file the server started from (CONFIG REWRITE target), if any. */
  configFile: string | undefined = undefined

  constructor(table: ReadonlyArray<Directive> = directives) {
    for (const d of table) {
      this.byName.set(d.name, d)
      if (d.alias !== undefined) this.byName.set(d.alias, d)
      this.values.set(d.name, d.default)
    }
  }

  directive(name: string): Directive | undefined {
    return this.byName.get(name.toLowerCase())
  }

  /** Current canonical value; undefined for an unknown directive. */
  get(name: string): string | undefined {
    const d = this.directive(name)
    return d === undefined ? undefined : this.values.get(d.name)
  }

  getNumber(name: string): number {
    return Number(this.get(name))
  }

  getBool(name: string): boolean {
    return this.get(name) === "yes"
  }

  /**
   * Validates and applies one directive. `startup` allows immutable directives (config file and
   * command line). Returns undefined on success or the reason the value was refused.
   */
  set(name: string, args: ReadonlyArray<string>, startup = false): string | undefined {
    const d = this.directive(name)
    if (d === undefined) return "unknown directive"
    if (!startup && (d.flags & IMMUTABLE) !== 0) return "can't set immutable config"
    const result = d.parse(args)
    if ("error" in result) return result.error
    const previous = this.values.get(d.name)
    this.values.set(d.name, result.ok)
    if (previous !== result.ok) {
      for (const fn of this.listeners.get(d.name) ?? []) fn(result.ok)
    }
    return undefined
  }

  /** Calls `fn` now and on every change of the directive. */
  watch(name: string, fn: (value: string) => void): void {
    const d = this.directive(name)
    if (d === undefined) throw new Error(`unknown config directive ${name}`)
    const list = this.listeners.get(d.name) ?? []
    list.push(fn)
    this.listeners.set(d.name, list)
    fn(this.values.get(d.name)!)
  }

  /** Every directive with its current value, in table order. */
  entries(): ReadonlyArray<readonly [Directive, string]> {
    const out: Array<readonly [Directive, string]> = []
    for (const [name, value] of this.values) out.push([this.byName.get(name)!, value])
    return out
  }
}

export class ServerConfig extends Context.Service<ServerConfig, ConfigStore>()("effect-redis-server/ServerConfig") {
  /** Defaults overridden by `overrides` (directive name -> arguments), validated like a config file. */
  static readonly layer = (overrides: Readonly<Record<string, string | ReadonlyArray<string>>> = {}) =>
    Layer.sync(ServerConfig, () => {
      const store = new ConfigStore()
      for (const [name, value] of Object.entries(overrides)) {
        const error = store.set(name, typeof value === "string" ? [value] : value, true)
        if (error !== undefined) throw new Error(`invalid config ${name}: ${error}`)
      }
      return store
    })

  /** A ready store (from a parsed config file and command line). */
  static readonly layerFrom = (store: ConfigStore) => Layer.succeed(ServerConfig, store)
}
