/**
 * The server's own accounting of what it stores (INFO used_memory, what maxmemory compares against):
 * estimates of V8 heap bytes on a 64-bit build without pointer compression (Node's default), kept
 * incrementally. Every figure here is linear in the number of strings and their total length, so a
 * value can keep its estimate by counting its strings' characters as they come and go: O(1) per
 * change, never a walk over the value. The constants were measured (test/keyspace/memory-accounting
 * compares the accounting's growth with the heap's after loading each type and encoding).
 */

/**
 * A one-byte sequential string of `n` chars: a 16-byte header, the chars rounded up to 8 bytes
 * (4 on average), and the slot that refers to it.
 */
export const STRING_OVERHEAD = 16 + 4
/**
 * What used_memory counts before anything is stored (INFO used_memory_startup): a fixed baseline the
 * size of a fresh redis-server 7.0's (its used_memory_startup: 876152 bytes on x86-64), not this
 * process's own heap, so that a maxmemory means what it means to Redis: data gets about the same room
 * under the same setting, and a tiny one (`maxmemory 1`, as Redis's tests set it) refuses every
 * write before anything is stored.
 */
export const STARTUP_MEMORY = 876_152

/** A pointer slot in an array or an object. */
export const SLOT = 8
/** Array slack: arrays grown by push keep about a quarter of their length unused on average. */
export const ARRAY_SLOT = 10

export const stringBytes = (length: number): number => STRING_OVERHEAD + length

/**
 * A key in a database: its string, its dictionary entry (a JS Map entry with its share of the hash
 * table and the table's growth slack), its slot in the SCAN array and in the parallel array of
 * stored objects that eviction samples, and the stored object's `keySlot` field.
 */
export const KEY_OVERHEAD = 48 + 2 * ARRAY_SLOT + SLOT
/** A key's entry in the expires dictionary (the key string is shared). */
export const EXPIRE_OVERHEAD = 28
/** A string value: the StoredString object (header and two fields) besides the string itself. */
export const STORED_STRING = 40

/** A Map entry with its share of the hash table and growth slack (index maps of large aggregates). */
export const MAP_ENTRY = 40

/** What a key costs besides its value. */
export const keyBytes = (key: string): number => KEY_OVERHEAD + stringBytes(key.length)

/** What a string value costs (StoredString and its string). */
export const stringValueBytes = (value: string): number => STORED_STRING + stringBytes(value.length)

/**
 * A member of a sorted set in the skiplist encoding besides its string: its slots in a tree leaf
 * (member and score, leaves about three quarters full), its dict entry (Map entry and a DictEntry
 * object with a boxed score) and its slot in the dense member array.
 */
export const ZSET_TREE_MEMBER = 146

/** A stream entry besides its strings: its ID (two doubles), state and start slots, in node arrays. */
export const STREAM_ENTRY = 50
/** A stream node (its object and five arrays). */
export const STREAM_NODE = 400
/** A pending entry of a consumer group (in the group's PEL and its consumer's: two IdMap slots, an object). */
export const STREAM_PENDING = 190

/**
 * The objects of aggregates besides their elements: the value object (header and fields) and its
 * arrays' headers.
 */
export const HASH_LISTPACK = 55
export const LIST_BASE = 120
export const SET_BASE = 60
export const ZSET_LISTPACK = 170
export const STREAM_BASE = 210
