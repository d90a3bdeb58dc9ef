/**
 * Keyspace event classes and the notify-keyspace-events letters that select them (Redis's NOTIFY_*
 * bits and notify.c's conversions). A leaf module: the keyspace emits events with these bits, the
 * config directive parses and shows the letters, commands name the class of each event.
 */
/** Keyspace event classes (notify-keyspace-events letters), as Redis's NOTIFY_* bits. */
export const NotifyClass = {
  keyspace: 1 << 0, // K
  keyevent: 1 << 1, // E
  generic: 1 << 2, // g
  string: 1 << 3, // $
  list: 1 << 4, // l
  set: 1 << 5, // s
  hash: 1 << 6, // h
  zset: 1 << 7, // z
  expired: 1 << 8, // x
  evicted: 1 << 9, // e
  stream: 1 << 10, // t
  keyMiss: 1 << 11, // m
  loaded: 1 << 12, // module only
  module: 1 << 13, // d
  new: 1 << 14 // n
} as const

/** notify-keyspace-events letters and their NotifyClass bits (keyspaceEventsStringToFlags). */
const NOTIFY_LETTERS: ReadonlyArray<readonly [string, number]> = [
  ["g", NotifyClass.generic],
  ["$", NotifyClass.string],
  ["l", NotifyClass.list],
  ["s", NotifyClass.set],
  ["h", NotifyClass.hash],
  ["z", NotifyClass.zset],
  ["x", NotifyClass.expired],
  ["e", NotifyClass.evicted],
  ["t", NotifyClass.stream],
  ["d", NotifyClass.module],
  ["n", NotifyClass.new]
]

/** Redis's NOTIFY_ALL ("A"): every class but key-miss and new-key events. */
const NOTIFY_ALL: number =
  NotifyClass.generic | NotifyClass.string | NotifyClass.list | NotifyClass.set | NotifyClass.hash |
  NotifyClass.zset | NotifyClass.expired | NotifyClass.evicted | NotifyClass.stream | NotifyClass.module

/** keyspaceEventsStringToFlags: the NotifyClass bits of a letters string, -1 for an unknown letter. */
export const keyspaceEventsToFlags = (classes: string): number => {
  let flags = 0
  for (const c of classes) {
    if (c === "A") flags |= NOTIFY_ALL
    else if (c === "K") flags |= NotifyClass.keyspace
    else if (c === "E") flags |= NotifyClass.keyevent
    else if (c === "m") flags |= NotifyClass.keyMiss
    else {
      const letter = NOTIFY_LETTERS.find(([l]) => l === c)
      if (letter === undefined) return -1
      flags |= letter[1]
    }
  }
  return flags
}

/**
 * keyspaceEventsFlagsToString: the letters CONFIG GET shows ("A" for all classes, then K, E, m). Like
 * Redis's, it drops "n" next to "A" ("new" is not part of "A"), although the flag stays active: with
 * `lossless` the "n" is kept, which is how the value is stored.
 */
export const keyspaceEventsToString = (flags: number, lossless = false): string => {
  let out = ""
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    out += "A"
    if (lossless && (flags & NotifyClass.new) !== 0) out += "n"
  } else {
    for (const [letter, bit] of NOTIFY_LETTERS) if ((flags & bit) !== 0) out += letter
  }
  if ((flags & NotifyClass.keyspace) !== 0) out += "K"
  if ((flags & NotifyClass.keyevent) !== 0) out += "E"
  if ((flags & NotifyClass.keyMiss) !== 0) out += "m"
  return out
}
