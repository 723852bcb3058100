// Choose a new password from an emailed link (?token=…); an invitation (?invite=1) reads as a welcome.
import { type LoaderFunctionArgs } from '@remix-run/cloudflare'
import { useSearchParams } from '@remix-run/react'
import { useState, type FormEvent } from 'react'
import { useHydrated } from '../components/hydrated'
import { apiPost } from '../api'

export async function loader({ context }: LoaderFunctionArgs) {
  if (!context.tenancy || context.tenancy.kind === 'marketing') throw new Response('Not found', { status: 404 })
  return null
}

export default function ResetPassword() {
  const [message, setMessage] = useState<string | null>(null)
  const [done, setDone] = useState(false)
  const invited = useSearchParams()[0].get('invite') === '1'
  const hydrated = useHydrated()
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const token = new URLSearchParams(window.location.search).get('token') ?? ''
    try {
      await apiPost('/api/auth/password-reset/confirm', { token, newPassword: form.get('password') })
      setDone(true)
      setMessage(invited ? 'Your password is set. Welcome aboard — sign in now.' : 'Your password is changed. Sign in with the new one.')
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <main>
      <div className="card narrow">
        <h1 data-testid="page-title">{invited ? 'Welcome — choose your password' : 'Choose a new password'}</h1>
        {done ? null : (
          <form onSubmit={submit}>
            <label>
              New password (at least 10 characters)
              <input name="password" type="password" autoComplete="new-password" minLength={10} required data-testid="new-password" />
            </label>
            <button type="submit" disabled={!hydrated} data-testid="save-password">
              Save password
            </button>
          </form>
        )}
        {message ? <p role="status">{message}</p> : null}
        {done ? <a href="/login">Sign in</a> : null}
      </div>
    </main>
  )
}
