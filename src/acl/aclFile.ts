/**
 * Users from the configuration (`user` lines) and from an ACL file (`aclfile`, ACL LOAD, ACL SAVE), as
 * acl.c reads and writes them: a file Redis writes loads here and the other way round.
 */
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs"
import { fsPath, strerror } from "../config/directives.ts"
import type { AclStore } from "./Acl.ts"
import { type AclUser, createDefaultUser, createUser, hasSpaces, mergedCommandTable, mergeSelectorArguments, ruleErrorText } from "./User.ts"

/** ACLLoadUsersAtStartup's refusal to mix both ways of declaring users. */
export const USERS_AND_ACLFILE =
  "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."

/**
 * ACLLoadConfiguredUsers: the `user` lines, in order (a repeated default user is reset first). Returns
 * the warning lines Redis logs before exiting, or undefined; `notices` gets the disabled-user notes.
 */
export const loadConfiguredUsers = (
  store: AclStore,
  lines: ReadonlyArray<ReadonlyArray<string>>,
  notices: Array<string>
): ReadonlyArray<string> | undefined => {
  for (const [name, ...rawRules] of lines) {
    if (hasSpaces(name!)) return ["Spaces not allowed in ACL usernames", "Critical error while loading ACLs. Exiting."]
    const merged = mergeSelectorArguments(rawRules)
    if (!Array.isArray(merged)) {
      return [`Error in user declaration '${rawRules[merged.unmatched]}': ${ruleErrorText("EINVAL")}`]
    }
    let u = store.getUser(name!)
    if (u === undefined) {
      u = createUser(name!, store.pubsubDefault)
      store.users.set(name!, u)
    } else u.apply("reset", store.table, store.pubsubDefault)
    for (const rule of merged) {
      const e = u.apply(rule, store.table, store.pubsubDefault)
      if (e !== undefined) {
        return [
          `Error loading ACL rule '${rule}' for the user named '${name!}': ${ruleErrorText(e)}`,
          "Critical error while loading ACLs. Exiting."
        ]
      }
    }
    if (!u.enabled) {
      notices.push(
        `The user '${name!}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`
      )
    }
  }
  return undefined
}

/**
 * ACLLoadFromFile: every line is `user <name> <rules>...` (blank lines allowed); any error leaves the
 * users as they were and is reported in one line. On success the users are replaced (the default
 * user keeps its identity) and the users that were replaced are returned, for their clients to be
 * disconnected as Redis frees them.
 */
export const loadAclFile = (store: AclStore, filename: string): { readonly error: string } | { readonly replaced: ReadonlyArray<AclUser> } => {
  let text: string
  try {
    text = readFileSync(fsPath(filename)).toString("latin1")
  } catch (e) {
    return { error: `Error loading ACLs, opening file '${filename}': ${strerror(e)}` }
  }
  // fgets into an sds string: the text stops at a NUL byte
  const nul = text.indexOf("\0")
  if (nul !== -1) text = text.slice(0, nul)
  const users = new Map<string, AclUser>()
  let errors = ""
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const linenum = i + 1
    const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "")
    if (line === "") continue
    const argv = line.split(" ")
    if (argv[0] !== "user" || argv.length < 2) {
      errors += `${filename}:${linenum} should start with user keyword followed by the username. `
      continue
    }
    const name = argv[1]!
    if (hasSpaces(name)) {
      errors += `'${filename}:${linenum}: username '${name}' contains invalid characters. `
      continue
    }
    if (users.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `
      continue
    }
    const u = createUser(name, store.pubsubDefault)
    users.set(name, u)
    const merged = mergeSelectorArguments(argv.slice(2))
    if (!Array.isArray(merged)) {
      errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`
      continue
    }
    let syntaxError = false
    for (const raw of merged) {
      const rule = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, "")
      const e = u.apply(rule, store.table, store.pubsubDefault)
      if (e === undefined) continue
      if (e === "ENOENT") errors += `${filename}:${linenum}: Error in applying operation '${rule}': ${ruleErrorText(e)}. `
      else if (!syntaxError) {
        errors += `${filename}:${linenum}: ${ruleErrorText(e)}. `
        syntaxError = true
      }
    }
  }
  if (errors !== "") return { error: `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed` }
  const replaced = [...store.users.values()].filter((u) => u !== store.defaultUser)
  const newDefault = users.get("default") ?? createDefaultUser(store.table)
  store.defaultUser.copyFrom(newDefault)
  users.set("default", store.defaultUser)
  store.users.clear()
  for (const [name, u] of users) store.users.set(name, u)
  for (const u of replaced) u.deleted = true
  return { replaced }
}

/** The users as ACL SAVE and CONFIG REWRITE write them: `user <name> <rules>`, in name order. */
export const describeUsers = (store: AclStore): ReadonlyArray<string> =>
  store.sortedUsers().map((u) => `user ${u.name} ${u.describe(store.table)}`)

/**
 * ACLSaveToFile: the users written to a temporary file renamed over `filename`. Returns undefined, or
 * the warning Redis logs when it fails.
 */
export const saveAclFile = (store: AclStore, filename: string, pid: number, now: number): string | undefined => {
  const content = describeUsers(store).map((l) => `${l}\n`).join("")
  const tmp = `${filename}.tmp-${pid}-${now}`
  let fd = -1
  let step = "Opening temp ACL file for ACL SAVE"
  try {
    fd = openSync(fsPath(tmp), "w", 0o644)
    step = "Writing ACL file for ACL SAVE"
    writeSync(fd, Buffer.from(content, "latin1"))
    closeSync(fd)
    fd = -1
    step = "Renaming ACL file for ACL SAVE"
    renameSync(fsPath(tmp), fsPath(filename))
    return undefined
  } catch (e) {
    if (fd !== -1) closeSync(fd)
    try {
      unlinkSync(fsPath(tmp))
    } catch {
      // nothing to remove
    }
    return `${step}: ${strerror(e)}`
  }
}

/**
 * ACLAppendUserForLoading, for the config loader: a repeated user, or a rule that cannot apply to a new
 * user for a reason other than an unknown command (checked later, at start-up), is refused with
 * Redis's text. As in Redis, the argument it names is the line's argument at the index of the failing
 * rule among the rules (so usually not the rule itself).
 */
export const validateUserLine = (argv: ReadonlyArray<string>, previous: ReadonlyArray<ReadonlyArray<string>>): string | undefined => {
  const error = (index: number, text: string) => `Error in user declaration '${argv[index]}': ${text}`
  if (previous.some((line) => line[0] === argv[1])) return error(1, ruleErrorText("EALREADY"))
  const merged = mergeSelectorArguments(argv.slice(2))
  // Redis reports the errno left by earlier work here; with a fresh start-up that is ENOENT's text
  if (!Array.isArray(merged)) return error(merged.unmatched, ruleErrorText("ENOENT"))
  const table = mergedCommandTable([])
  const u = createUser(argv[1]!, 0)
  for (let j = 0; j < merged.length; j++) {
    const e = u.apply(merged[j]!, table, 0)
    if (e !== undefined && e !== "ENOENT") return error(j, ruleErrorText(e))
  }
  return undefined
}
