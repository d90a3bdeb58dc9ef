/**
 * The permission check (ACLCheckAllUserCommandPerm): a command passes when one of the user's selectors
 * allows the command, every key it names (with the read/write access its key spec declares) and every
 * channel it publishes or subscribes to.
 */
import { globMatch } from "../util/glob.ts"
import { KEY_SPECS, KS_INCOMPLETE, KS_NOT_KEY, KS_READ, KS_VARIABLE_FLAGS, KS_WRITE, type KeySpec } from "./keySpecs.ts"
import {
  ACL_READ,
  ACL_WRITE,
  type AclCommand,
  type AclUser,
  SELECTOR_ALLCHANNELS,
  SELECTOR_ALLCOMMANDS,
  SELECTOR_ALLKEYS,
  type Selector
} from "./User.ts"

export const ACL_OK = 0
export const DENIED_CMD = 1
export const DENIED_KEY = 2
export const DENIED_AUTH = 3
export const DENIED_CHANNEL = 4

/** A key position and the permissions it needs (ACL_READ / ACL_WRITE bits). */
export type KeyRef = readonly [pos: number, perm: number]

const permOf = (flags: number): number => ((flags & KS_READ) !== 0 ? ACL_READ : 0) | ((flags & KS_WRITE) !== 0 ? ACL_WRITE : 0)

const eqNoCase = (a: string, b: string): boolean => a.length === b.length && a.toLowerCase() === b.toLowerCase()

/** getKeysUsingKeySpecs; undefined when a spec is invalid for this argv or incomplete. */
const keysFromSpecs = (specs: ReadonlyArray<KeySpec>, argv: ReadonlyArray<string>, arity: number): Array<KeyRef> | undefined => {
  const argc = argv.length
  const out: Array<KeyRef> = []
  for (const [flags, bs, fk] of specs) {
    if ((flags & KS_NOT_KEY) !== 0) continue
    let first = 0
    if (bs[0] === "i") first = bs[1]
    else if (bs[0] === "k") {
      const startfrom = bs[2]
      const start = startfrom > 0 ? startfrom : argc + startfrom
      const end = startfrom > 0 ? argc - 1 : 1
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break
        if (eqNoCase(argv[i]!, bs[1])) {
          first = i + 1
          break
        }
      }
      if (first === 0) continue
    } else return undefined
    let last: number
    let step: number
    if (fk[0] === "r") {
      step = fk[2]
      if (fk[1] >= 0) last = first + fk[1]
      else if (fk[3] === 0) last = argc + fk[1]
      else last = first + (Math.trunc((argc - first) / fk[3]) + fk[1])
    } else if (fk[0] === "n") {
      step = fk[3]
      if (fk[1] >= argc) return undefined
      const s = argv[first + fk[1]]
      if (s === undefined || !/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined
      const numkeys = Number(s)
      if (numkeys < 0 || !Number.isSafeInteger(numkeys)) return undefined
      first += fk[2]
      last = first + numkeys - 1
    } else return undefined
    if (last >= argc || last < first || first >= argc) return undefined
    const perm = permOf(flags)
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) {
        if (arity < 0) continue
        break
      }
      out.push([i, perm])
    }
    if ((flags & KS_INCOMPLETE) !== 0) return undefined
  }
  return out
}

/** What finding a command's keys needs. */
export interface KeyedCommand {
  readonly fullName: string
  readonly arity: number
  /** The command's own key positions (COMMAND GETKEYS), for commands whose specs cannot say. */
  keyPositions(argv: ReadonlyArray<string>): ReadonlyArray<number>
}

/** setGetKeys: a GET argument makes the key read and written, else written. */
const setKeys = (argv: ReadonlyArray<string>): Array<KeyRef> => {
  for (let i = 3; i < argv.length; i++) if (eqNoCase(argv[i]!, "get")) return [[1, ACL_READ | ACL_WRITE]]
  return [[1, ACL_WRITE]]
}

/** bitfieldGetKeys: read-only with GET (and OVERFLOW) operations only. */
const bitfieldKeys = (argv: ReadonlyArray<string>): Array<KeyRef> => {
  let readonly = true
  for (let i = 2; i < argv.length; i++) {
    const rem = argv.length - i - 1
    const a = argv[i]!.toLowerCase()
    if (a === "get" && rem >= 2) i += 2
    else if ((a === "set" || a === "incrby") && rem >= 3) {
      readonly = false
      break
    } else if (a === "overflow" && rem >= 1) i += 1
    else {
      readonly = false
      break
    }
  }
  return [[1, readonly ? ACL_READ : ACL_READ | ACL_WRITE]]
}

/**
 * getKeysFromCommandWithSpecs for ACL: the key specs when they are complete and their flags fixed,
 * otherwise the command's own key finder (`positions`), with the flags Redis's getkeys procs give.
 */
export const aclKeys = (cmd: KeyedCommand, argv: ReadonlyArray<string>): ReadonlyArray<KeyRef> => {
  const fullName = cmd.fullName
  const specs = KEY_SPECS[fullName]
  if (specs === undefined) return []
  let variable = false
  let hasKey = false
  for (const s of specs) {
    if ((s[0] & KS_VARIABLE_FLAGS) !== 0) variable = true
    if ((s[0] & KS_NOT_KEY) === 0) hasKey = true
  }
  if (!hasKey) return []
  if (!variable) {
    const keys = keysFromSpecs(specs, argv, cmd.arity)
    if (keys !== undefined) return keys
  }
  switch (fullName) {
    case "set":
      return setKeys(argv)
    case "bitfield":
      return bitfieldKeys(argv)
    case "sort":
      return cmd.keyPositions(argv).map((p, i) => [p, i === 0 ? ACL_READ : ACL_WRITE] as const)
    case "sort_ro":
      return cmd.keyPositions(argv).map((p) => [p, ACL_READ] as const)
    case "migrate":
      return cmd.keyPositions(argv).map((p) => [p, ACL_READ | ACL_WRITE] as const)
    default:
      return cmd.keyPositions(argv).map((p) => [p, 0] as const)
  }
}

/** Channel arguments (getChannelsFromCommand): [first position, publish?, pattern?] or undefined. */
const CHANNEL_COMMANDS: Readonly<Record<string, readonly [all: boolean, pattern: boolean]>> = {
  subscribe: [true, false],
  ssubscribe: [true, false],
  psubscribe: [true, true],
  publish: [false, false],
  spublish: [false, false]
}

/** ACLCheckChannelAgainstList: a PSUBSCRIBE pattern must equal an allowed pattern literally. */
export const channelAllowed = (list: ReadonlyArray<string>, channel: string, isPattern: boolean): boolean => {
  for (const p of list) if (isPattern ? p === channel : globMatch(p, channel)) return true
  return false
}

/** ACLSelectorCheckKey. */
export const selectorKeyAllowed = (s: Selector, key: string, perm: number): boolean => {
  if ((s.flags & SELECTOR_ALLKEYS) !== 0) return true
  for (const p of s.patterns) {
    if ((p.flags & perm) !== perm) continue
    if (p.match(key)) return true
  }
  return false
}

/** The result of a check: ACL_OK, or the reason and the argument position to blame. */
export interface CheckResult {
  result: number
  pos: number
}

/** What the check needs to know about the command being run. */
export interface CheckedCommand extends AclCommand, KeyedCommand {}

/** ACLSelectorCheckCmd. */
const selectorCheck = (
  s: Selector,
  cmd: CheckedCommand,
  argv: ReadonlyArray<string>,
  keys: { value: ReadonlyArray<KeyRef> | undefined },
  out: CheckResult
): number => {
  if ((s.flags & SELECTOR_ALLCOMMANDS) === 0 && !cmd.noAuth && !s.bit(cmd.aclId)) {
    const first = s.firstArgs?.get(cmd.aclId)
    if (argv.length < 2 || first === undefined) return DENIED_CMD
    const arg = argv[cmd.parent !== undefined ? 2 : 1]
    if (arg === undefined || !first.some((a) => eqNoCase(a, arg))) return DENIED_CMD
  }
  if ((s.flags & SELECTOR_ALLKEYS) === 0) {
    if (keys.value === undefined) keys.value = aclKeys(cmd, argv)
    for (const [pos, perm] of keys.value) {
      if (!selectorKeyAllowed(s, argv[pos]!, perm)) {
        out.pos = pos
        return DENIED_KEY
      }
    }
  }
  if ((s.flags & SELECTOR_ALLCHANNELS) === 0) {
    const ch = CHANNEL_COMMANDS[cmd.fullName]
    if (ch !== undefined) {
      const stop = ch[0] ? argv.length : Math.min(2, argv.length)
      for (let i = 1; i < stop; i++) {
        if (!channelAllowed(s.channels, argv[i]!, ch[1])) {
          out.pos = i
          return DENIED_CHANNEL
        }
      }
    }
  }
  return ACL_OK
}

/**
 * ACLCheckAllUserCommandPerm: ACL_OK when a selector allows everything; otherwise the command denial
 * when no selector allows the command, else the key or channel denial with the highest position.
 */
export const checkCommand = (user: AclUser, cmd: CheckedCommand, argv: ReadonlyArray<string>, out: CheckResult): number => {
  let relevant = DENIED_CMD
  let lastIdx = 0
  const keys: { value: ReadonlyArray<KeyRef> | undefined } = { value: undefined }
  for (const s of user.selectors) {
    out.pos = 0
    const r = selectorCheck(s, cmd, argv, keys, out)
    if (r === ACL_OK) {
      out.result = ACL_OK
      return ACL_OK
    }
    if (r > relevant || (r === relevant && out.pos > lastIdx)) {
      relevant = r
      lastIdx = out.pos
    }
  }
  out.result = relevant
  out.pos = lastIdx
  return relevant
}

/** ACLUserCheckChannelPerm. */
export const userChannelAllowed = (user: AclUser, channel: string, isPattern: boolean): boolean => {
  for (const s of user.selectors) {
    if ((s.flags & SELECTOR_ALLCHANNELS) !== 0) return true
    if (channelAllowed(s.channels, channel, isPattern)) return true
  }
  return false
}
