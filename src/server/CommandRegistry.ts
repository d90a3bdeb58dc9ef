/**
 * Where subsystems plug into the engine: each subsystem's Layer contributes its commands, INFO fields,
 * per-client state and check-stage rules here for the Layer's lifetime, so the engine imports no
 * subsystem and a composition without one simply lacks what it brings.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { AclStore } from "../acl/Acl.ts"
import { type AclCommandTable, mergedCommandTable } from "../acl/User.ts"
import type { CommandSpec } from "../commands/CommandSpec.ts"
import type { AclDenial } from "../commands/errors.ts"
import type { CommandContext } from "./CommandContext.ts"
import { ServerConfig, watchScoped } from "../config/ServerConfig.ts"
import { type Client, RuntimeCommand } from "./Client.ts"
import type { EngineState } from "./Engine.ts"

/** One `name:value` line of an INFO section. */
export type InfoField = readonly [name: string, value: string | number]

/** Fields a subsystem contributes to a section; each replaces the field of the same name or is appended. */
export type InfoProvider = (engine: EngineState) => ReadonlyArray<InfoField>

/**
 * Per-client state a subsystem keeps (subscriptions, tracking, ...): created on first use, and handed
 * to `reset` on RESET and when the client is freed, so the subsystem can release what it holds.
 */
export class ClientSlot<T> {
  readonly name: string
  readonly init: (client: Client) => T
  readonly reset: ((state: T, client: Client) => void) | undefined

  constructor(name: string, init: (client: Client) => T, reset?: (state: T, client: Client) => void) {
    this.name = name
    this.init = init
    this.reset = reset
  }

  /** The client's state for this slot, created on first use. */
  get(client: Client): T {
    let state = client.slots.get(this) as T | undefined
    if (state === undefined) {
      state = this.init(client)
      client.slots.set(this, state)
    }
    return state
  }

  /** The client's state, without creating it. */
  peek(client: Client): T | undefined {
    return client.slots.get(this) as T | undefined
  }
}

/**
 * Rules of the check stage that belong to other subsystems: the engine decides where in processCommand's
 * order each applies and with which error, a subsystem only answers the question.
 */
export interface CheckHooks {
  /**
   * ACL: undefined when `client` may run the command, else what it may not touch. `caller` is the
   * pipeline's (client, exec, script), for the ACL log's context.
   */
  acl:
    | ((client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, caller: "client" | "exec" | "script") => AclDenial | undefined)
    | undefined
  /**
   * maxmemory, asked before every command a caller checks for memory (set only while maxmemory is):
   * performEvictions, then true when memory is still over the limit (deny-oom commands are refused).
   * `inScript`: a script's command, which evicts nothing and gets the state its script started with.
   */
  outOfMemory: ((inScript: boolean) => boolean) | undefined
  /** writeCommandsDeniedByDiskError: the MISCONF error writes (and PING) get, undefined when none. */
  diskError: (() => string | undefined) | undefined
  /** !checkGoodReplicasStatus: true when min-replicas-to-write is not met (writes get NOREPLICAS). */
  noReplicas: (() => boolean) | undefined
}

/** A DEBUG subcommand a subsystem serves (DEBUG RELOAD by persistence), after DEBUG's own checks. */
export type DebugSubcommand = (ctx: CommandContext, argv: ReadonlyArray<string>) => void

/** Two subsystems claimed one command name: a composition error, found when the Layers are built. */
export class DuplicateCommandError extends Data.TaggedError("DuplicateCommandError")<{ readonly name: string }> {
  override get message(): string {
    return `command ${this.name} registered twice`
  }
}

/** The registry's state: one per server. */
export class Registry {
  /** Every command by lower- and upper-case name (after rename-command). */
  readonly commands = new Map<string, RuntimeCommand>()
  /** INFO contributions by section. */
  readonly infoProviders = new Map<string, Array<InfoProvider>>()
  /** Whole INFO sections a subsystem writes itself (replication: its fields depend on the role). */
  readonly infoSections = new Map<string, InfoProvider>()
  /** Called on RESET and when a client is freed, for per-client state kept outside a slot. */
  readonly clientResetHooks: Array<(client: Client) => void> = []
  readonly slots: Array<ClientSlot<unknown>> = []
  readonly checks: CheckHooks = { acl: undefined, outOfMemory: undefined, diskError: undefined, noReplicas: undefined }
  /** DEBUG subcommands contributed by subsystems, by lower-case name. */
  readonly debugSubcommands = new Map<string, DebugSubcommand>()
  /** Commands by original (lower-case) name, before rename-command: what ACL rules name. */
  private readonly originals = new Map<string, RuntimeCommand>()
  /** ACL's table (Redis's whole table and what this server adds), rebuilt after commands change. */
  private merged: AclCommandTable | undefined = undefined
  readonly aclTable: AclCommandTable = {
    lookup: (name) => this.mergedTable().lookup(name),
    commands: () => this.mergedTable().commands()
  }
  /** Users, passwords and the ACL log: AUTH and HELLO use them with or without the ACL Layer. */
  readonly acl = new AclStore(this.aclTable)
  private readonly renames: ReadonlyMap<string, string>

  constructor(renames: ReadonlyArray<{ readonly from: string; readonly to: string }> = []) {
    // rename-command lines apply in order: a later line may rename what an earlier one named
    const finalName = new Map<string, string>()
    for (const { from, to } of renames) {
      const name = from.toLowerCase()
      let original: string | undefined
      for (const [o, current] of finalName) if (current === name) original = o
      if (original === undefined) {
        if (finalName.has(name)) continue // renamed away already: no command answers to `name`
        original = name
      }
      finalName.set(original, to)
    }
    this.renames = finalName
  }

  private mergedTable(): AclCommandTable {
    if (this.merged === undefined) this.merged = mergedCommandTable(this.originals.values())
    return this.merged
  }

  /** Command by name, any case. */
  lookup(name: string): RuntimeCommand | undefined {
    return this.commands.get(name) ?? this.commands.get(name.toLowerCase())
  }

  /**
   * Adds commands (rename-command applies: a renamed command answers to its new name only, or to none
   * for ""); returns what removes them again.
   */
  addCommands(specs: ReadonlyArray<CommandSpec>): () => void {
    const added: Array<string> = []
    const originals: Array<string> = []
    for (const spec of specs) {
      const name = this.renames.get(spec.name) ?? spec.name
      const command = new RuntimeCommand(spec, spec.name, undefined)
      // a command renamed to "" still exists for ACL rules, as in Redis's orig_commands
      if (!this.originals.has(spec.name)) {
        this.originals.set(spec.name, command)
        originals.push(spec.name)
      }
      this.merged = undefined
      if (name === "") continue
      const lower = name.toLowerCase()
      if (this.commands.has(lower)) throw new DuplicateCommandError({ name: spec.name })
      this.commands.set(lower, command)
      this.commands.set(name.toUpperCase(), command)
      added.push(lower, name.toUpperCase())
    }
    return () => {
      for (const name of added) this.commands.delete(name)
      for (const name of originals) this.originals.delete(name)
      this.merged = undefined
    }
  }

  /** Every distinct command (not the per-case aliases). */
  distinctCommands(): ReadonlyArray<RuntimeCommand> {
    return [...new Set(this.commands.values())]
  }

  addInfo(section: string, provider: InfoProvider): () => void {
    const list = this.infoProviders.get(section) ?? []
    list.push(provider)
    this.infoProviders.set(section, list)
    return () => {
      const i = list.indexOf(provider)
      if (i !== -1) list.splice(i, 1)
    }
  }

  /** Replaces a whole INFO section for the caller's lifetime; returns what restores the default. */
  addInfoSection(section: string, provider: InfoProvider): () => void {
    this.infoSections.set(section, provider)
    return () => {
      if (this.infoSections.get(section) === provider) this.infoSections.delete(section)
    }
  }

  addDebugSubcommand(name: string, handler: DebugSubcommand): () => void {
    this.debugSubcommands.set(name, handler)
    return () => {
      if (this.debugSubcommands.get(name) === handler) this.debugSubcommands.delete(name)
    }
  }

  onClientReset(hook: (client: Client) => void): () => void {
    this.clientResetHooks.push(hook)
    return () => {
      const i = this.clientResetHooks.indexOf(hook)
      if (i !== -1) this.clientResetHooks.splice(i, 1)
    }
  }

  addSlot<T>(slot: ClientSlot<T>): () => void {
    this.slots.push(slot as ClientSlot<unknown>)
    return () => {
      const i = this.slots.indexOf(slot as ClientSlot<unknown>)
      if (i !== -1) this.slots.splice(i, 1)
    }
  }

  /** RESET, or the client is gone: every subsystem clears what it keeps for the client. */
  resetClient(client: Client): void {
    for (const hook of this.clientResetHooks) hook(client)
    if (client.slots.size === 0) return
    for (const slot of this.slots) {
      const state = client.slots.get(slot)
      if (state !== undefined && slot.reset !== undefined) slot.reset(state, client)
    }
    client.slots.clear()
  }
}

/** The registry as a service; rename-command comes from the configuration. */
export class CommandRegistry extends Context.Service<CommandRegistry, Registry>()("effect-redis-server/CommandRegistry") {
  static readonly layer: Layer.Layer<CommandRegistry, never, ServerConfig> = Layer.effect(
    CommandRegistry,
    Effect.gen(function*() {
      const config = yield* ServerConfig
      const registry = new Registry(config.commandRenames)
      const acl = registry.acl
      // requirepass is the default user's password (ACLUpdateDefaultUserPassword)
      yield* watchScoped(config, "requirepass", (v) => acl.setDefaultPassword(v))
      yield* watchScoped(config, "acl-pubsub-default", (v) => acl.setPubsubDefault(v))
      yield* watchScoped(config, "acllog-max-len", (v) => {
        acl.logMaxLen = Number(v)
        if (acl.log.length > acl.logMaxLen) acl.log.length = acl.logMaxLen
      })
      return registry
    })
  )

  /** Runs `add` against the registry now and its undo when the current scope closes. */
  static readonly contributeScoped = (
    add: (registry: Registry) => () => void
  ): Effect.Effect<void, never, CommandRegistry | Scope.Scope> =>
    Effect.gen(function*() {
      const registry = yield* CommandRegistry
      const remove = add(registry)
      yield* Effect.addFinalizer(() => Effect.sync(remove))
    })

  /** A Layer that contributes commands for its lifetime. */
  static readonly commands = (specs: ReadonlyArray<CommandSpec>): Layer.Layer<never, never, CommandRegistry> =>
    Layer.effectDiscard(CommandRegistry.contributeScoped((registry) => registry.addCommands(specs)))
}
