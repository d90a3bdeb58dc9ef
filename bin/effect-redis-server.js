#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=20
// The package's command: same arguments as redis-server. The V8 flags are package.json's config.v8Flags
// (npm start uses them; a test checks that this line agrees): a 16 MB young generation and a
// slower-growing old one keep the resident memory of big keyspaces close to the live data.
// An installed package runs its built server (dist/effect-redis-server.js: src/main.ts bundled with its
// dependencies by `npm run build` before packing); a checkout, which has the TypeScript sources, runs
// them as `npm start` does, with no build step.
import { existsSync } from "node:fs"

const source = new URL("../src/main.ts", import.meta.url)
await import(existsSync(source) ? source.href : new URL("../dist/effect-redis-server.js", import.meta.url).href)
