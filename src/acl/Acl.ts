/**
 * The ACL state of one server: its users (the `default` user always exists), the ACL log, and the
 * operations of acl.c that do not need the engine (setting users from rules, authentication, ACL
 * files). What touches clients (disconnecting those of a deleted user or of one that lost channels) is
 * done through `hooks`, which the ACL Layer sets.
 */
import { timingSafeEqual } from "node:crypto"
import {
  type AclCommandTable,
  AclUser,
  createDefaultUser,
  createUser,
  hashPassword,
  hasSpaces,
  mergeSelectorArguments,
  ruleErrorText,
  SELECTOR_ALLCHANNELS
} from "./User.ts"

/** One ACL LOG entry (ACLLogEntry). */
export interface AclLogEntry {
  count: number
  readonly reason: "command" | "key" | "channel" | "auth"
  readonly context: "toplevel" | "multi" | "lua"
  readonly object: string
  readonly username: string
  ctime: number
  cinfo: string
}

/** ACL_LOG_GROUPING_MAX_TIME_DELTA: entries within this many ms may be grouped. */
const GROUPING_MAX_DELTA = 60000

export interface AclHooks {
  /** ACLKillPubsubClientsIfNeeded: `user` is about to get the rules of `updated`. */
  readonly channelsChanging?: (user: AclUser, updated: AclUser) => void
  /** ACLFreeUserAndKillClients: `user` was deleted (or replaced by ACL LOAD). */
  readonly userDeleted?: (user: AclUser) => void
}

/** Compared against when there is no password to compare with (no hash of any password equals it). */
const NO_PASSWORD = "-".repeat(64)

/** No commands: for a store made without a registry. */
const NO_COMMANDS: AclCommandTable = { lookup: () => undefined, commands: () => [] }

export class AclStore {
  readonly users = new Map<string, AclUser>()
  defaultUser: AclUser
  table: AclCommandTable
  /** acl-pubsub-default: SELECTOR_ALLCHANNELS or 0. */
  pubsubDefault = 0
  /** acllog-max-len. */
  logMaxLen = 128
  /** Newest first. */
  log: Array<AclLogEntry> = []
  hooks: AclHooks = {}
  /** What went wrong loading users at start-up (config `user` lines, aclfile): redis-server exits. */
  startupErrors: ReadonlyArray<string> | undefined = undefined

  constructor(table: AclCommandTable = NO_COMMANDS) {
    this.table = table
    this.defaultUser = createDefaultUser(table)
    this.users.set("default", this.defaultUser)
  }

  getUser(name: string): AclUser | undefined {
    return this.users.get(name)
  }

  /**
   * ACLStringSetUser: applies all rules to a copy of the user (or a new one) and only then to the
   * user, so a bad rule changes nothing. Returns the error text (without "ERR ") or undefined.
   */
  setUser(name: string, rules: ReadonlyArray<string>, existing = this.users.get(name)): string | undefined {
    const merged = mergeSelectorArguments(rules)
    if (!Array.isArray(merged)) {
      return `Unmatched parenthesis in acl selector starting at '${rules[(merged as { unmatched: number }).unmatched]}'.`
    }
    const temp = createUser(name, this.pubsubDefault)
    if (existing !== undefined) temp.copyFrom(existing)
    for (const op of merged) {
      const e = temp.apply(op, this.table, this.pubsubDefault)
      if (e !== undefined) return `Error in ACL SETUSER modifier '${op}': ${ruleErrorText(e)}`
    }
    let user = existing
    if (user !== undefined) this.hooks.channelsChanging?.(user, temp)
    else {
      user = createUser(name, this.pubsubDefault)
      this.users.set(name, user)
    }
    user.copyFrom(temp)
    return undefined
  }

  /** ACL SETUSER's username rule. */
  static validUsername(name: string): boolean {
    return !hasSpaces(name)
  }

  deleteUser(name: string): boolean {
    const user = this.users.get(name)
    if (user === undefined || user === this.defaultUser) return false
    this.users.delete(name)
    user.deleted = true
    this.hooks.userDeleted?.(user)
    return true
  }

  /** Users in name order (Redis's rax: byte order). */
  sortedUsers(): Array<AclUser> {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /**
   * ACLCheckUserCredentials: the user if it exists, is enabled and the password matches one of its
   * hashes (compared in constant time, every hash tried), else undefined: the caller cannot tell
   * which of these failed.
   */
  checkCredentials(username: string, password: string): AclUser | undefined {
    const u = this.users.get(username)
    // the password is hashed and compared whatever happens, so the time taken does not tell an
    // unknown or disabled user from a wrong password
    const hashed = Buffer.from(hashPassword(password), "latin1")
    const hashes = u === undefined || u.passwords.length === 0 ? [NO_PASSWORD] : u.passwords
    let match = false
    for (const p of hashes) {
      if (timingSafeEqual(hashed, Buffer.from(p, "latin1"))) match = true
    }
    if (u === undefined || !u.enabled) return undefined
    if (u.nopass) return u
    return match && u.passwords.length > 0 ? u : undefined
  }

  /** ACLUpdateDefaultUserPassword (requirepass). */
  setDefaultPassword(password: string): void {
    this.defaultUser.apply("resetpass", this.table, 0)
    this.defaultUser.apply(password === "" ? "nopass" : `>${password}`, this.table, 0)
  }

  /** Whether a new connection must authenticate (the default user needs a password or is off). */
  get authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled
  }

  /** addACLLogEntry: groups with a similar entry among the 10 newest, else adds one. */
  addLogEntry(entry: Omit<AclLogEntry, "count">): void {
    const scan = Math.min(10, this.log.length)
    for (let i = 0; i < scan; i++) {
      const e = this.log[i]!
      if (
        e.reason === entry.reason && e.context === entry.context && Math.abs(e.ctime - entry.ctime) <= GROUPING_MAX_DELTA &&
        e.object === entry.object && e.username === entry.username
      ) {
        this.log.splice(i, 1)
        this.log.unshift(e)
        e.cinfo = entry.cinfo
        e.ctime = entry.ctime
        e.count++
        return
      }
    }
    this.log.unshift({ count: 1, ...entry })
    if (this.log.length > this.logMaxLen) this.log.length = this.logMaxLen
  }

  /** The pub/sub default for new users (acl-pubsub-default). */
  setPubsubDefault(value: string): void {
    this.pubsubDefault = value === "allchannels" ? SELECTOR_ALLCHANNELS : 0
  }
}

export { AclUser }
