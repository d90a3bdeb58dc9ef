/**
 * CRC-64/Jones as Redis computes it (crc64.c): reflected, polynomial 0xad93d23594c935a9, initial value
 * 0, no final xor. RDB files end with it and DUMP payloads carry it. The running value is two 32-bit
 * halves (no bigint per byte), with slicing-by-8 tables: loading a large file checks every byte.
 */

/** The reflected polynomial, 0x95ac9329ac4bc9b5, as halves. */
const POLY_HI = 0x95ac9329
const POLY_LO = 0xac4bc9b5

/** TABLE_HI[k * 256 + b], TABLE_LO[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLE_HI = new Uint32Array(8 * 256)
const TABLE_LO = new Uint32Array(8 * 256)

for (let b = 0; b < 256; b++) {
  let hi = 0
  let lo = b
  for (let i = 0; i < 8; i++) {
    const carry = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi = hi >>> 1
    if (carry !== 0) {
      hi = (hi ^ POLY_HI) >>> 0
      lo = (lo ^ POLY_LO) >>> 0
    }
  }
  TABLE_HI[b] = hi
  TABLE_LO[b] = lo
}
for (let k = 1; k < 8; k++) {
  for (let b = 0; b < 256; b++) {
    const hi = TABLE_HI[(k - 1) * 256 + b]!
    const lo = TABLE_LO[(k - 1) * 256 + b]!
    // one more zero byte: crc = T[crc & 0xff] ^ (crc >>> 8)
    const i = lo & 0xff
    TABLE_HI[k * 256 + b] = (TABLE_HI[i]! ^ (hi >>> 8)) >>> 0
    TABLE_LO[k * 256 + b] = (TABLE_LO[i]! ^ ((lo >>> 8) | (hi << 24))) >>> 0
  }
}

/** A running CRC-64: `update` with each chunk, `value` (or the halves) at the end. */
export class Crc64 {
  hi = 0
  lo = 0

  update(data: Uint8Array, from = 0, to = data.length): this {
    let hi = this.hi
    let lo = this.lo
    let i = from
    for (; i + 8 <= to; i += 8) {
      const a = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0
      const c = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0
      hi = TABLE_HI[7 * 256 + (a & 0xff)]! ^ TABLE_HI[6 * 256 + ((a >>> 8) & 0xff)]! ^
        TABLE_HI[5 * 256 + ((a >>> 16) & 0xff)]! ^ TABLE_HI[4 * 256 + (a >>> 24)]! ^
        TABLE_HI[3 * 256 + (c & 0xff)]! ^ TABLE_HI[2 * 256 + ((c >>> 8) & 0xff)]! ^
        TABLE_HI[256 + ((c >>> 16) & 0xff)]! ^ TABLE_HI[c >>> 24]!
      lo = TABLE_LO[7 * 256 + (a & 0xff)]! ^ TABLE_LO[6 * 256 + ((a >>> 8) & 0xff)]! ^
        TABLE_LO[5 * 256 + ((a >>> 16) & 0xff)]! ^ TABLE_LO[4 * 256 + (a >>> 24)]! ^
        TABLE_LO[3 * 256 + (c & 0xff)]! ^ TABLE_LO[2 * 256 + ((c >>> 8) & 0xff)]! ^
        TABLE_LO[256 + ((c >>> 16) & 0xff)]! ^ TABLE_LO[c >>> 24]!
    }
    for (; i < to; i++) {
      const t = (lo ^ data[i]!) & 0xff
      lo = (TABLE_LO[t]! ^ ((lo >>> 8) | (hi << 24))) >>> 0
      hi = (TABLE_HI[t]! ^ (hi >>> 8)) >>> 0
    }
    this.hi = hi >>> 0
    this.lo = lo >>> 0
    return this
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo)
  }

  /** The 8 bytes Redis writes: the value little-endian. */
  bytes(): Uint8Array {
    const out = new Uint8Array(8)
    const view = new DataView(out.buffer)
    view.setUint32(0, this.lo, true)
    view.setUint32(4, this.hi, true)
    return out
  }
}

/** crc64(0, data): the CRC of a whole buffer. */
export const crc64 = (data: Uint8Array, from = 0, to = data.length): bigint => new Crc64().update(data, from, to).value
