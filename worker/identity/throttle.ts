// Brute-force protection for login and MFA: failure counters per account and per IP in Postgres,
// so every isolate sees the same count. Lockouts grow with repeated failures.
import type { Pool } from '@neondatabase/serverless'

export interface ThrottlePolicy {
  /** failures within the window before the key locks */
  threshold: number
  windowSeconds: number
  /** first lock length; doubles with each further failure, up to maxLockSeconds */
  lockSeconds: number
  maxLockSeconds: number
}

export const POLICIES = {
  account: { threshold: 5, windowSeconds: 15 * 60, lockSeconds: 60, maxLockSeconds: 60 * 60 },
  ip: { threshold: 30, windowSeconds: 15 * 60, lockSeconds: 15 * 60, maxLockSeconds: 60 * 60 },
  mfa: { threshold: 5, windowSeconds: 15 * 60, lockSeconds: 60, maxLockSeconds: 60 * 60 },
} satisfies Record<string, ThrottlePolicy>

export interface ThrottleKey {
  key: string
  policy: ThrottlePolicy
}

export const throttleKeys = {
  account: (email: string): ThrottleKey => ({ key: `account:${email.trim().toLowerCase()}`, policy: POLICIES.account }),
  ip: (ip: string): ThrottleKey => ({ key: `ip:${ip}`, policy: POLICIES.ip }),
  mfa: (userId: string): ThrottleKey => ({ key: `mfa:${userId}`, policy: POLICIES.mfa }),
}

/** Seconds until the most distant lock among `keys` ends, or 0 when none is locked. */
export async function lockedFor(pool: Pool, keys: ThrottleKey[]): Promise<number> {
  const { rows } = await pool.query<{ seconds: number }>(
    `SELECT COALESCE(MAX(CEIL(EXTRACT(EPOCH FROM (locked_until - now())))), 0)::int AS seconds
       FROM public.auth_throttle WHERE key = ANY($1) AND locked_until > now()`,
    [keys.map((k) => k.key)],
  )
  return rows[0]?.seconds ?? 0
}

/** Counts a failure; returns the lock length in seconds it caused (0 if it did not lock). */
export async function recordFailure(pool: Pool, { key, policy }: ThrottleKey): Promise<number> {
  const { rows } = await pool.query<{ failures: number }>(
    `INSERT INTO public.auth_throttle AS t (key, failures, window_started) VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_started < now() - make_interval(secs => $2) AND (t.locked_until IS NULL OR t.locked_until < now())
                       THEN 1 ELSE t.failures + 1 END,
       window_started = CASE WHEN t.window_started < now() - make_interval(secs => $2) AND (t.locked_until IS NULL OR t.locked_until < now())
                       THEN now() ELSE t.window_started END
     RETURNING failures`,
    [key, policy.windowSeconds],
  )
  const failures = rows[0]?.failures ?? 1
  if (failures < policy.threshold) return 0
  const seconds = Math.min(policy.maxLockSeconds, policy.lockSeconds * 2 ** (failures - policy.threshold))
  await pool.query(`UPDATE public.auth_throttle SET locked_until = now() + make_interval(secs => $2) WHERE key = $1`, [key, seconds])
  return seconds
}

export async function clearFailures(pool: Pool, keys: ThrottleKey[]): Promise<void> {
  await pool.query('DELETE FROM public.auth_throttle WHERE key = ANY($1)', [keys.map((k) => k.key)])
}
