import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own servers on free ports; the suites are CPU-light but socket-heavy.
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"]
  }
})
