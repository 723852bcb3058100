// Sign-in: email + password, then a TOTP or recovery code when the account has two-step sign-in.
import { useState, type FormEvent } from 'react'
import { apiPost } from '../api'

export function LoginForm({ title, subtitle }: { title: string; subtitle?: string }) {
  const [mfaToken, setMfaToken] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    try {
      if (mfaToken) {
        await apiPost('/api/auth/login/mfa', { mfaToken, code: form.get('code') })
        window.location.assign('/')
        return
      }
      const result = await apiPost<{ mfaRequired?: boolean; mfaToken?: string }>('/api/auth/login', {
        email: form.get('email'),
        password: form.get('password'),
      })
      if (result.mfaRequired && result.mfaToken) setMfaToken(result.mfaToken)
      else window.location.assign('/')
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="card narrow">
      <h1 data-testid="login-title">{title}</h1>
      {subtitle ? <p className="muted">{subtitle}</p> : null}
      <form onSubmit={submit} data-testid="login-form">
        {mfaToken ? (
          <label>
            Code from your authenticator app (or a recovery code)
            <input name="code" autoComplete="one-time-code" inputMode="numeric" required autoFocus />
          </label>
        ) : (
          <>
            <label>
              Email
              <input name="email" type="email" autoComplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
          </>
        )}
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {mfaToken ? 'Verify' : 'Sign in'}
        </button>
      </form>
    </div>
  )
}
