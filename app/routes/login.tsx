// /login on the platform host and on business hosts.
import { json, redirect, type LoaderFunctionArgs } from '@remix-run/cloudflare'
import { useLoaderData } from '@remix-run/react'
import { LoginForm } from '../components/login-form'

export async function loader({ context, request }: LoaderFunctionArgs) {
  const tenancy = context.tenancy
  if (!tenancy || tenancy.kind === 'marketing') throw new Response('Not found', { status: 404 })
  if (context.auth) return redirect('/')
  const handoffFailed = new URL(request.url).searchParams.get('error') === 'handoff'
  return json({ title: tenancy.kind === 'tenant' ? `Sign in to ${tenancy.tenant.name}` : 'Platform sign-in', handoffFailed })
}

export default function Login() {
  const { title, handoffFailed } = useLoaderData<typeof loader>()
  return (
    <>
      <header className="bar">
        <a className="brand" href="/">
          SmoothSchedule
        </a>
      </header>
      <main>
        {handoffFailed ? <p className="error">That sign-in link has expired or was already used.</p> : null}
        <LoginForm title={title} />
        <p className="muted narrow">
          <a href="/forgot-password">Forgot your password?</a>
        </p>
      </main>
    </>
  )
}
