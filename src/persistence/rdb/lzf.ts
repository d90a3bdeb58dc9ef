/**
 * LZF, the compression of RDB strings (lzf_c.c / lzf_d.c's format): a stream of literal runs (a
 * control byte below 32 is the run length minus one) and back references (3 bits of length, 13 bits
 * of distance, the length extended by a byte when 7). The compressor is a plain hash-chain-free
 * greedy matcher: any output that decodes to the input is valid LZF, and redis-server reads it.
 */

const HASH_LOG = 14
const MAX_OFF = 1 << 13
const MAX_REF = (1 << 8) + (1 << 3)
const MAX_LIT = 1 << 5

let table = new Int32Array(1 << HASH_LOG)

/**
 * Compresses `input` into at most `maxOut` bytes (Redis asks for len - 4), or undefined when the
 * result would not fit (rdbSaveLzfStringObject then stores the string as it is).
 */
export const lzfCompress = (input: Uint8Array, maxOut: number): Uint8Array | undefined => {
  const n = input.length
  if (n === 0 || maxOut <= 0) return undefined
  const out = new Uint8Array(maxOut + 1)
  table.fill(-1)
  let op = 0
  let litStart = op++
  let lit = 0
  let ip = 0
  while (ip < n) {
    if (ip + 2 < n) {
      const h = Math.imul((input[ip]! << 16) | (input[ip + 1]! << 8) | input[ip + 2]!, 0x9e3779b1) >>> (32 - HASH_LOG)
      const ref = table[h]!
      table[h] = ip
      if (
        ref >= 0 && ip - ref - 1 < MAX_OFF && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] &&
        input[ref + 2] === input[ip + 2]
      ) {
        const maxLen = Math.min(n - ip, MAX_REF)
        let len = 3
        while (len < maxLen && input[ref + len] === input[ip + len]) len++
        if (lit > 0) out[litStart] = lit - 1
        else op-- // no literal before the reference: drop its reserved control byte
        if (op + 4 > maxOut) return undefined
        const off = ip - ref - 1
        const l = len - 2
        if (l < 7) {
          out[op++] = (l << 5) | (off >> 8)
        } else {
          out[op++] = (7 << 5) | (off >> 8)
          out[op++] = l - 7
        }
        out[op++] = off & 0xff
        ip += len
        litStart = op++
        lit = 0
        continue
      }
    }
    if (op >= maxOut) return undefined
    out[op++] = input[ip++]!
    if (++lit === MAX_LIT) {
      out[litStart] = MAX_LIT - 1
      litStart = op++
      lit = 0
    }
  }
  if (lit > 0) out[litStart] = lit - 1
  else op--
  return op <= maxOut ? out.subarray(0, op) : undefined
}

/** Decompresses into exactly `outLength` bytes; undefined when the data is not valid LZF of that size. */
export const lzfDecompress = (input: Uint8Array, outLength: number): Uint8Array | undefined => {
  const out = new Uint8Array(outLength)
  let ip = 0
  let op = 0
  const end = input.length
  while (ip < end) {
    let ctrl = input[ip++]!
    if (ctrl < MAX_LIT) {
      ctrl++
      if (op + ctrl > outLength || ip + ctrl > end) return undefined
      out.set(input.subarray(ip, ip + ctrl), op)
      op += ctrl
      ip += ctrl
    } else {
      let len = ctrl >> 5
      if (ip >= end) return undefined
      if (len === 7) {
        len += input[ip++]!
        if (ip >= end) return undefined
      }
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]!
      len += 2
      if (op + len > outLength || ref < 0) return undefined
      if (op >= ref + len) {
        out.copyWithin(op, ref, ref + len)
        op += len
      } else {
        for (let k = 0; k < len; k++) out[op++] = out[ref + k]!
      }
    }
  }
  return op === outLength ? out : undefined
}

/** For tests: a fresh hash table (the compressor reuses one). */
export const resetLzfTable = (): void => {
  table = new Int32Array(1 << HASH_LOG)
}
