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
