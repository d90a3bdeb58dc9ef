/**
 * How a string value is stored: the bytes and the LRU clock of the last access, Redis's robj for
 * strings. Aggregates are objects already and carry `lru` themselves, so they are stored as they are.
 */
export class StoredString {
  value: string
  lru: number
  /** Its key's position in its database's slot arrays (-1 once deleted); kept by the Database. */
  keySlot = -1

  constructor(value: string, lru: number) {
    this.value = value
    this.lru = lru
  }
}
