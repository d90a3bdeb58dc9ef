/** The differential tests compare with Redis 7.0: an oracle of another version fails them, clearly. */
import { describe, expect, it } from "vitest"
import { checkOracleVersion, hasOracle, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"

const info = (version: string) =>
  `# Server\r\nredis_version:${version}\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\nos:Linux\r\n`

describe("oracle version check", () => {
  it("accepts Redis 7.0.x", () => {
    expect(checkOracleVersion(info("7.0.15"), "redis-server")).toBe("7.0.15")
    expect(checkOracleVersion(info("7.0.0"), "redis-server")).toBe("7.0.0")
  })

  it("rejects other versions with a message naming the version found and the one needed", () => {
    expect(() => checkOracleVersion(info("7.2.4"), "/usr/bin/redis-server")).toThrow(
      "the oracle /usr/bin/redis-server is Redis 7.2.4, but the differential tests compare with Redis 7.0.x"
    )
    expect(() => checkOracleVersion(info("6.2.14"), "redis-server")).toThrow(/is Redis 6\.2\.14/)
    expect(() => checkOracleVersion(info("7.00.1"), "redis-server")).toThrow(/is Redis 7\.00\.1/)
    expect(() => checkOracleVersion(info("17.0.1"), "redis-server")).toThrow(/is Redis 17\.0\.1/)
  })

  it("rejects an INFO reply without redis_version (e.g. an error)", () => {
    expect(() => checkOracleVersion("-NOAUTH Authentication required.\r\n", "redis-server")).toThrow(
      /did not report redis_version/
    )
  })

  it.skipIf(!hasOracle)("the installed oracle passes the check, and the oracle a test gets has no INFO call in its stats", async () => {
    const oracle = await startOracle()
    try {
      const conn = await RawConnection.connect(oracle.port)
      const stats = String((await conn.call("INFO", "commandstats")).value)
      expect(stats).not.toContain("cmdstat_info")
      await conn.close()
    } finally {
      await oracle.stop()
    }
  })
})
