// Pure modules, in Node.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'unit',
    environment: 'node',
    include: ['{worker,db,scripts,durable-objects,app}/**/*.unit.test.ts'],
    // The property tests run hundreds of random calendars; on a busy 2-core machine that can pass
    // 5 s. This is a hang guard, not a speed check (speed is measured by npm run bench).
    testTimeout: 60_000,
  },
})
