/**
 * ACL users and selectors (Redis 7.0's acl.c data model): a user has flags, SHA-256 password hashes and
 * a list of selectors, the first being the root one; a selector allows commands (a bitmap by command id,
 * plus "first args" of otherwise denied commands), key patterns with read/write permissions and channel
 * patterns. Rules are applied one at a time (`setUser`) with Redis's error codes.
 */
import { createHash } from "node:crypto"
import { splitInlineArgs } from "../resp/RequestParser.ts"
import { globMatch } from "../util/glob.ts"
import { CATEGORIES, categoryFlag, categoryMask, COMMAND_BITS, commandId, FUTURE_COMMANDS_BIT } from "./categories.ts"
import { REDIS_COMMANDS } from "./redisCommands.ts"

/** What ACL needs of a command table entry (the server's RuntimeCommand satisfies it). */
export interface AclCommand {
  readonly fullName: string
  readonly aclId: number
  readonly aclCategories: number
  readonly parent: AclCommand | undefined
  readonly subcommands: ReadonlyMap<string, AclCommand> | undefined
  readonly noAuth: boolean
}

/** The original command table (names before rename-command), which every ACL rule refers to. */
export interface AclCommandTable {
  /** A top-level command by its original name, any case. */
  lookup(name: string): AclCommand | undefined
  /** Every top-level command, in table order. */
  commands(): Iterable<AclCommand>
}

export const ACL_READ = 1
export const ACL_WRITE = 2
export const ACL_ALL = 3

export const SELECTOR_ALLKEYS = 1
export const SELECTOR_ALLCHANNELS = 2
export const SELECTOR_ALLCOMMANDS = 4
export const SELECTOR_ROOT = 8

export const USER_ENABLED = 1
export const USER_DISABLED = 2
export const USER_NOPASS = 4
export const USER_SKIP_SANITIZE = 8
export const USER_SANITIZE = 16

/** ACLUserFlags: the order ACL GETUSER and ACL LIST emit them. */
export const USER_FLAG_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["on", USER_ENABLED],
  ["off", USER_DISABLED],
  ["nopass", USER_NOPASS],
  ["skip-sanitize-payload", USER_SKIP_SANITIZE],
  ["sanitize-payload", USER_SANITIZE]
]

/** Why a rule was refused (acl.c's errno values). */
export type RuleError = "EINVAL" | "ENOENT" | "EEXIST" | "EISDIR" | "ENODEV" | "EBADMSG" | "ECHILD" | "EALREADY"

/** ACLSetUserStringError. */
export const ruleErrorText = (e: RuleError): string => {
  switch (e) {
    case "ENOENT":
      return "Unknown command or category name in ACL"
    case "EINVAL":
      return "Syntax error"
    case "EEXIST":
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
    case "EISDIR":
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
    case "ENODEV":
      return "The password you are trying to remove from the user does not exist"
    case "EBADMSG":
      return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
    case "EALREADY":
      return "Duplicate user found. A user can only be defined once in config files"
    case "ECHILD":
      return "Allowing first-arg of a subcommand is not supported"
  }
}

/** ACLHashPassword: the lower-case hex SHA-256 of the password's bytes. */
export const hashPassword = (password: string): string =>
  createHash("sha256").update(Buffer.from(password, "latin1")).digest("hex")

/** ACLCheckPasswordHash: exactly 64 lower-case hex digits. */
const isPasswordHash = (s: string): boolean => /^[0-9a-f]{64}$/.test(s)

/** ACLStringHasSpaces: C's isspace or NUL. */
export const hasSpaces = (s: string): boolean => /[ \t\n\v\f\r\0]/.test(s)

export interface KeyPattern {
  readonly pattern: string
  flags: number
  /** The pattern compiled: a literal compares, "prefix*" tests the prefix, others glob-match. */
  readonly match: (key: string) => boolean
}

/** A glob compiled for the common shapes (stringmatchlen semantics: nothing matches an empty key). */
export const compileGlob = (pattern: string): (s: string) => boolean => {
  const special = /[*?[\\]/
  if (!special.test(pattern)) return (s) => s.length > 0 && s === pattern
  const prefix = pattern.slice(0, -1)
  if (pattern.endsWith("*") && !special.test(prefix)) return (s) => s.length > 0 && s.startsWith(prefix)
  return (s) => globMatch(pattern, s)
}

const keyPattern = (pattern: string, flags: number): KeyPattern => ({ pattern, flags, match: compileGlob(pattern) })

/** sdsCatPatternString. */
export const describeKeyPattern = (p: KeyPattern): string =>
  (p.flags === ACL_ALL ? "~" : p.flags === ACL_READ ? "%R~" : "%W~") + p.pattern

const lower = (s: string): string => s.toLowerCase()

export class Selector {
  flags: number
  allowed: Uint32Array
  /** Allowed first arguments of otherwise denied commands, by command id. */
  firstArgs: Map<number, Array<string>> | undefined = undefined
  patterns: Array<KeyPattern> = []
  channels: Array<string> = []

  constructor(flags: number) {
    this.flags = flags
    this.allowed = new Uint32Array(COMMAND_BITS / 32)
  }

  clone(): Selector {
    const s = new Selector(this.flags)
    s.allowed.set(this.allowed)
    if (this.firstArgs !== undefined) s.firstArgs = new Map([...this.firstArgs].map(([id, args]) => [id, [...args]]))
    s.patterns = this.patterns.map((p) => ({ pattern: p.pattern, flags: p.flags, match: p.match }))
    s.channels = [...this.channels]
    return s
  }

  bit(id: number): boolean {
    return ((this.allowed[id >>> 5]! >>> (id & 31)) & 1) === 1
  }

  setBit(id: number, value: boolean): void {
    if (value) this.allowed[id >>> 5]! |= 1 << (id & 31)
    else {
      this.allowed[id >>> 5]! &= ~(1 << (id & 31))
      this.flags &= ~SELECTOR_ALLCOMMANDS
    }
  }

  /** ACLChangeSelectorPerm: the command, and a container's subcommands with it. */
  changePerm(cmd: AclCommand, allow: boolean): void {
    this.setBit(cmd.aclId, allow)
    this.firstArgs?.delete(cmd.aclId)
    if (cmd.subcommands !== undefined) for (const sub of cmd.subcommands.values()) this.setBit(sub.aclId, allow)
  }

  setCategory(table: AclCommandTable, flag: number, allow: boolean): void {
    const walk = (cmds: Iterable<AclCommand>) => {
      for (const cmd of cmds) {
        if ((cmd.aclCategories & flag) !== 0) this.changePerm(cmd, allow)
        if (cmd.subcommands !== undefined) walk(cmd.subcommands.values())
      }
    }
    walk(table.commands())
  }

  setAll(allow: boolean): void {
    this.allowed.fill(allow ? 0xffffffff : 0)
    if (allow) this.flags |= SELECTOR_ALLCOMMANDS
    else this.flags &= ~SELECTOR_ALLCOMMANDS
    this.firstArgs = undefined
  }

  addFirstArg(id: number, sub: string): void {
    if (this.firstArgs === undefined) this.firstArgs = new Map()
    const list = this.firstArgs.get(id)
    if (list === undefined) this.firstArgs.set(id, [sub])
    else if (!list.some((a) => lower(a) === lower(sub))) list.push(sub)
  }

  /** ACLSetSelector: one selector rule; undefined when accepted. */
  apply(op: string, table: AclCommandTable): RuleError | undefined {
    const l = lower(op)
    if (l === "allkeys" || op === "~*") {
      this.flags |= SELECTOR_ALLKEYS
      this.patterns = []
    } else if (l === "resetkeys") {
      this.flags &= ~SELECTOR_ALLKEYS
      this.patterns = []
    } else if (l === "allchannels" || op === "&*") {
      this.flags |= SELECTOR_ALLCHANNELS
      this.channels = []
    } else if (l === "resetchannels") {
      this.flags &= ~SELECTOR_ALLCHANNELS
      this.channels = []
    } else if (l === "allcommands" || l === "+@all") {
      this.setAll(true)
    } else if (l === "nocommands" || l === "-@all") {
      this.setAll(false)
    } else if (op[0] === "~" || op[0] === "%") {
      if ((this.flags & SELECTOR_ALLKEYS) !== 0) return "EEXIST"
      let flags = 0
      let offset = 1
      if (op[0] === "%") {
        for (; offset < op.length; offset++) {
          const c = op[offset]!.toUpperCase()
          if (c === "R" && (flags & ACL_READ) === 0) flags |= ACL_READ
          else if (c === "W" && (flags & ACL_WRITE) === 0) flags |= ACL_WRITE
          else if (op[offset] === "~") {
            offset++
            break
          } else return "EINVAL"
        }
      } else flags = ACL_ALL
      const pattern = op.slice(offset)
      if (hasSpaces(pattern)) return "EINVAL"
      const existing = this.patterns.find((p) => p.pattern === pattern)
      if (existing === undefined) this.patterns.push(keyPattern(pattern, flags))
      else existing.flags |= flags
      this.flags &= ~SELECTOR_ALLKEYS
    } else if (op[0] === "&") {
      if ((this.flags & SELECTOR_ALLCHANNELS) !== 0) return "EISDIR"
      const pattern = op.slice(1)
      if (hasSpaces(pattern)) return "EINVAL"
      if (!this.channels.includes(pattern)) this.channels.push(pattern)
      this.flags &= ~SELECTOR_ALLCHANNELS
    } else if (op[0] === "+" && op[1] !== "@") {
      const bar = op.lastIndexOf("|")
      if (bar === -1) {
        const cmd = lookupAclCommand(table, op.slice(1))
        if (cmd === undefined) return "ENOENT"
        this.changePerm(cmd, true)
      } else {
        const cmd = lookupAclCommand(table, op.slice(1, bar))
        if (cmd === undefined) return "ENOENT"
        if (cmd.parent !== undefined) return "ECHILD"
        const sub = op.slice(bar + 1)
        if (sub.length === 0) return "EINVAL"
        if (cmd.subcommands !== undefined) {
          const subcmd = lookupAclCommand(table, op.slice(1))
          if (subcmd === undefined) return "ENOENT"
          this.changePerm(subcmd, true)
        } else {
          this.addFirstArg(cmd.aclId, sub)
        }
      }
    } else if (op[0] === "-" && op[1] !== "@") {
      const cmd = lookupAclCommand(table, op.slice(1))
      if (cmd === undefined) return "ENOENT"
      this.changePerm(cmd, false)
    } else if ((op[0] === "+" || op[0] === "-") && op[1] === "@") {
      const flag = categoryFlag(op.slice(2))
      if (flag === 0) return "ENOENT"
      this.setCategory(table, flag, op[0] === "+")
    } else {
      return "EINVAL"
    }
    return undefined
  }
}

/** ACLLookupCommand (lookupCommandBySdsLogic, strict): "get" or "config|get" in the original table. */
export const lookupAclCommand = (table: AclCommandTable, name: string): AclCommand | undefined => {
  const parts = name.split("|")
  if (parts.length > 2) return undefined
  const base = table.lookup(parts[0]!)
  if (parts.length === 1 || base === undefined) return base
  if (base.subcommands === undefined) return undefined
  return base.subcommands.get(lower(parts[1]!))
}

export class AclUser {
  readonly name: string
  flags = USER_DISABLED
  passwords: Array<string> = []
  selectors: Array<Selector>
  /** The hot path's shortcut: the root selector allows every command, key and channel. */
  unrestricted = false
  /** ACLDescribeUser's cached string; undefined after a change. */
  described: string | undefined = undefined
  /** Set when the user is deleted: its clients are disconnected. */
  deleted = false

  constructor(name: string, pubsubDefault: number) {
    this.name = name
    this.selectors = [new Selector(SELECTOR_ROOT | pubsubDefault)]
  }

  get root(): Selector {
    return this.selectors[0]!
  }

  get enabled(): boolean {
    return (this.flags & USER_ENABLED) !== 0
  }

  get nopass(): boolean {
    return (this.flags & USER_NOPASS) !== 0
  }

  /** ACLCopyUser: rules of `src` into this user (the name stays). */
  copyFrom(src: AclUser): void {
    this.flags = src.flags
    this.passwords = [...src.passwords]
    this.selectors = src.selectors.map((s) => s.clone())
    this.refresh()
  }

  refresh(): void {
    this.described = undefined
    const root = this.root
    this.unrestricted = (root.flags & (SELECTOR_ALLCOMMANDS | SELECTOR_ALLKEYS | SELECTOR_ALLCHANNELS)) ===
      (SELECTOR_ALLCOMMANDS | SELECTOR_ALLKEYS | SELECTOR_ALLCHANNELS)
  }

  /** ACLSetUser: one rule; undefined when accepted. `pubsubDefault` is acl-pubsub-default's flag. */
  apply(op: string, table: AclCommandTable, pubsubDefault: number): RuleError | undefined {
    const r = this.applyRule(op, table, pubsubDefault)
    this.refresh()
    return r
  }

  private applyRule(op: string, table: AclCommandTable, pubsubDefault: number): RuleError | undefined {
    if (op.length === 0) return undefined
    const l = lower(op)
    if (l === "on") {
      this.flags = (this.flags | USER_ENABLED) & ~USER_DISABLED
    } else if (l === "off") {
      this.flags = (this.flags | USER_DISABLED) & ~USER_ENABLED
    } else if (l === "skip-sanitize-payload") {
      this.flags = (this.flags | USER_SKIP_SANITIZE) & ~USER_SANITIZE
    } else if (l === "sanitize-payload") {
      this.flags = (this.flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE
    } else if (l === "nopass") {
      this.flags |= USER_NOPASS
      this.passwords = []
    } else if (l === "resetpass") {
      this.flags &= ~USER_NOPASS
      this.passwords = []
    } else if (op[0] === ">" || op[0] === "#") {
      let hash: string
      if (op[0] === ">") hash = hashPassword(op.slice(1))
      else {
        hash = op.slice(1)
        if (!isPasswordHash(hash)) return "EBADMSG"
      }
      if (!this.passwords.includes(hash)) this.passwords.push(hash)
      this.flags &= ~USER_NOPASS
    } else if (op[0] === "<" || op[0] === "!") {
      let hash: string
      if (op[0] === "<") hash = hashPassword(op.slice(1))
      else {
        hash = op.slice(1)
        if (!isPasswordHash(hash)) return "EBADMSG"
      }
      const i = this.passwords.indexOf(hash)
      if (i === -1) return "ENODEV"
      this.passwords.splice(i, 1)
    } else if (op[0] === "(" && op[op.length - 1] === ")") {
      const selector = new Selector(pubsubDefault)
      for (const rule of splitInlineArgs(op.slice(1, -1)) ?? []) {
        const e = selector.apply(rule, table)
        if (e !== undefined) return e
      }
      this.selectors.push(selector)
    } else if (l === "clearselectors") {
      this.selectors.length = 1
    } else if (l === "reset") {
      this.flags &= ~USER_NOPASS
      this.passwords = []
      const root = this.root
      root.apply("resetkeys", table)
      root.apply("resetchannels", table)
      if ((pubsubDefault & SELECTOR_ALLCHANNELS) !== 0) root.apply("allchannels", table)
      this.flags = (this.flags | USER_DISABLED) & ~USER_ENABLED
      this.flags = (this.flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE
      this.selectors.length = 1
      root.apply("-@all", table)
    } else {
      return this.root.apply(op, table)
    }
    return undefined
  }

  /** ACLDescribeUser: the rules that recreate this user, as ACL LIST and ACL SAVE write them. */
  describe(table: AclCommandTable): string {
    if (this.described !== undefined) return this.described
    let res = ""
    for (const [name, flag] of USER_FLAG_NAMES) if ((this.flags & flag) !== 0) res += `${name} `
    for (const p of this.passwords) res += `#${p} `
    for (const s of this.selectors) {
      const d = describeSelector(s, table)
      res += (s.flags & SELECTOR_ROOT) !== 0 ? d : ` (${d})`
    }
    this.described = res
    return res
  }
}

/** ACLDescribeSelector. */
export const describeSelector = (s: Selector, table: AclCommandTable): string => {
  let res = ""
  if ((s.flags & SELECTOR_ALLKEYS) !== 0) res += "~* "
  else for (const p of s.patterns) res += `${describeKeyPattern(p)} `
  if ((s.flags & SELECTOR_ALLCHANNELS) !== 0) res += "&* "
  else {
    res += "resetchannels "
    for (const c of s.channels) res += `&${c} `
  }
  return res + describeCommandRules(s, table)
}

/** ACLCountCategoryBitsForCommands. */
const countCategory = (table: AclCommandTable, s: Selector, flag: number): [on: number, off: number] => {
  let on = 0
  let off = 0
  const walk = (cmds: Iterable<AclCommand>) => {
    for (const cmd of cmds) {
      if ((cmd.aclCategories & flag) !== 0) {
        if (s.bit(cmd.aclId)) on++
        else off++
      }
      if (cmd.subcommands !== undefined) walk(cmd.subcommands.values())
    }
  }
  walk(table.commands())
  return [on, off]
}

/**
 * ACLDescribeSelectorCommandRules: +@all or -@all (whether the selector may run future commands), then
 * greedily the category that best fits the remaining differences, then single commands (and allowed
 * first args) to make the bitmap exact. Single commands come in this table's order (Redis's order is
 * its command dict's, which differs between runs).
 */
export const describeCommandRules = (s: Selector, table: AclCommandTable): string => {
  const rules: Array<string> = []
  const additive = !s.bit(FUTURE_COMMANDS_BIT)
  const fake = new Selector(0)
  fake.setAll(!additive)
  rules.push(additive ? "-@all" : "+@all")
  const temp = new Selector(0)
  temp.allowed.set(s.allowed)
  const applied = new Array<boolean>(CATEGORIES.length).fill(false)
  for (;;) {
    let best = -1
    let mindiff = Number.MAX_SAFE_INTEGER
    let maxsame = 0
    for (let j = 0; j < CATEGORIES.length; j++) {
      if (applied[j]) continue
      const [on, off] = countCategory(table, temp, 1 << j)
      const diff = additive ? off : on
      const same = additive ? on : off
      if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
        best = j
        mindiff = diff
        maxsame = same
      }
    }
    if (best === -1) break
    fake.setCategory(table, 1 << best, additive)
    temp.setCategory(table, 1 << best, !additive)
    rules.push(`${additive ? "+@" : "-@"}${CATEGORIES[best]}`)
    applied[best] = true
  }
  const single = (cmds: Iterable<AclCommand>) => {
    for (const cmd of cmds) {
      const userbit = s.bit(cmd.aclId)
      if (userbit !== fake.bit(cmd.aclId)) {
        rules.push(`${userbit ? "+" : "-"}${cmd.fullName}`)
        fake.changePerm(cmd, userbit)
      }
      if (cmd.subcommands !== undefined) single(cmd.subcommands.values())
      const first = s.firstArgs?.get(cmd.aclId)
      if (!userbit && first !== undefined) for (const arg of first) rules.push(`+${cmd.fullName}|${arg}`)
    }
  }
  single(table.commands())
  return rules.join(" ")
}

/** A new user as ACL SETUSER creates it: off, no passwords, no commands, acl-pubsub-default channels. */
export const createUser = (name: string, pubsubDefault: number): AclUser => {
  const u = new AclUser(name, pubsubDefault)
  u.refresh()
  return u
}

/** ACLCreateDefaultUser: +@all ~* &* on nopass. */
export const createDefaultUser = (table: AclCommandTable): AclUser => {
  const u = new AclUser("default", 0)
  for (const op of ["+@all", "~*", "&*", "on", "nopass"]) u.apply(op, table, 0)
  return u
}

/**
 * ACLMergeSelectorArguments: a selector split over several arguments ("(~x*", "+get)") is joined with
 * spaces; an unmatched "(" gives the index of the argument that opened it.
 */
export const mergeSelectorArguments = (args: ReadonlyArray<string>): Array<string> | { readonly unmatched: number } => {
  const out: Array<string> = []
  let open = -1
  let selector = ""
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!
    if (op[0] === "(" && op[op.length - 1] !== ")") {
      selector = op
      open = j
      continue
    }
    if (open !== -1) {
      selector += ` ${op}`
      if (op[op.length - 1] === ")") {
        open = -1
        out.push(selector)
      }
      continue
    }
    out.push(op)
  }
  if (open !== -1) return { unmatched: open }
  return out
}

/** A command of Redis's table that this server may not serve (ACL's view only). */
class TableCommand implements AclCommand {
  readonly fullName: string
  readonly aclId: number
  readonly aclCategories: number
  readonly parent: AclCommand | undefined
  subcommands: Map<string, AclCommand> | undefined = undefined
  readonly noAuth = false

  constructor(fullName: string, categories: string, parent: AclCommand | undefined) {
    this.fullName = fullName
    this.aclId = commandId(fullName)
    this.aclCategories = categoryMask(categories.split(" "))
    this.parent = parent
  }
}

/**
 * The command table ACL rules refer to: Redis 7.0.15's whole table, then what this server serves
 * beyond it (`served`: top-level commands by original name), subcommands included.
 */
export const mergedCommandTable = (served: Iterable<AclCommand>): AclCommandTable => {
  const byName = new Map<string, AclCommand>()
  for (const [name, categories, subs] of REDIS_COMMANDS) {
    const cmd = new TableCommand(name, categories, undefined)
    if (subs !== undefined) {
      cmd.subcommands = new Map()
      for (const [sub, subCategories] of subs) cmd.subcommands.set(sub, new TableCommand(`${name}|${sub}`, subCategories, cmd))
    }
    byName.set(name, cmd)
  }
  for (const cmd of served) {
    const name = cmd.fullName.toLowerCase()
    const known = byName.get(name) as TableCommand | undefined
    if (known === undefined) {
      byName.set(name, cmd)
      continue
    }
    if (cmd.subcommands === undefined) continue
    for (const [subName, sub] of cmd.subcommands) {
      if (known.subcommands === undefined) known.subcommands = new Map()
      if (!known.subcommands.has(subName)) known.subcommands.set(subName, sub)
    }
  }
  return { lookup: (name) => byName.get(name.toLowerCase()), commands: () => byName.values() }
}
