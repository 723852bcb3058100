import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderBundle } from './bundle-migrations'

describe('migration bundle', () => {
  it('db/migrations.generated.ts matches migrations/*/*.sql (run `npm run migrations:bundle`)', () => {
    const committed = readFileSync(new URL('../db/migrations.generated.ts', import.meta.url), 'utf8')
    expect(committed).toBe(renderBundle())
  })
})
