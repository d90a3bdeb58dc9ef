/**
 * The replication backlog (repl-backlog-size): the last bytes of the replication stream, so a replica
 * whose link broke can continue from its offset (PSYNC <replid> <offset> -> +CONTINUE). A circular
 * buffer; offsets are Redis's: the stream's first byte is offset 1, `offset` is the first byte held.
 */
export class Backlog {
  private data: Buffer
  /** Where the next byte goes. */
  private end = 0
  /** Bytes of history held (repl_backlog_histlen). */
  histlen = 0
  /** Offset of the first byte held (repl_backlog_first_byte_offset). */
  offset: number

  /** A backlog created when the stream is at `masterOffset` (its next byte is masterOffset + 1). */
  constructor(size: number, masterOffset: number) {
    this.data = Buffer.alloc(Math.max(1, size))
    this.offset = masterOffset + 1
  }

  get size(): number {
    return this.data.length
  }

  /** Appends stream bytes (a latin1 string: one char per byte). */
  append(s: string): void {
    const n = s.length
    const size = this.data.length
    if (n >= size) {
      this.data.latin1Write(s.slice(n - size), 0)
      this.end = 0
      this.offset += this.histlen + n - size
      this.histlen = size
      return
    }
    const first = Math.min(n, size - this.end)
    this.data.latin1Write(first === n ? s : s.slice(0, first), this.end)
    if (first < n) this.data.latin1Write(s.slice(first), 0)
    this.end = (this.end + n) % size
    const hist = this.histlen + n
    if (hist > size) {
      this.offset += hist - size
      this.histlen = size
    } else {
      this.histlen = hist
    }
  }

  /** Whether the bytes from `from` (the first byte a replica lacks) to the end are held. */
  holds(from: number): boolean {
    return from >= this.offset && from <= this.offset + this.histlen
  }

  /** The bytes from offset `from` to the end (addReplyReplicationBacklog). */
  readFrom(from: number): Buffer {
    const len = this.offset + this.histlen - from
    const out = Buffer.allocUnsafe(len)
    const size = this.data.length
    let start = (this.end - len + size * 2) % size
    let copied = 0
    while (copied < len) {
      const chunk = Math.min(len - copied, size - start)
      this.data.copy(out, copied, start, start + chunk)
      copied += chunk
      start = (start + chunk) % size
    }
    return out
  }

  /** A new size (CONFIG SET repl-backlog-size): the most recent history that fits is kept. */
  resize(size: number): void {
    if (size === this.data.length) return
    const keep = Math.min(this.histlen, size)
    const tail = this.readFrom(this.offset + this.histlen - keep)
    this.data = Buffer.alloc(Math.max(1, size))
    tail.copy(this.data, 0)
    this.end = keep % this.data.length
    this.offset += this.histlen - keep
    this.histlen = keep
  }
}
