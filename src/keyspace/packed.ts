/**
 * Packed strings: a list of byte strings in ONE latin1 string, the JS counterpart of Redis's listpack.
 * One flat string instead of an array and a string per item is what keeps small hashes and sets within
 * a small multiple of Redis's memory, and it is a single object for the garbage collector to copy.
 *
 * Layout: varint(item count), then for each item varint(length) followed by its bytes. A varint holds
 * 7 bits per char, low bits first, the high bit set on every char but the last.
 */

/** Position just after the last varint read by `readVarint` (a scratch register, to avoid tuples). */
export let after = 0

export const readVarint = (packed: string, i: number): number => {
  let n = 0
  let scale = 1
  let c: number
  do {
    c = packed.charCodeAt(i++)
    n += (c & 0x7f) * scale
    scale *= 128
  } while (c >= 0x80)
  after = i
  return n
}

export const varint = (n: number): string => {
  if (n < 0x80) return String.fromCharCode(n)
  let s = ""
  while (n >= 0x80) {
    s += String.fromCharCode((n % 128) | 0x80)
    n = Math.floor(n / 128)
  }
  return s + String.fromCharCode(n)
}

/** The packed form of `items` (a flat string: `join` builds it in one piece). */
export const pack = (items: ReadonlyArray<string>): string => {
  const parts: Array<string> = [varint(items.length)]
  for (let k = 0; k < items.length; k++) parts.push(varint(items[k]!.length), items[k]!)
  return parts.join("")
}

export const EMPTY_PACKED = pack([])

/** Number of items in a packed string. */
export const packedCount = (packed: string): number => readVarint(packed, 0)

/** Every item of a packed string. */
export const unpack = (packed: string): Array<string> => {
  const n = readVarint(packed, 0)
  let i = after
  const items = new Array<string>(n)
  for (let k = 0; k < n; k++) {
    const len = readVarint(packed, i)
    i = after
    items[k] = packed.slice(i, i + len)
    i += len
  }
  return items
}

/** Calls `fn` with each item and its index. */
export const packedForEach = (packed: string, fn: (item: string, k: number) => void): void => {
  const n = readVarint(packed, 0)
  let i = after
  for (let k = 0; k < n; k++) {
    const len = readVarint(packed, i)
    i = after
    fn(packed.slice(i, i + len), k)
    i += len
  }
}

/**
 * Index of the first item equal to `item` among the items at indexes that are multiples of `stride`
 * (2 to search the fields of a pair list), or -1. On success `after` is the offset of the next item.
 */
export const packedFind = (packed: string, item: string, stride: number): number => {
  const n = readVarint(packed, 0)
  let i = after
  const len = item.length
  for (let k = 0; k < n; k++) {
    const itemLen = readVarint(packed, i)
    i = after
    if (itemLen === len && k % stride === 0 && packed.startsWith(item, i)) {
      after = i + itemLen
      return k
    }
    i += itemLen
  }
  return -1
}

/** The item starting at offset `i` (after `packedFind`). */
export const itemAt = (packed: string, i: number): string => {
  const len = readVarint(packed, i)
  return packed.slice(after, after + len)
}
