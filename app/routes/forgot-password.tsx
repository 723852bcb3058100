// Ask for a password-reset link; the answer is the same whether or not the account exists.
import { type LoaderFunctionArgs } from '@remix-run/cloudflare'
import { useState, type FormEvent } from 'react'
import { apiPost } from '../api'

export async function loader({ context }: LoaderFunctionArgs) {
  if (!context.tenancy || context.tenancy.kind === 'marketing') throw new Response('Not found', { status: 404 })
  return null
}

export default function ForgotPassword() {
  const [message, setMessage] = useState<string | null>(null)
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    try {
      const result = await apiPost<{ message: string }>('/api/auth/password-reset', { email: form.get('email') })
      setMessage(result.message)
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <main>
      <div className="card narrow">
        <h1>Reset your password</h1>
        <form onSubmit={submit}>
          <label>
            Email
            <input name="email" type="email" required />
          </label>
          <button type="submit">Send reset link</button>
        </form>
        {message ? <p role="status">{message}</p> : null}
      </div>
    </main>
  )
}
