import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import { appendFileSync } from "node:fs"

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Redis's log line: `pid:role dd Mon yyyy hh:mm:ss.mmm <level char> message`. */
export const formatLogLine = (pid: number, role: string, date: Date, level: string, message: string): string => {
  const ts = `${pad(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  return `${pid}:${role} ${ts} ${level} ${message}`
}

/** Redis's level marks: '.' debug, '-' verbose, '*' notice, '#' warning. */
const levelChar = (level: LogLevel.LogLevel): string => {
  switch (level) {
    case "Trace":
    case "Debug":
      return "."
    case "Info":
      return "*"
    default:
      return "#"
  }
}

/** Effect's log level for Redis's `loglevel`. */
export const minimumLevelFor = (loglevel: string): LogLevel.LogLevel =>
  loglevel === "debug" ? "Debug" : loglevel === "warning" ? "Warn" : "Info"

/** Writes one Redis-format line to stdout, or appends it to `logfile` when one is set. */
export const writeLogLine = (logfile: string, level: LogLevel.LogLevel, text: string, date = new Date()): void => {
  const line = formatLogLine(process.pid, "M", date, levelChar(level), text) + "\n"
  if (logfile === "") process.stdout.write(line)
  else appendFileSync(logfile, line)
}

/** A Logger writing Redis-format lines (see `writeLogLine`). */
export const redisLogger = (logfile: string): Logger.Logger<unknown, void> =>
  Logger.make(({ date, logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map((m) => typeof m === "string" ? m : String(m)).join(" ")
    writeLogLine(logfile, logLevel, text, date)
  })

export const RedisLoggerLive = (logfile: string) => Logger.layer([redisLogger(logfile)])

/** Writes text as it is (Redis's LL_RAW: no prefix), to stdout or appended to `logfile`. */
export const writeLogRaw = (logfile: string, text: string): void => {
  if (logfile === "") process.stdout.write(text)
  else appendFileSync(logfile, text)
}

/** What the start-up logo shows beside the art (asciilogo.h's fields). */
export interface LogoFields {
  readonly version: string
  readonly mode: string
  readonly port: number
  readonly pid: number
}

/**
 * Redis's start-up ASCII logo (asciilogo.h of Redis 7.0.15) with its version, mode, port and pid
 * lines; redis-server logs it raw, then a blank line. Tools (Redis's own test harness among them)
 * wait for its "PID:" line.
 */
export const redisLogo = ({ mode, pid, port, version }: LogoFields): string =>
  [
    "                _._                                                  ",
    "           _.-``__ ''-._                                             ",
    `      _.-\`\`    \`.  \`_.  ''-._           Redis ${version} (00000000/0) 64 bit`,
    "  .-`` .-```.  ```\\/    _.,_ ''-._                                  ",
    ` (    '      ,       .-\`  | \`,    )     Running in ${mode} mode`,
    ` |\`-._\`-...-\` __...-.\`\`-._|'\` _.-'|     Port: ${port}`,
    ` |    \`-._   \`._    /     _.-'    |     PID: ${pid}`,
    "  `-._    `-._  `-./  _.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |           https://redis.io       ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |                                  ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    "      `-._    `-.__.-'    _.-'                                       ",
    "          `-._        _.-'                                           ",
    "              `-.__.-'                                               ",
    "",
    ""
  ].join("\n")

/**
 * redisAsciiArt's choice: the logo when logging to a terminal (stdout is a TTY, no logfile, no
 * syslog) or when `always-show-logo yes`.
 */
export const showLogo = (options: {
  readonly alwaysShowLogo: boolean
  readonly logfile: string
  readonly syslog: boolean
  readonly stdoutIsTty: boolean
}): boolean => options.alwaysShowLogo || (!options.syslog && options.logfile === "" && options.stdoutIsTty)
