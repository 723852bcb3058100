// The frame of the platform host's pages: the bar with the account menu and the navigation.
import { NavLink } from '@remix-run/react'
import type { ReactNode } from 'react'
import { AccountMenu } from './account-bar'
import { useRootAuth } from './portal-layout'

export function PlatformPage({ title, lead, children }: { title: string; lead?: ReactNode; children: ReactNode }) {
  const auth = useRootAuth()
  const item = (to: string, label: string, end = false) => (
    <NavLink to={to} end={end} className={({ isActive }) => (isActive ? 'active' : undefined)}>
      {label}
    </NavLink>
  )
  return (
    <>
      <header className="bar">
        <span className="brand">SmoothSchedule · Platform</span>
        <AccountMenu auth={auth} />
      </header>
      <nav className="portal-nav" aria-label="Platform" data-testid="platform-nav">
        <div className="portal-nav-inner">
          <div className="portal-nav-links">
            {item('/', 'Home', true)}
            {item('/tenants', 'Tenants')}
            {item('/audit', 'Audit log')}
            {item('/jobs', 'Jobs')}
          </div>
        </div>
      </nav>
      <main className="wide booking-page portal-page">
        <h1 data-testid="page-title">{title}</h1>
        {lead ? <p className="lead">{lead}</p> : null}
        {children}
      </main>
    </>
  )
}
