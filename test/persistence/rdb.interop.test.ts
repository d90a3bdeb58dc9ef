/**
 * RDB files between this server and a real redis-server 7.0, both ways: redis-server writes a file
 * with every type and encoding (with listpacks and intsets disabled, with LZF-compressed quicklist
 * nodes, with small stream nodes, without compression), this server loads it, and the two keyspaces
 * must be identical (type, OBJECT ENCODING, absolute expiry, value, stream groups/PELs/consumers);
 * then this server writes a file and a redis-server started on it must hold the same keyspace.
 */
import fc from "fast-check"
import { spawn } from "node:child_process"
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { encodeKeyspace, loadKeyspace } from "../../src/persistence/rdb/keyspace.ts"
import { type Command, randomDataset, richDataset } from "../support/generators/persistence.ts"
import { dumpKeyspace } from "../support/keyspaceDump.ts"
import { RdbError } from "../../src/persistence/rdb/format.ts"
import { freePort, hasOracle, redisServerPath, skipMessage, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer } from "../support/server.ts"

const dir = mkdtempSync(join(tmpdir(), "rdb-interop-"))
const fixtures = new URL("../fixtures/rdb/", import.meta.url)

/** What redis-server logs while it loads `file` from `dir`, until it is ready (or exits). */
const redisLoadLog = async (file: string): Promise<string> => {
  const port = await freePort()
  const child = spawn(redisServerPath!, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--dbfilename", file])
  let output = ""
  child.stdout.on("data", (d) => (output += d))
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (output.includes("Ready to accept connections") || child.exitCode !== null) {
        clearInterval(timer)
        resolve()
      }
    }, 10)
  })
  child.kill("SIGKILL")
  return output
}
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Variant {
  readonly name: string
  readonly config: Readonly<Record<string, string>>
}

const VARIANTS: ReadonlyArray<Variant> = [
  { name: "default encodings", config: {} },
  {
    name: "listpacks and intsets disabled",
    config: { "hash-max-listpack-entries": "0", "zset-max-listpack-entries": "0", "set-max-intset-entries": "0", "list-max-listpack-size": "1" }
  },
  { name: "LZF-compressed quicklist nodes", config: { "list-compress-depth": "1", "list-max-listpack-size": "4" } },
  { name: "no compression, small stream nodes", config: { rdbcompression: "no", "stream-node-max-entries": "3", "list-max-listpack-size": "-5" } }
]

const args = (config: Readonly<Record<string, string>>): Array<string> => Object.entries(config).flatMap(([k, v]) => [`--${k}`, v])

const populate = async (conn: RawConnection, commands: ReadonlyArray<Command>): Promise<void> => {
  await conn.call("FLUSHALL")
  for (let i = 0; i < commands.length; i += 200) await conn.pipeline(commands.slice(i, i + 200))
  await conn.call("SELECT", "0")
}

const SAVE_OPTIONS = { version: "7.0.15", usedMemory: 1000 }
const withLines = () => {
  const lines: Array<string> = []
  return { lines, log: (_level: string, line: string) => lines.push(line) }
}

/** Redis writes, we load: compared with redis-server after it reloaded its own file (DEBUG RELOAD). */
const theyWriteWeLoad = async (variant: Variant, commands: ReadonlyArray<Command>, file: string): Promise<void> => {
  const oracle = await startOracle([...args(variant.config), "--dir", dir, "--dbfilename", file])
  const server = await startServer({ ...variant.config, "enable-debug-command": "yes" })
  const theirs = await RawConnection.connect(oracle.port)
  const ours = await RawConnection.connect(server.port)
  try {
    await populate(theirs, commands)
    expect((await theirs.call("DEBUG", "RELOAD")).value).toBe("OK")
    const { lines, log } = withLines()
    const loader = loadKeyspace(server.engine.keyspace, server.engine.config, readFileSync(join(dir, file)), log)
    expect(lines).toContain("Loading RDB produced by version 7.0.15")
    expect(lines.at(-1)).toBe(`Done loading RDB, keys loaded: ${loader.keysLoaded}, keys expired: ${loader.keysExpired}.`)
    expect(await dumpKeyspace(ours)).toEqual(await dumpKeyspace(theirs))
  } finally {
    await Promise.all([theirs.close(), ours.close()])
    await Promise.all([oracle.stop(), server.close()])
  }
}

/** We write, Redis loads: compared with this server after it reloaded the same bytes. */
const weWriteTheyLoad = async (variant: Variant, commands: ReadonlyArray<Command>, file: string): Promise<void> => {
  const server = await startServer({ ...variant.config, "enable-debug-command": "yes" })
  const ours = await RawConnection.connect(server.port)
  await populate(ours, commands)
  const bytes = encodeKeyspace(server.engine.keyspace, server.engine.config, SAVE_OPTIONS)
  loadKeyspace(server.engine.keyspace, server.engine.config, bytes, () => {})
  writeFileSync(join(dir, file), bytes)
  const oracle = await startOracle([...args(variant.config), "--dir", dir, "--dbfilename", file])
  const theirs = await RawConnection.connect(oracle.port)
  try {
    expect(await dumpKeyspace(theirs)).toEqual(await dumpKeyspace(ours))
  } finally {
    await Promise.all([theirs.close(), ours.close()])
    await Promise.all([oracle.stop(), server.close()])
  }
}

const describeOracle = hasOracle ? describe : describe.skip

describeOracle(`RDB files with redis-server 7.0 (${hasOracle ? "interop" : skipMessage})`, () => {
  for (const [i, variant] of VARIANTS.entries()) {
    it(`loads redis-server's file: ${variant.name}`, async () => {
      await theyWriteWeLoad(variant, richDataset(Date.now() + 3_600_000), `theirs-${i}.rdb`)
    })
    it(`redis-server loads this server's file: ${variant.name}`, async () => {
      await weWriteTheyLoad(variant, richDataset(Date.now() + 3_600_000), `ours-${i}.rdb`)
    })
  }

  it("both ways with random keyspaces", async () => {
    const samples = fc.sample(randomDataset, { numRuns: 6, seed: 16 })
    for (const [i, commands] of samples.entries()) {
      const variant = VARIANTS[i % VARIANTS.length]!
      await theyWriteWeLoad(variant, commands, `random-theirs-${i}.rdb`)
      await weWriteTheyLoad(variant, commands, `random-ours-${i}.rdb`)
    }
  })

  it.each(["encodings", "hash-zipmap", "hash-ziplist", "list-quicklist", "zset-ziplist", "scriptbackup", "corrupt_empty_keys"])(
    "loads Redis's test asset %s.rdb (older versions and encodings) as redis-server does",
    async (name) => {
      copyFileSync(new URL(`${name}.rdb`, fixtures), join(dir, `${name}.rdb`))
      const oracle = await startOracle(["--dir", dir, "--dbfilename", `${name}.rdb`])
      const server = await startServer()
      const theirs = await RawConnection.connect(oracle.port)
      const ours = await RawConnection.connect(server.port)
      try {
        const { lines, log } = withLines()
        loadKeyspace(server.engine.keyspace, server.engine.config, readFileSync(join(dir, `${name}.rdb`)), log, { now: Date.now() })
        const dump = await dumpKeyspace(ours)
        // (scriptbackup's one key has expired, corrupt_empty_keys has only empty keys)
        if (name !== "scriptbackup" && name !== "corrupt_empty_keys") expect(dump.length).toBeGreaterThan(0)
        expect(dump).toEqual(await dumpKeyspace(theirs))
        // the same warnings and summary as redis-server's log
        const theirLog = await redisLoadLog(`${name}.rdb`)
        const compared = lines.filter((l) => /skipping empty key|Done loading RDB|Loading RDB produced by/.test(l))
        expect(compared.length).toBeGreaterThan(0)
        for (const line of compared) expect(theirLog).toContain(line)
      } finally {
        await Promise.all([theirs.close(), ours.close()])
        await Promise.all([oracle.stop(), server.close()])
      }
    }
  )

  it("refuses Redis's corrupt ziplist asset as redis-server does", async () => {
    copyFileSync(new URL("corrupt_ziplist.rdb", fixtures), join(dir, "corrupt_ziplist.rdb"))
    const theirLog = await redisLoadLog("corrupt_ziplist.rdb")
    expect(theirLog).toContain("Hash ziplist integrity check failed.")
    const server = await startServer()
    try {
      expect(() => loadKeyspace(server.engine.keyspace, server.engine.config, readFileSync(join(dir, "corrupt_ziplist.rdb")), () => {}))
        .toThrow(RdbError)
      expect(() => loadKeyspace(server.engine.keyspace, server.engine.config, readFileSync(join(dir, "corrupt_ziplist.rdb")), () => {}))
        .toThrow("Hash ziplist integrity check failed.")
      expect(server.engine.keyspace.dbs[0]!.size).toBe(0)
    } finally {
      await server.close()
    }
  })

  it("drops keys that expired before loading, and counts them", async () => {
    const oracle = await startOracle(["--dir", dir, "--dbfilename", "expired.rdb"])
    const theirs = await RawConnection.connect(oracle.port)
    const server = await startServer()
    try {
      await theirs.pipeline([["DEBUG", "SET-ACTIVE-EXPIRE", "0"], ["SET", "gone", "v", "PX", "1"], ["SET", "kept", "v"]])
      await new Promise((r) => setTimeout(r, 20))
      expect((await theirs.call("SAVE")).value).toBe("OK")
      const { lines, log } = withLines()
      const loader = loadKeyspace(server.engine.keyspace, server.engine.config, readFileSync(join(dir, "expired.rdb")), log, { now: Date.now() })
      expect([loader.keysLoaded, loader.keysExpired]).toEqual([1, 1])
      expect(lines.at(-1)).toBe("Done loading RDB, keys loaded: 1, keys expired: 1.")
    } finally {
      await theirs.close()
      await Promise.all([oracle.stop(), server.close()])
    }
  })
})
