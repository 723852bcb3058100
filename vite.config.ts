// Builds the Remix app (client assets + a server build for workerd). `wrangler dev`/`deploy`
// bundle the server build into the Worker; see worker/remix-handler.ts.
import { vitePlugin as remix } from '@remix-run/dev'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  ssr: {
    // A self-contained server build: the Worker (wrangler's esbuild, or vitest's module runner)
    // then never has to load Remix's CommonJS packages itself.
    noExternal: true,
    resolve: {
      conditions: ['workerd', 'worker', 'browser'],
      externalConditions: ['workerd', 'worker'],
    },
  },
  resolve: { mainFields: ['browser', 'module', 'main'] },
  logLevel: 'warn',
})
