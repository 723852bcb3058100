import { URI } from 'otpauth'
import { describe, expect, it } from 'vitest'
import { enrolment, matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, TOTP_PERIOD, totpCodeAt } from './mfa'
import { sha256Hex } from './passwords'

const STEP_MS = TOTP_PERIOD * 1000
// A fixed instant in the middle of a time step, so ±1 step never straddles a boundary by accident.
const STEP = 58_000_000
const NOW = STEP * STEP_MS + 15_000

const secret = newTotpSecret()

/** A 6-digit code that is not valid anywhere in the accepted window around NOW. */
function wrongCode(): string {
  const valid = new Set([-1, 0, 1].map((d) => totpCodeAt(secret, NOW + d * STEP_MS)))
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0')
    if (!valid.has(candidate)) return candidate
  }
}

describe('newTotpSecret', () => {
  it('is 160 bits of base32, fresh every time', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(newTotpSecret()).not.toBe(secret)
  })
})

describe('totpCodeAt', () => {
  // RFC 6238 appendix B (SHA1, 30 s), secret "12345678901234567890", truncated to 6 digits:
  // what any standard authenticator app shows.
  const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('matches the RFC 6238 test vector at T=%i', (seconds, code) => {
    expect(totpCodeAt(RFC_SECRET, seconds * 1000)).toBe(code)
  })

  it('is stable within a step and changes across steps', () => {
    const start = STEP * STEP_MS
    expect(totpCodeAt(secret, start)).toBe(totpCodeAt(secret, start + STEP_MS - 1))
    expect(totpCodeAt(secret, start)).not.toBe(totpCodeAt(secret, start + STEP_MS))
  })
})

describe('matchTotp', () => {
  it('accepts the current code and returns its time step', () => {
    expect(matchTotp(secret, totpCodeAt(secret, NOW), NOW, null)).toBe(STEP)
  })

  it('tolerates spaces in the typed code', () => {
    const code = totpCodeAt(secret, NOW)
    expect(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, NOW, null)).toBe(STEP)
  })

  it('refuses a wrong code', () => {
    expect(matchTotp(secret, wrongCode(), NOW, null)).toBeNull()
  })

  it('refuses a code made with another secret', () => {
    const other = newTotpSecret()
    const code = totpCodeAt(other, NOW)
    // (Skip the one-in-a-million collision rather than flake.)
    if ([-1, 0, 1].some((d) => totpCodeAt(secret, NOW + d * STEP_MS) === code)) return
    expect(matchTotp(secret, code, NOW, null)).toBeNull()
  })

  it.each([[''], ['12345'], ['1234567'], ['abcdef'], ['12345a'], ['-12345']])('refuses the malformed code %j', (code) => {
    expect(matchTotp(secret, code, NOW, null)).toBeNull()
  })

  it('accepts one step of clock skew either way, reporting the step the code belongs to', () => {
    expect(matchTotp(secret, totpCodeAt(secret, NOW - STEP_MS), NOW, null)).toBe(STEP - 1)
    expect(matchTotp(secret, totpCodeAt(secret, NOW + STEP_MS), NOW, null)).toBe(STEP + 1)
  })

  it('refuses codes two steps away', () => {
    for (const delta of [-2, 2]) {
      const code = totpCodeAt(secret, NOW + delta * STEP_MS)
      // Guard against a coincidental match with a code inside the window.
      if ([-1, 0, 1].some((d) => totpCodeAt(secret, NOW + d * STEP_MS) === code)) continue
      expect(matchTotp(secret, code, NOW, null), `delta ${delta}`).toBeNull()
    }
  })

  describe('replay protection', () => {
    it('refuses the same code once its step was used', () => {
      const code = totpCodeAt(secret, NOW)
      const used = matchTotp(secret, code, NOW, null)
      expect(used).toBe(STEP)
      expect(matchTotp(secret, code, NOW, used)).toBeNull()
      // Still refused a few seconds later, within the same step.
      expect(matchTotp(secret, code, NOW + 10_000, used)).toBeNull()
      // And in the next step, where it would otherwise be accepted as skew.
      expect(matchTotp(secret, code, NOW + STEP_MS, used)).toBeNull()
    })

    it('refuses an older step’s code after a newer step was used', () => {
      const used = matchTotp(secret, totpCodeAt(secret, NOW), NOW, null)
      expect(matchTotp(secret, totpCodeAt(secret, NOW - STEP_MS), NOW, used)).toBeNull()
    })

    it('refuses the current code after a future (skewed) step was used', () => {
      const used = matchTotp(secret, totpCodeAt(secret, NOW + STEP_MS), NOW, null)
      expect(used).toBe(STEP + 1)
      expect(matchTotp(secret, totpCodeAt(secret, NOW), NOW, used)).toBeNull()
    })

    it('accepts the next step’s code after the current one was used', () => {
      const used = matchTotp(secret, totpCodeAt(secret, NOW), NOW, null)
      expect(matchTotp(secret, totpCodeAt(secret, NOW + STEP_MS), NOW + STEP_MS, used)).toBe(STEP + 1)
    })
  })
})

describe('enrolment', () => {
  const e = enrolment(secret, 'alice@example.com')
  const url = new URL(e.otpauthUri)

  it('is an otpauth://totp/ URI with our issuer and the secret', () => {
    expect(e.secret).toBe(secret)
    expect(e.otpauthUri.startsWith('otpauth://totp/')).toBe(true)
    expect(url.searchParams.get('issuer')).toBe('SmoothSchedule')
    expect(url.searchParams.get('secret')).toBe(secret)
    expect(decodeURIComponent(url.pathname)).toContain('alice@example.com')
  })

  it('states the parameters the codes are made with (SHA1, 6 digits, 30 s)', () => {
    const parsed = URI.parse(e.otpauthUri)
    expect(parsed.secret.base32).toBe(secret)
    expect(parsed.algorithm).toBe('SHA1')
    expect(parsed.digits).toBe(6)
    expect('period' in parsed && parsed.period).toBe(30)
    // An authenticator set up from the URI shows the codes we accept.
    expect(parsed.generate({ timestamp: NOW })).toBe(totpCodeAt(secret, NOW))
  })

  it('comes with a QR code as SVG', () => {
    expect(e.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
  })
})

describe('recovery codes', () => {
  it('are 10, unique, formatted xxxxx-xxxxx, with distinct SHA-256 hashes of their normalised form', async () => {
    const { codes, hashes } = await newRecoveryCodes()
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/)
    expect(hashes).toHaveLength(10)
    expect(new Set(hashes).size).toBe(10)
    for (const [i, hash] of hashes.entries()) {
      expect(hash).toMatch(/^[0-9a-f]{64}$/)
      expect(hash).not.toBe(codes[i])
      expect(hash).toBe(await sha256Hex(normalizeRecoveryCode(codes[i]!)))
    }
  })

  it('differ between two batches', async () => {
    const a = await newRecoveryCodes()
    const b = await newRecoveryCodes()
    expect(a.codes.filter((c) => b.codes.includes(c))).toEqual([])
  })

  it('honour a custom count', async () => {
    expect((await newRecoveryCodes(3)).codes).toHaveLength(3)
  })

  it('normalise what a user types (case, dashes, spaces) to the hashed form', () => {
    expect(normalizeRecoveryCode(' AbCdE-fGhIj ')).toBe('abcdefghij')
    expect(normalizeRecoveryCode('abcde fghij')).toBe('abcdefghij')
  })
})
