/**
 * ACL command categories (acl.c ACLCommandCategories), in Redis's order: the order ACL CAT lists them
 * and the order ACL LIST tries them when it describes a user's commands. A command's categories are a
 * bitmask of these, computed once from its command table entry.
 */
export const CATEGORIES: ReadonlyArray<string> = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting"
]

const BY_NAME = new Map(CATEGORIES.map((name, i) => [name, 1 << i]))

/** ACLGetCommandCategoryFlagByName: the bit of a category (any case), 0 when unknown. */
export const categoryFlag = (name: string): number => BY_NAME.get(name.toLowerCase()) ?? 0

/** The bitmask of categories as a command table entry lists them ("@write", "@string", ...). */
export const categoryMask = (acl: ReadonlyArray<string>): number => {
  let mask = 0
  for (const c of acl) mask |= categoryFlag(c.startsWith("@") ? c.slice(1) : c)
  return mask
}

/**
 * Command ids index the per-selector command bitmaps. As Redis's ACLGetCommandID, an id belongs to a
 * (full, lower-case) command name, so a command keeps its id if it is removed and added again; the
 * mapping is the same for every server. The last bit is never assigned: +@all sets it, so a user built
 * from +@all may run commands added later.
 */
export const COMMAND_BITS = 1024
export const FUTURE_COMMANDS_BIT = COMMAND_BITS - 1
const commandIds = new Map<string, number>()

export const commandId = (fullName: string): number => {
  const name = fullName.toLowerCase()
  let id = commandIds.get(name)
  if (id === undefined) {
    id = commandIds.size
    if (id >= FUTURE_COMMANDS_BIT) throw new Error("too many commands for the ACL command bitmap")
    commandIds.set(name, id)
  }
  return id
}
