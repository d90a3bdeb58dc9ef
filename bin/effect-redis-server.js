#!/usr/bin/env node
// The package's command: same arguments as redis-server. Needs Node 24 (runs the TypeScript sources).
import "../src/main.ts"
