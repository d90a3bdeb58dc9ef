// Buffer's latin1 fast paths exist at runtime (they back Buffer#toString/write) but are not in @types/node.
// Keys and values are binary-safe latin1 strings (one char per byte), so these are on the hot path.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string
    latin1Write(value: string, offset: number, length?: number): number
    asciiWrite(value: string, offset: number, length?: number): number
  }
}
export {}
