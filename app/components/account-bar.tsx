// The signed-in strip: who you are, sign out, and — while masquerading — the banner with "Stop".
import { useState } from 'react'
import type { AuthSummary } from '../load-context'
import { apiPost } from '../api'
import { useHydrated } from './hydrated'

export function MasqueradeBanner({ auth }: { auth: AuthSummary | null }) {
  const [error, setError] = useState<string | null>(null)
  const hydrated = useHydrated()
  if (!auth?.masquerade.active) return null
  async function stop() {
    try {
      const result = await apiPost<{ redirectTo: string }>('/api/auth/masquerade/stop')
      window.location.assign(result.redirectTo)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <div className="masquerade-banner" role="status" data-testid="masquerade-banner">
      <span>
        You are acting as <strong>{auth.user.email}</strong> ({auth.user.role}). Signed in as{' '}
        <strong>{auth.masquerade.realUser.email}</strong>. Everything you do is recorded under your name.
      </span>
      <button type="button" onClick={stop} disabled={!hydrated} data-testid="stop-masquerade">
        Stop masquerading
      </button>
      {error ? <span className="error">{error}</span> : null}
    </div>
  )
}

export function AccountMenu({ auth }: { auth: AuthSummary | null }) {
  const hydrated = useHydrated()
  if (!auth) return <a href="/login">Sign in</a>
  async function signOut() {
    await apiPost('/api/auth/logout').catch(() => undefined)
    window.location.assign('/')
  }
  return (
    <span className="account" data-testid="account-menu">
      {auth.user.displayName || auth.user.email} · {auth.user.role}{' '}
      <button type="button" className="link" onClick={signOut} disabled={!hydrated}>
        Sign out
      </button>
    </span>
  )
}

export function MasqueradeButton({ userId, label }: { userId: string; label: string }) {
  const [error, setError] = useState<string | null>(null)
  const hydrated = useHydrated()
  async function start() {
    try {
      const result = await apiPost<{ redirectTo: string }>('/api/auth/masquerade', { userId })
      window.location.assign(result.redirectTo)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <>
      <button type="button" onClick={start} disabled={!hydrated} aria-label={`Act as ${label}`}>
        Act as
      </button>
      {error ? <span className="error">{error}</span> : null}
    </>
  )
}
