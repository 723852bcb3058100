// Type of the Remix server build that `remix vite:build` writes to build/server/index.js
// (aliased as virtual:remix-build in wrangler.toml and the test config).
import type { ServerBuild } from '@remix-run/cloudflare'
declare const build: ServerBuild
export = build
