// Pure modules, in Node.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'unit',
    environment: 'node',
    include: ['{worker,db,scripts,durable-objects,app}/**/*.unit.test.ts'],
  },
})
