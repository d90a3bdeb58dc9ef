/** What the persistence suites share: fresh directories, in-process servers with a connection, INFO fields. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import type { Command } from "../support/generators/persistence.ts"
import { type PersistentServer, startPersistentServer } from "../support/persistentServer.ts"
import { RawConnection } from "../support/raw.ts"

/** A directory per call under one temporary root, removed after the file's tests. */
export const freshDirs = (prefix: string): (() => string) => {
  const root = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  let dirs = 0
  return () => {
    const dir = join(root, `d${dirs++}`)
    mkdirSync(dir)
    return dir
  }
}

export const info = async (conn: RawConnection, field: string): Promise<string | undefined> => {
  const text = (await conn.call("INFO", "persistence")).value as string
  return new RegExp(`^${field}:(.*)\\r$`, "m").exec(text)?.[1]
}

export const waitFor = async (check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** An in-process server with the persistence Layer (DEBUG enabled) and `connections` connections to it, closed after `body`. */
export const withServer = async (
  config: Record<string, string>,
  body: (server: PersistentServer, ...conns: Array<RawConnection>) => Promise<void>,
  connections = 1
) => {
  const server = await startPersistentServer({ "enable-debug-command": "yes", ...config })
  const conns: Array<RawConnection> = []
  try {
    for (let i = 0; i < connections; i++) conns.push(await RawConnection.connect(server.port))
    await body(server, ...conns)
  } finally {
    for (const conn of conns) await conn.close()
    await server.close()
  }
}

/** Runs a generated dataset in pipelined chunks, then selects db 0 again. */
export const populate = async (conn: RawConnection, commands: ReadonlyArray<Command>, chunk = 500): Promise<void> => {
  for (let i = 0; i < commands.length; i += chunk) await conn.pipeline(commands.slice(i, i + chunk))
  await conn.call("SELECT", "0")
}
