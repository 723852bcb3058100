import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react'
import { MasqueradeBanner } from './components/account-bar'
import type { CSSProperties, ReactNode } from 'react'
import { getTenantSettings } from '../worker/platform/tenant-settings'
import stylesHref from './styles.css?url'

export const meta: MetaFunction<typeof loader> = ({ data, error }) => [
  { title: error ? 'Not available · SmoothSchedule' : (data?.title ?? 'SmoothSchedule') },
]

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: stylesHref }]

export async function loader({ context }: LoaderFunctionArgs) {
  // The Worker found no business (or a broken Host) for this request: every path is an error page.
  if (context.hostError) {
    throw json({ code: context.hostError.code, message: context.hostError.message }, { status: context.hostError.status })
  }
  const tenancy = context.tenancy
  // A business's pages wear its colours and logo (tenant settings); everything else the platform's.
  const settings = tenancy?.kind === 'tenant' ? await getTenantSettings(context.pool(), tenancy.tenant) : null
  return json({
    auth: context.auth,
    brand: settings
      ? { primaryColor: settings.branding.primaryColor, accentColor: settings.branding.accentColor, logoUrl: settings.branding.logo?.url ?? null, locale: settings.locale }
      : null,
    rootDomain: context.rootDomain,
    title:
      tenancy?.kind === 'tenant' ? tenancy.tenant.name : tenancy?.kind === 'platform' ? 'SmoothSchedule Platform' : 'SmoothSchedule',
  })
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root')
  return (
    <html lang={data?.brand?.locale ?? 'en'}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body style={data?.brand ? ({ '--brand': data.brand.primaryColor, '--accent': data.brand.accentColor } as CSSProperties) : undefined}>
        <MasqueradeBanner auth={data?.auth ?? null} />
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  )
}

export default function App() {
  useLoaderData<typeof loader>()
  return <Outlet />
}

export function ErrorBoundary() {
  const error = useRouteError()
  const status = isRouteErrorResponse(error) ? error.status : 500
  const data = isRouteErrorResponse(error) ? (error.data as { code?: string; message?: string } | string) : null
  const message =
    typeof data === 'object' && data?.message
      ? data.message
      : status === 404
        ? 'There is nothing at this address.'
        : 'Something went wrong on our side; it has been logged.'
  const heading = status === 404 ? 'Not found' : status === 400 ? 'Bad request' : status === 403 ? 'Unavailable' : 'Error'
  return (
    <>
      <header className="bar">
        <span className="brand">SmoothSchedule</span>
      </header>
      <main>
        <h1 data-testid="error-status">
          {status} · {heading}
        </h1>
        <p className="lead">{message}</p>
      </main>
    </>
  )
}
