#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=20
// The package's command: same arguments as redis-server. Needs Node 24 (runs the TypeScript sources).
// The V8 flags are package.json's config.v8Flags (npm start uses them): a 16 MB young generation and
// a slower-growing old one keep the resident memory of big keyspaces close to the live data.
import "../src/main.ts"
