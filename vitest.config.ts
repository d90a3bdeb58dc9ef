import { defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

/**
 * The package's exports point to the built dist/ for consumers; in the checkout the condition
 * "effect-redis-server-source" points them to src/, so examples importing "effect-redis-server" run
 * from source with no build step (tsconfig.json's customConditions does the same for tsc).
 */
const conditions = ["effect-redis-server-source", ...defaultServerConditions]

export default defineConfig({
  ssr: { resolve: { conditions } },
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
