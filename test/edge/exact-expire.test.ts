/** Expiry times beyond 2^53 ms stay exact through SET/GETEX (PXAT/EXAT), as Redis's 64-bit times do. */
import { describe, expect, it } from "vitest"
import { embeddedRunner } from "../support/embedded.ts"

describe("exact 64-bit expiry times", () => {
  const run = embeddedRunner()

  it("SET k v PXAT 9223372036854775807 then PEXPIRETIME answers it exactly", async () => {
    expect(await run(["SET", "k", "v", "PXAT", "9223372036854775807"])).toBe("OK")
    expect(await run(["PEXPIRETIME", "k"])).toBe(9223372036854775807n)
    expect(await run(["EXPIRETIME", "k"])).toBe(9223372036854776n)
  })

  it("2^53 + 1 survives SET PXAT and GETEX PXAT", async () => {
    expect(await run(["SET", "k", "v", "PXAT", "9007199254740993"])).toBe("OK")
    expect(await run(["PEXPIRETIME", "k"])).toBe(9007199254740993n)
    expect(await run(["GETEX", "k", "PXAT", "9223372036854775806"])).toBe("v")
    expect(await run(["PEXPIRETIME", "k"])).toBe(9223372036854775806n)
  })
})
