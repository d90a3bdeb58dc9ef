/**
 * Redis's LFU data (evict.c): a key's `lru` field holds the minutes clock of its last decrement in the
 * high 16 bits and a logarithmic access counter in the low 8, under an LFU maxmemory policy.
 */

/** LFU_INIT_VAL: the counter of a new key, so that it is not evicted before it had a chance to be used. */
export const LFU_INIT_VAL = 5

/** LFUGetTimeInMinutes: unix minutes, 16 bits. */
export const lfuMinutes = (nowMs: number): number => Math.floor(nowMs / 60000) & 65535

/** LFUTimeElapsed: minutes since `ldt`, the 16-bit clock wrapping. */
const lfuElapsed = (minutes: number, ldt: number): number => (minutes >= ldt ? minutes - ldt : 65535 - ldt + minutes)

/** LFUDecrAndReturn: the counter decremented by one per `decayTime` minutes since its last decrement. */
export const lfuDecay = (lru: number, minutes: number, decayTime: number): number => {
  const counter = lru & 255
  const periods = decayTime > 0 ? Math.floor(lfuElapsed(minutes, lru >>> 8) / decayTime) : 0
  if (periods === 0) return counter
  return periods > counter ? 0 : counter - periods
}

/** LFULogIncr: increments the counter with probability 1 / ((counter - LFU_INIT_VAL) * logFactor + 1). */
export const lfuLogIncr = (counter: number, logFactor: number, random: number): number => {
  if (counter === 255) return 255
  const base = counter < LFU_INIT_VAL ? 0 : counter - LFU_INIT_VAL
  return random < 1 / (base * logFactor + 1) ? counter + 1 : counter
}

/** updateLFU: decay, then count one access, stamped with the current minutes. */
export const lfuTouch = (lru: number, minutes: number, decayTime: number, logFactor: number, random: number): number =>
  (minutes << 8) | lfuLogIncr(lfuDecay(lru, minutes, decayTime), logFactor, random)
