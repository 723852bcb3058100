// The frame of the team's portal pages (calendar, resources, services, customers, closures, new
// appointment): the business bar, the portal's navigation, and form fields that show their message.
import { Link, NavLink, useLocation, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { loader as rootLoader } from '../root'
import { AccountMenu } from './account-bar'
import { TenantBar } from './booking-layout'

/** What the navigation offers (portalNavigation in portal-access.server.ts). */
export interface PortalNavigationData {
  book: boolean
  catalog: boolean
  customers: boolean
  settings: boolean
  team: boolean
  messages: boolean
}

/** The signed-in summary the root loader already carries for the whole page. */
export function useRootAuth() {
  return useRouteLoaderData<typeof rootLoader>('root')?.auth ?? null
}

/** `bookHref`: where "New appointment" starts (the calendar passes the day it shows). */
export function PortalNav({ nav, bookHref = '/portal/appointments/new' }: { nav: PortalNavigationData; bookHref?: string }) {
  const item = (to: string, label: string, end = false) => (
    <NavLink to={to} end={end} prefetch="intent" className={({ isActive }) => (isActive ? 'active' : undefined)}>
      {label}
    </NavLink>
  )
  return (
    <nav className="portal-nav" aria-label="Portal" data-testid="portal-nav">
      <div className="portal-nav-inner">
        <div className="portal-nav-links">
          {item('/portal', 'Calendar', true)}
          {item('/portal/resources', 'Resources')}
          {item('/portal/services', 'Services')}
          {nav.customers ? item('/portal/customers', 'Customers') : null}
          {nav.catalog ? item('/portal/closures', 'Closures') : null}
          {nav.team ? item('/portal/staff', 'Team') : null}
          {nav.messages ? item('/portal/notifications', 'Messages') : null}
          {nav.settings ? item('/portal/settings', 'Settings') : null}
        </div>
        {nav.book ? (
          <Link to={bookHref} className="button" data-testid="new-appointment">
            + New appointment
          </Link>
        ) : null}
      </div>
    </nav>
  )
}

/** Bar, navigation and the page's main column. */
export function PortalPage({
  tenantName,
  zone,
  section,
  nav,
  children,
}: {
  tenantName: string
  zone: string
  section: string
  nav: PortalNavigationData
  children: ReactNode
}) {
  const auth = useRootAuth()
  return (
    <>
      <TenantBar name={tenantName}>
        <span className="muted">
          {section} · {zone.replace(/_/g, ' ')}
        </span>{' '}
        <AccountMenu auth={auth} />
      </TenantBar>
      <PortalNav nav={nav} />
      <main className="wide booking-page portal-page">{children}</main>
    </>
  )
}

export function PageHead({ title, lead, children }: { title: string; lead?: ReactNode; children?: ReactNode }) {
  return (
    <div className="calendar-head">
      <div>
        <h1 data-testid="page-title">{title}</h1>
        {lead ? <p className="muted">{lead}</p> : null}
      </div>
      {children ? <div className="head-actions">{children}</div> : null}
    </div>
  )
}

/**
 * The key of an uncontrolled form: a new one after each navigation, so that a saved form starts
 * empty again, but a steady one while the form shows its errors, so that what the user types to
 * correct them is not wiped when Remix reloads the page's data a moment after the error appears.
 */
export function useFormKey(showsErrors: boolean): string {
  const { key } = useLocation()
  return showsErrors ? 'invalid' : key
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null
  return (
    <span className="field-error" id={`${id}-error`} data-testid={`${id}-error`}>
      {message}
    </span>
  )
}

type InputProps = {
  name: string
  label: ReactNode
  error?: string
  hint?: ReactNode
  defaultValue?: string
  type?: string
  placeholder?: string
  inputMode?: 'numeric' | 'decimal' | 'email' | 'tel' | 'text'
  autoComplete?: string
  list?: string
  className?: string
  readOnly?: boolean
  maxLength?: number
  testId?: string
}

/** label + input + its message; the id of the message is `<name>-error` (dots become dashes). */
export function Field(props: InputProps) {
  const id = fieldId(props.name)
  return (
    <label className={props.className}>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        defaultValue={props.defaultValue}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        autoComplete={props.autoComplete ?? 'off'}
        list={props.list}
        readOnly={props.readOnly}
        maxLength={props.maxLength}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        data-testid={props.testId}
      />
      {props.hint && !props.error ? <span className="hint">{props.hint}</span> : null}
      <FieldError id={id} message={props.error} />
    </label>
  )
}

export function TextArea(props: { name: string; label: ReactNode; error?: string; defaultValue?: string; rows?: number; maxLength?: number }) {
  const id = fieldId(props.name)
  return (
    <label>
      {props.label}
      <textarea
        name={props.name}
        rows={props.rows ?? 3}
        maxLength={props.maxLength}
        defaultValue={props.defaultValue}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      <FieldError id={id} message={props.error} />
    </label>
  )
}

export function Select(props: {
  name: string
  label: ReactNode
  options: { value: string; label: string }[]
  defaultValue?: string
  error?: string
  testId?: string
}) {
  const id = fieldId(props.name)
  return (
    <label>
      {props.label}
      <select name={props.name} defaultValue={props.defaultValue} aria-invalid={props.error ? true : undefined} data-testid={props.testId}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError id={id} message={props.error} />
    </label>
  )
}

export function Checkbox({ name, label, defaultChecked, hint }: { name: string; label: ReactNode; defaultChecked?: boolean; hint?: ReactNode }) {
  return (
    <label className="checkbox">
      <input type="checkbox" name={name} value="on" defaultChecked={defaultChecked} />
      <span>
        {label}
        {hint ? <span className="hint">{hint}</span> : null}
      </span>
    </label>
  )
}

export function fieldId(name: string): string {
  return name.replace(/\./g, '-')
}

export const KIND_LABELS = { staff: 'Staff', room: 'Room', equipment: 'Equipment' } as const
/** Staff first, as the calendar lists them. */
export const KIND_ORDER = { staff: 0, room: 1, equipment: 2 } as const

/** "Active" / "Inactive" as a small badge. */
export function ActiveBadge({ active }: { active: boolean }) {
  return <span className={`badge ${active ? 'confirmed' : 'cancelled'}`}>{active ? 'Active' : 'Inactive'}</span>
}
