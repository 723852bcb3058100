// "Times shown in <zone>": a GET form with a select (and a button, for browsers without
// JavaScript). With JavaScript, a change applies at once, and a page opened without `?tz=` switches
// to the browser's own zone.
import { Form, useNavigate, useSubmit } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { useHydrated } from './hydrated'

const COMMON_ZONES = [
  'Pacific/Honolulu',
  'America/Anchorage',
  'America/Los_Angeles',
  'America/Denver',
  'America/Phoenix',
  'America/Chicago',
  'America/New_York',
  'America/Halifax',
  'America/Sao_Paulo',
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Athens',
  'Europe/Helsinki',
  'Europe/Istanbul',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Perth',
  'Australia/Sydney',
  'Pacific/Auckland',
]

export function TimeZoneSelect({
  zone,
  businessZone,
  explicit,
  keep,
}: {
  zone: string
  businessZone: string
  /** the URL named the zone (?tz=), so the browser's zone must not override it */
  explicit: boolean
  /** other query parameters to carry along (week, resource, ...) */
  keep: Record<string, string>
}) {
  const submit = useSubmit()
  const navigate = useNavigate()
  const hydrated = useHydrated()
  const zones = [...new Set([zone, businessZone, ...COMMON_ZONES])].sort((a, b) => (a === businessZone ? -1 : b === businessZone ? 1 : a.localeCompare(b)))

  useEffect(() => {
    if (explicit) return
    const browser = Intl.DateTimeFormat().resolvedOptions().timeZone
    if (!browser || browser === zone) return
    const params = new URLSearchParams(window.location.search)
    params.set('tz', browser)
    navigate(`${window.location.pathname}?${params.toString()}`, { replace: true, preventScrollReset: true })
  }, [explicit, zone, navigate])

  return (
    <Form method="get" className="tz-form" data-testid="tz-form">
      {Object.entries(keep).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <label>
        Times shown in
        <select
          name="tz"
          defaultValue={zone}
          key={zone}
          onChange={(event) => submit(event.currentTarget.form, { replace: true, preventScrollReset: true })}
          data-testid="tz-select"
        >
          {zones.map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, ' ')}
              {z === businessZone ? ' (business)' : ''}
            </option>
          ))}
        </select>
      </label>
      {hydrated ? null : (
        <button type="submit" className="secondary">
          Show
        </button>
      )}
    </Form>
  )
}
