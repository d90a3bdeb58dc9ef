/**
 * LOLWUT (lolwut.c, lolwut5.c, lolwut6.c): computer art and the version. Redis 7.0's own version has no
 * art ("Redis ver. 7.0.15"); VERSION 5 draws Georg Nees's Schotter in Braille characters, VERSION 6 a
 * skyline in ANSI grays, both with random displacements, as Redis draws them.
 */
import type { CommandContext } from "../server/CommandContext.ts"
import { REDIS_VERSION } from "../version.ts"
import { intArg, optionName } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"

const RAND_MAX = 2147483647
const rand = (): number => Math.floor(Math.random() * (RAND_MAX + 1))

/** C's round(): halves away from zero. */
const cRound = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x))

/** float arithmetic, as C evaluates it on x86-64 (every step rounded to single precision). */
const f = Math.fround

class Canvas {
  readonly pixels: Uint8Array
  readonly width: number
  readonly height: number

  constructor(width: number, height: number, background: number) {
    this.width = width
    this.height = height
    this.pixels = new Uint8Array(width * height).fill(background)
  }

  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return
    this.pixels[x + y * this.width] = color
  }

  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0
    return this.pixels[x + y * this.width]!
  }

  /** Bresenham's line. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1)
    const dy = Math.abs(y2 - y1)
    const sx = x1 < x2 ? 1 : -1
    const sy = y1 < y2 ? 1 : -1
    let err = dx - dy
    for (;;) {
      this.set(x1, y1, color)
      if (x1 === x2 && y1 === y2) break
      const e2 = err * 2
      if (e2 > -dy) {
        err -= dy
        x1 += sx
      }
      if (e2 < dx) {
        err += dx
        y1 += sy
      }
    }
  }

  /** lwDrawSquare: a square centered at x,y, rotated by `angle` (C floats, rounded as C's round()). */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    const side = Math.fround(cRound(Math.fround(Math.fround(size) / 1.4142135623)))
    const px: Array<number> = []
    const py: Array<number> = []
    let k = Math.fround(Math.PI / 4 + angle)
    for (let j = 0; j < 4; j++) {
      px.push(cRound(Math.sin(k) * side + x))
      py.push(cRound(Math.cos(k) * side + y))
      k = Math.fround(k + Math.PI / 2)
    }
    for (let j = 0; j < 4; j++) this.line(px[j]!, py[j]!, px[(j + 1) % 4]!, py[(j + 1) % 4]!, color)
  }
}

/** The Braille character of a 2x4 group of pixels. */
const braille = (canvas: Canvas): string => {
  let text = ""
  for (let y = 0; y < canvas.height; y += 4) {
    for (let x = 0; x < canvas.width; x += 2) {
      let byte = 0
      if (canvas.get(x, y)) byte |= 1 << 0
      if (canvas.get(x, y + 1)) byte |= 1 << 1
      if (canvas.get(x, y + 2)) byte |= 1 << 2
      if (canvas.get(x + 1, y)) byte |= 1 << 3
      if (canvas.get(x + 1, y + 1)) byte |= 1 << 4
      if (canvas.get(x + 1, y + 2)) byte |= 1 << 5
      if (canvas.get(x, y + 3)) byte |= 1 << 6
      if (canvas.get(x + 1, y + 3)) byte |= 1 << 7
      const code = 0x2800 + byte
      text += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f))
    }
    if (y !== canvas.height - 1) text += "\n"
  }
  return text
}

/** A C `long` argument clamped to [min, max]; undefined after the error reply. */
const clampedArg = (ctx: CommandContext, s: string, min: number, max: number): number | undefined => {
  const n = intArg(ctx.reply, s)
  return n === undefined ? undefined : Math.min(max, Math.max(min, n))
}

const lolwut5 = (ctx: CommandContext, args: ReadonlyArray<string>): void => {
  let cols = 66
  let perRow = 8
  let perCol = 12
  const parsed = [cols, perRow, perCol]
  const limits = [1000, 200, 200]
  for (let i = 0; i < 3 && i < args.length; i++) {
    const n = clampedArg(ctx, args[i]!, 1, limits[i]!)
    if (n === undefined) return
    parsed[i] = n
  }
  ;[cols, perRow, perCol] = parsed as [number, number, number]
  const width = cols * 2
  const padding = width > 4 ? 2 : 0
  const side = f(f(width - padding * 2) / f(perRow))
  const height = Math.trunc(f(f(side * perCol) + padding * 2))
  const canvas = new Canvas(width, height, 0)
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f(f(f(x * side) + f(side / 2)) + padding))
      let sy = Math.trunc(f(f(f(y * side) + f(side / 2)) + padding))
      let angle = 0
      if (y > 1) {
        const random = () => f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y)
        let r1 = random()
        let r2 = random()
        let r3 = random()
        if (rand() % 2) r1 = -r1
        if (rand() % 2) r2 = -r2
        if (rand() % 2) r3 = -r3
        angle = r1
        sx = Math.trunc(f(sx + f(f(r2 * side) / 3)))
        sy = Math.trunc(f(sy + f(f(r3 * side) / 3)))
      }
      canvas.square(sx, sy, side, angle, 1)
    }
  }
  ctx.reply.verbatim(`${braille(canvas)}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`)
}

const GRAYS = ["0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"]

const skyscraper = (canvas: Canvas, xoff: number, width: number, height: number, windows: boolean, color: number): void => {
  const starty = canvas.height - 1
  const endy = starty - height + 1
  for (let y = starty; y >= endy; y--) {
    for (let x = xoff; x < xoff + width; x++) {
      if (y === endy && (x <= xoff + 1 || x >= xoff + width - 2)) continue
      let c = color
      if (windows && x > xoff + 1 && x < xoff + width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (xoff + 1)
        const rely = y - (endy + 1)
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do c = 1 + (rand() % 2)
          while (c === color)
          if (relx % 2) c = canvas.get(x - 1, y)
        }
      }
      canvas.set(x, y, c)
    }
  }
}

const lolwut6 = (ctx: CommandContext, args: ReadonlyArray<string>): void => {
  let cols = 80
  let rows = 20
  if (args.length > 0) {
    const n = clampedArg(ctx, args[0]!, 1, 1000)
    if (n === undefined) return
    cols = n
  }
  if (args.length > 1) {
    const n = clampedArg(ctx, args[1]!, 1, 1000)
    if (n === undefined) return
    rows = n
  }
  const canvas = new Canvas(cols, rows, 3)
  const h = canvas.height
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < canvas.width;) {
      offset += rand() % 8
      const width = 10 + (rand() % 9)
      const height = Math.trunc(h / 2) + Math.trunc((rand() % h) / (color === 2 ? 2 : 3))
      skyscraper(canvas, offset, width, height, false, color)
      offset += color === 2 ? Math.trunc(width / 2) : width + 1
    }
  }
  for (let offset = -10; offset < canvas.width;) {
    offset += rand() % 8
    let width = 5 + (rand() % 14)
    if (width % 4) width += width % 3
    const height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2)
    skyscraper(canvas, offset, width, height, true, 0)
    offset += width + 5
  }
  let text = ""
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) text += `\u001b[${GRAYS[canvas.get(x, y)] ?? GRAYS[0]} \u001b[0m`
    if (y !== canvas.height - 1) text += "\n"
  }
  ctx.reply.verbatim(
    `${text}\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`
  )
}

/** lolwutCommand: VERSION <n> picks the art; the rest of the arguments are the art's. */
const lolwut = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let version = REDIS_VERSION
  let args = argv.slice(1)
  if (argv.length >= 3 && optionName(argv[1]!) === "version") {
    const n = intArg(ctx.reply, argv[2]!)
    if (n === undefined) return
    // "%u.0.0" of the (unsigned int) conversion
    version = `${Number(BigInt.asUintN(32, BigInt(n)))}.0.0`
    args = argv.slice(3)
  }
  const [major, dot, minor] = [version[0], version[1], version[2]]
  if ((major === "5" && dot === "." && minor !== "9") || (major === "4" && dot === "." && minor === "9")) return lolwut5(ctx, args)
  if ((major === "6" && dot === "." && minor !== "9") || (major === "5" && dot === "." && minor === "9")) return lolwut6(ctx, args)
  ctx.reply.verbatim(`Redis ver. ${REDIS_VERSION}\n`)
}

export const lolwutCommands = [
  defineCommand({
    name: "lolwut",
    arity: -1,
    flags: "readonly fast",
    keys: [0, 0, 0],
    acl: "@read @fast",
    docs: { summary: "Display some computer art and the Redis version", since: "5.0.0", group: "server" },
    handler: lolwut
  })
]
