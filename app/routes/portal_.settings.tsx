// /portal/settings: the business's settings for its owners and managers — name, time zone and
// locale; colours and logo (used by the public booking pages); default hours for new resources;
// the cancellation policy; what the booking pages show and allow. Each card saves on its own,
// through the same domain functions and zod schema as PATCH /api/tenant/settings.
import { json, redirect, unstable_parseMultipartFormData, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { audit } from '../../worker/platform/audit'
import { addDomain, listDomains, makePrimaryDomain, removeDomain, verifyDomain } from '../../worker/platform/domains'
import { getTenantSettings, LOCALES, LOGO_MAX_BYTES, removeLogo, saveLogo, settingsUpdate, updateTenantSettings, type HoursRule } from '../../worker/platform/tenant-settings'
import { domainError, assertSameOrigin } from '../components/scheduling.server'
import { portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { checked, fieldErrors, numberOf, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { Checkbox, Field, PageHead, PortalPage, Select, TextArea } from '../components/portal-layout'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Settings · ${data.settings.name}` : 'Settings' }]

const FORBIDDEN = 'Business settings are for its owner and managers.'
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const
const SECTIONS = ['business', 'branding', 'hours', 'policy', 'booking'] as const
type Section = (typeof SECTIONS)[number] | 'logo' | 'logo-remove' | 'domains'
const SAVED: Record<Section, string> = {
  business: 'Business details saved.',
  branding: 'Colours saved.',
  hours: 'Default hours saved; new resources start with them.',
  policy: 'Cancellation policy saved.',
  booking: 'Booking page options saved.',
  logo: 'Logo uploaded.',
  'logo-remove': 'Logo removed.',
  domains: 'Domains saved.',
}
const DOMAIN_NOTICES: Record<string, string> = {
  'add-domain': 'Domain added. Publish the TXT record shown, then verify.',
  'verify-domain': 'Verified: the domain now opens your booking pages.',
  'primary-domain': 'Primary domain changed.',
  'remove-domain': 'Domain removed.',
}

/** "09:00-12:00, 13:00-17:00" per weekday ↔ rules; empty means closed that day. */
function hoursText(rules: HoursRule[], weekday: number): string {
  return rules
    .filter((r) => r.weekday === weekday)
    .sort((a, b) => a.start.localeCompare(b.start))
    .map((r) => `${r.start}-${r.end}`)
    .join(', ')
}

function hoursFromForm(form: FormData): { rules: HoursRule[]; errors: FieldErrors } {
  const rules: HoursRule[] = []
  const errors: FieldErrors = {}
  WEEKDAYS.forEach((day, index) => {
    const text = textOf(form, `hours.${index + 1}`).trim()
    if (!text) return
    for (const part of text.split(',')) {
      const match = /^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$/.exec(part)
      if (!match) {
        errors[`hours.${index + 1}`] = `Write ${day}'s hours like 09:00-17:00, or 09:00-12:00, 13:00-17:00; leave empty when closed.`
        return
      }
      rules.push({ weekday: index + 1, start: match[1]!.padStart(5, '0'), end: match[2]!.padStart(5, '0') })
    }
  })
  return { rules, errors }
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.profile.manage', FORBIDDEN)
  const [nav, settings, domains] = await Promise.all([portalNavigation(context, request, actor), getTenantSettings(pool, tenant), listDomains(pool, tenant.id)])
  const url = new URL(request.url)
  const saved = url.searchParams.get('saved') as Section | null
  const domainNotice = DOMAIN_NOTICES[url.searchParams.get('domain') ?? ''] ?? null
  return json({
    zone: tenant.timeZone,
    nav,
    settings,
    hours: WEEKDAYS.map((day, i) => ({ day, weekday: i + 1, text: hoursText(settings.businessHours, i + 1) })),
    zones: Intl.supportedValuesOf('timeZone'),
    logoLimitKiB: LOGO_MAX_BYTES / 1024,
    domains,
    notice: domainNotice ?? (saved && saved in SAVED ? SAVED[saved] : null),
  })
}

type ActionResult = { section: Section; message: string; errors: FieldErrors }

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.profile.manage', FORBIDDEN)
  const fail = (section: Section, errors: FieldErrors, message = 'Nothing was saved: please check the highlighted fields.') =>
    json<ActionResult>({ section, message, errors }, { status: 400 })

  if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    // The logo: read at most the limit (plus one byte, to tell "too large" apart) into memory.
    let tooLarge = false
    const form = await unstable_parseMultipartFormData(request, async ({ name, data, contentType }) => {
      if (name !== 'logo') return undefined
      const chunks: Uint8Array[] = []
      let size = 0
      for await (const chunk of data) {
        size += chunk.byteLength
        if (size > LOGO_MAX_BYTES) {
          tooLarge = true
          return undefined
        }
        chunks.push(chunk)
      }
      const bytes = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        bytes.set(chunk, offset)
        offset += chunk.byteLength
      }
      return new File([bytes], 'logo', { type: contentType })
    })
    if (tooLarge) return fail('logo', { logo: `The logo is larger than ${LOGO_MAX_BYTES / 1024} KiB; choose a smaller image.` })
    const file = form.get('logo')
    if (!(file instanceof File) || file.size === 0) return fail('logo', { logo: 'Choose an image file first.' })
    try {
      const branding = await saveLogo(pool, context.uploads, tenant, new Uint8Array(await file.arrayBuffer()), file.type || undefined)
      await audit(pool, { action: 'tenant.logo_uploaded', ...actor.audit, tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { bytes: file.size, type: branding.logo?.contentType } })
    } catch (error) {
      const known = domainError(error)
      if (!known || known.status >= 500) throw error
      return fail('logo', { logo: known.message }, known.message)
    }
    return redirect('/portal/settings?saved=logo')
  }

  const form = await request.formData()
  const section = textOf(form, 'intent') as Section
  const intent = textOf(form, 'intent')
  if (intent in DOMAIN_NOTICES) {
    const domainId = textOf(form, 'domainId')
    try {
      if (intent === 'add-domain') {
        const domain = await addDomain(pool, context.rootDomain, tenant.id, { host: textOf(form, 'host') })
        await audit(pool, { action: 'domain.added', ...actor.audit, tenantId: tenant.id, targetType: 'domain', targetId: domain.id, detail: { host: domain.host } })
      } else if (intent === 'verify-domain') {
        const domain = await verifyDomain(pool, context.domainAdapters.verifier, context.domainAdapters.hostnames, tenant.id, domainId)
        await audit(pool, { action: 'domain.verified', ...actor.audit, tenantId: tenant.id, targetType: 'domain', targetId: domain.id, detail: { host: domain.host } })
      } else if (intent === 'primary-domain') {
        await makePrimaryDomain(pool, tenant.id, domainId)
        await audit(pool, { action: 'domain.made_primary', ...actor.audit, tenantId: tenant.id, targetType: 'domain', targetId: domainId })
      } else {
        await removeDomain(pool, context.domainAdapters.hostnames, tenant.id, domainId)
        await audit(pool, { action: 'domain.removed', ...actor.audit, tenantId: tenant.id, targetType: 'domain', targetId: domainId })
      }
    } catch (error) {
      const known = domainError(error)
      if (!known || known.status >= 500) throw error
      const details = known.details as { message: string }[] | undefined
      return fail('domains', {}, Array.isArray(details) && details[0] ? `${known.message} ${details.map((d) => d.message).join('; ')}` : known.message)
    }
    return redirect(`/portal/settings?domain=${intent}`)
  }
  if (section === 'logo-remove') {
    await removeLogo(pool, context.uploads, tenant)
    await audit(pool, { action: 'tenant.logo_removed', ...actor.audit, tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id })
    return redirect('/portal/settings?saved=logo-remove')
  }
  let update: Record<string, unknown>
  switch (section) {
    case 'business':
      update = { name: textOf(form, 'name'), timeZone: textOf(form, 'timeZone').trim(), locale: textOf(form, 'locale') }
      break
    case 'branding':
      update = { branding: { primaryColor: textOf(form, 'branding.primaryColor'), accentColor: textOf(form, 'branding.accentColor') } }
      break
    case 'hours': {
      const { rules, errors } = hoursFromForm(form)
      if (Object.keys(errors).length) return fail('hours', errors)
      update = { businessHours: rules }
      break
    }
    case 'policy': {
      const hours = numberOf(textOf(form, 'cancellationPolicy.cutoffHours'))
      update = {
        cancellationPolicy: { cutoffMinutes: hours === undefined ? undefined : Math.round(hours * 60), text: textOf(form, 'cancellationPolicy.text') },
      }
      break
    }
    case 'booking':
      update = {
        bookingPage: {
          headline: textOf(form, 'bookingPage.headline'),
          intro: textOf(form, 'bookingPage.intro'),
          showPrices: checked(form, 'bookingPage.showPrices'),
          allowCancel: checked(form, 'bookingPage.allowCancel'),
          allowReschedule: checked(form, 'bookingPage.allowReschedule'),
        },
      }
      break
    default:
      return fail('business', {}, 'Choose what to save.')
  }
  const parsed = parseForm(settingsUpdate, update)
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error, {
      timeZone: 'Choose a time zone from the list, such as Europe/London.',
      'cancellationPolicy.cutoffMinutes': 'Enter hours between 0 and 720.',
      businessHours: 'Each range must end after it starts, and ranges on one day must not overlap.',
    })
    if (errors['cancellationPolicy.cutoffMinutes']) errors['cancellationPolicy.cutoffHours'] = errors['cancellationPolicy.cutoffMinutes']
    if (errors.businessHours) errors['hours.1'] = errors.businessHours
    for (const key of Object.keys(errors)) {
      const rule = /^businessHours\.(\d+)/.exec(key)
      if (rule) errors['hours.1'] ??= errors[key]!
    }
    return fail(section, errors)
  }
  await updateTenantSettings(pool, tenant, parsed.data)
  await audit(pool, { action: 'tenant.settings_updated', ...actor.audit, tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { fields: Object.keys(parsed.data) } })
  return redirect(`/portal/settings?saved=${section}`)
}

export default function Settings() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting'
  const s = data.settings
  const errorsOf = (section: Section): FieldErrors => (result?.section === section ? result.errors : {})
  const noticeOf = (section: Section) =>
    result?.section === section ? (
      <Notice kind="error" testId={`settings-error-${section}`}>
        {result.message}
      </Notice>
    ) : null
  const save = (section: Section, label: string) => (
    <button type="submit" name="intent" value={section} disabled={busy} data-testid={`save-${section}`}>
      {label}
    </button>
  )
  const e = {
    business: errorsOf('business'),
    branding: errorsOf('branding'),
    hours: errorsOf('hours'),
    policy: errorsOf('policy'),
    booking: errorsOf('booking'),
    logo: errorsOf('logo'),
  }
  return (
    <PortalPage tenantName={s.name} zone={data.zone} section="Settings" nav={data.nav}>
      <PageHead title="Settings" lead="How your business appears to customers and what they may do online." />
      {data.notice && !result ? (
        <Notice kind="success" testId="settings-notice">
          {data.notice}
        </Notice>
      ) : null}
      <div className="settings-grid">
        <Form method="post" noValidate className="card portal-form" data-testid="settings-business">
          <h2>Business</h2>
          {noticeOf('business')}
          <Field name="name" label="Business name" defaultValue={s.name} error={e.business.name} maxLength={120} testId="settings-name" />
          <Field name="timeZone" label="Time zone" defaultValue={s.timeZone} list="settings-zones" error={e.business.timeZone} testId="settings-time-zone" />
          <datalist id="settings-zones">
            {data.zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <Select name="locale" label="Dates, times and prices written for" defaultValue={s.locale} error={e.business.locale} options={LOCALES.map((l) => ({ value: l, label: l }))} />
          {save('business', 'Save business details')}
        </Form>

        <section className="card portal-form" data-testid="settings-branding">
          <h2>Colours and logo</h2>
          <p className="muted small">Your booking pages use these.</p>
          <Form method="post" noValidate>
            {noticeOf('branding')}
            <div className="field-row">
              <Field name="branding.primaryColor" label="Main colour" type="color" defaultValue={s.branding.primaryColor} error={e.branding['branding.primaryColor']} testId="settings-primary-color" />
              <Field name="branding.accentColor" label="Accent colour" type="color" defaultValue={s.branding.accentColor} error={e.branding['branding.accentColor']} />
            </div>
            {save('branding', 'Save colours')}
          </Form>
          <hr />
          {s.branding.logo ? (
            <div className="logo-preview">
              <img src={s.branding.logo.url} alt="Current logo" data-testid="settings-logo" />
              <span className="muted small">
                {s.branding.logo.width}×{s.branding.logo.height} px · {Math.ceil(s.branding.logo.bytes / 1024)} KiB
              </span>
              <Form method="post">
                <button type="submit" name="intent" value="logo-remove" className="link" disabled={busy} data-testid="remove-logo">
                  Remove logo
                </button>
              </Form>
            </div>
          ) : (
            <p className="muted small">No logo yet.</p>
          )}
          <Form method="post" encType="multipart/form-data" noValidate>
            {noticeOf('logo')}
            <label>
              Upload a logo (PNG, JPEG, WebP or GIF; at most {data.logoLimitKiB} KiB)
              <input type="file" name="logo" accept="image/png,image/jpeg,image/webp,image/gif" data-testid="logo-file" aria-invalid={e.logo.logo ? true : undefined} />
              {e.logo.logo ? <span className="field-error">{e.logo.logo}</span> : null}
            </label>
            <button type="submit" disabled={busy} data-testid="upload-logo">
              Upload logo
            </button>
          </Form>
        </section>

        <Form method="post" noValidate className="card portal-form" data-testid="settings-hours">
          <h2>Default business hours</h2>
          <p className="muted small">New staff, rooms and equipment start with these hours; change each one on its own page. Leave a day empty when closed.</p>
          {noticeOf('hours')}
          {data.hours.map((h) => (
            <Field key={h.weekday} name={`hours.${h.weekday}`} label={h.day} defaultValue={h.text} placeholder="closed" error={e.hours[`hours.${h.weekday}`]} testId={`hours-${h.weekday}`} />
          ))}
          {save('hours', 'Save default hours')}
        </Form>

        <Form method="post" noValidate className="card portal-form" data-testid="settings-policy">
          <h2>Cancellation policy</h2>
          {noticeOf('policy')}
          <Field
            name="cancellationPolicy.cutoffHours"
            label="Customers may change or cancel online until (hours before)"
            inputMode="decimal"
            defaultValue={String(s.cancellationPolicy.cutoffMinutes / 60)}
            error={e.policy['cancellationPolicy.cutoffHours']}
            hint="New services start with this cut-off; each service keeps its own."
            testId="policy-cutoff"
          />
          <TextArea name="cancellationPolicy.text" label="Policy shown to customers (optional)" defaultValue={s.cancellationPolicy.text ?? ''} rows={3} maxLength={1000} error={e.policy['cancellationPolicy.text']} />
          {save('policy', 'Save policy')}
        </Form>

        <section className="card portal-form" data-testid="settings-domains">
          <h2>Domains</h2>
          <p className="muted small">Customers reach your booking pages here. Your own domain works once you prove you own it.</p>
          {noticeOf('domains')}
          <ul className="plain-list">
            {data.domains.map((d) => (
              <li key={d.id} data-testid="domain" data-host={d.host}>
                <strong>{d.host}</strong> {d.isPrimary ? <span className="tag">Primary</span> : null}{' '}
                {d.verifiedAt ? <span className="badge confirmed">Verified</span> : <span className="badge pending">Not verified</span>}
                {d.instructions ? (
                  <div className="muted small">
                    Add a TXT record <code>{d.instructions.txtName}</code> with the value <code>{d.instructions.txtValue}</code> at your DNS provider, then verify.
                    {d.lastCheckError ? <div className="error">Last check: {d.lastCheckError}</div> : null}
                  </div>
                ) : null}
                <Form method="post" className="inline-actions">
                  <input type="hidden" name="domainId" value={d.id} />
                  {!d.verifiedAt ? (
                    <button type="submit" name="intent" value="verify-domain" className="small" disabled={busy}>
                      Verify
                    </button>
                  ) : null}
                  {d.verifiedAt && !d.isPrimary ? (
                    <button type="submit" name="intent" value="primary-domain" className="small" disabled={busy}>
                      Make primary
                    </button>
                  ) : null}
                  {d.isCustom ? (
                    <button type="submit" name="intent" value="remove-domain" className="link" disabled={busy}>
                      Remove
                    </button>
                  ) : null}
                </Form>
              </li>
            ))}
          </ul>
          <Form method="post" noValidate>
            <Field name="host" label="Add your own domain" placeholder="booking.example.com" testId="settings-domain-host" />
            <button type="submit" name="intent" value="add-domain" disabled={busy} data-testid="settings-add-domain">
              Add domain
            </button>
          </Form>
        </section>

        <Form method="post" noValidate className="card portal-form" data-testid="settings-booking">
          <h2>Booking page</h2>
          {noticeOf('booking')}
          <Field name="bookingPage.headline" label="Headline" defaultValue={s.bookingPage.headline ?? ''} placeholder="Book online" maxLength={120} error={e.booking['bookingPage.headline']} testId="booking-headline" />
          <TextArea name="bookingPage.intro" label="Introduction" defaultValue={s.bookingPage.intro ?? ''} rows={3} maxLength={1000} error={e.booking['bookingPage.intro']} />
          <Checkbox name="bookingPage.showPrices" label="Show prices" defaultChecked={s.bookingPage.showPrices} />
          <Checkbox name="bookingPage.allowReschedule" label="Customers may move their booking online" defaultChecked={s.bookingPage.allowReschedule} />
          <Checkbox name="bookingPage.allowCancel" label="Customers may cancel online" defaultChecked={s.bookingPage.allowCancel} />
          {save('booking', 'Save booking page')}
        </Form>
      </div>
    </PortalPage>
  )
}
