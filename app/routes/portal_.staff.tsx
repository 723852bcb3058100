// /portal/staff: the business's team — invite owners, managers and staff by email, change roles,
// switch accounts off and on, send an invitation again. Owners and managers (tenant.users.manage);
// the rules (managers never touch owners, a business keeps an owner) are the domain's
// (worker/platform/tenant-staff.ts), the same as the API's.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { audit } from '../../worker/platform/audit'
import { changeStaff, inviteInput, inviteStaff, listTeam, resendInvitation, STAFF_ROLES, type StaffRole } from '../../worker/platform/tenant-staff'
import { portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { fieldErrors, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { ActiveBadge, Field, PageHead, PortalPage, Select, useFormKey } from '../components/portal-layout'
import { assertSameOrigin, domainError } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Team · ${data.tenantName}` : 'Team' }]

const FORBIDDEN = 'The team is managed by the business’s owner and managers.'
const ROLE_LABEL: Record<StaffRole, string> = { TENANT_OWNER: 'Owner', TENANT_MANAGER: 'Manager', TENANT_STAFF: 'Staff' }
const NOTICES: Record<string, string> = {
  invited: 'Invitation sent. They choose a password from the link in their email (valid 7 days).',
  reinvited: 'A fresh invitation is on its way.',
  changed: 'Saved.',
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.users.manage', FORBIDDEN)
  const [nav, team] = await Promise.all([portalNavigation(context, request, actor), listTeam(pool, tenant.id)])
  const actsAsOwner = actor.principal.role === 'TENANT_OWNER' || !actor.principal.role.startsWith('TENANT_')
  return json({
    tenantName: tenant.name,
    zone: tenant.timeZone,
    nav,
    me: actor.principal.userId,
    actsAsOwner,
    team,
    notice: NOTICES[new URL(request.url).searchParams.get('notice') ?? ''] ?? null,
  })
}

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.users.manage', FORBIDDEN)
  const form = await request.formData()
  const intent = textOf(form, 'intent')
  const auth = context.auth!
  const inviter = { ...actor.principal, displayName: (auth.masquerade.active ? auth.masquerade.realUser.email : auth.user.displayName || auth.user.email) ?? null }
  const origin = new URL(request.url).origin
  try {
    if (intent === 'invite') {
      const values = { email: textOf(form, 'email'), displayName: textOf(form, 'displayName'), role: textOf(form, 'role') }
      const parsed = parseForm(inviteInput, values)
      if (!parsed.success) return json({ kind: 'invite' as const, values, errors: fieldErrors(parsed.error, { email: 'Enter an email address such as sam@example.com.' }), message: 'Nobody was invited: please check the highlighted fields.' }, { status: 400 })
      try {
        const invited = await inviteStaff(pool, inviter, tenant, parsed.data, origin)
        await audit(pool, { action: 'tenant.user_invited', ...actor.audit, tenantId: tenant.id, targetType: 'user', targetId: invited.user.id, detail: { role: invited.user.role } })
      } catch (error) {
        const known = domainError(error)
        if (!known || known.status >= 500) throw error
        return json({ kind: 'invite' as const, values, errors: known.code === 'email_taken' ? { email: 'Someone already has an account with this email.' } : {}, message: known.message }, { status: known.status })
      }
      return redirect('/portal/staff?notice=invited')
    }
    const userId = textOf(form, 'userId')
    if (intent === 'resend') {
      const invited = await resendInvitation(pool, inviter, tenant, userId, origin)
      await audit(pool, { action: 'tenant.user_reinvited', ...actor.audit, tenantId: tenant.id, targetType: 'user', targetId: invited.user.id })
      return redirect('/portal/staff?notice=reinvited')
    }
    const change = intent === 'role' ? { role: textOf(form, 'role') } : intent === 'deactivate' ? { isActive: false } : intent === 'activate' ? { isActive: true } : null
    if (!change) return json({ kind: 'row' as const, userId, message: 'Choose what to change.' }, { status: 400 })
    const { user, before } = await changeStaff(pool, actor.principal, tenant.id, userId, change)
    await audit(pool, { action: 'tenant.user_changed', ...actor.audit, tenantId: tenant.id, targetType: 'user', targetId: user.id, detail: { before, after: { role: user.role, isActive: user.isActive } } })
    return redirect('/portal/staff?notice=changed')
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    return json({ kind: 'row' as const, userId: textOf(form, 'userId'), message: known.message }, { status: known.status })
  }
}

export default function Team() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting'
  const invite = result?.kind === 'invite' ? result : null
  const errors: FieldErrors = invite?.errors ?? {}
  const formKey = useFormKey(!!invite)
  const roles = STAFF_ROLES.filter((r) => data.actsAsOwner || r !== 'TENANT_OWNER').map((r) => ({ value: r, label: ROLE_LABEL[r] }))
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Team" nav={data.nav}>
      <PageHead title="Team" lead="Who works in the portal, and what each of them may do." />
      {data.notice && !result ? (
        <Notice kind="success" testId="team-notice">
          {data.notice}
        </Notice>
      ) : null}
      {result?.kind === 'row' ? (
        <Notice kind="error" testId="team-error">
          {result.message}
        </Notice>
      ) : null}
      <div className="portal-split">
        <section className="card" data-testid="team-list">
          <table className="team">
            <thead>
              <tr>
                <th>Person</th>
                <th>Role</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.team.map((m) => {
                const editable = m.id !== data.me && (data.actsAsOwner || m.role !== 'TENANT_OWNER')
                return (
                  <tr key={m.id} data-testid="team-member" data-email={m.email}>
                    <td>
                      <strong>{m.displayName || m.email}</strong>
                      {m.displayName ? <div className="muted small">{m.email}</div> : null}
                    </td>
                    <td>
                      {editable ? (
                        <Form method="post">
                          <input type="hidden" name="userId" value={m.id} />
                          <select name="role" defaultValue={m.role} aria-label={`Role of ${m.email}`} data-testid="member-role">
                            {roles.map((r) => (
                              <option key={r.value} value={r.value}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                          <button type="submit" name="intent" value="role" className="small" disabled={busy} data-testid="save-role">
                            Save
                          </button>
                        </Form>
                      ) : (
                        <span data-testid="member-role-text">{ROLE_LABEL[m.role]}</span>
                      )}
                    </td>
                    <td>{m.joined ? <ActiveBadge active={m.isActive} /> : <span className="badge pending">Invited</span>}</td>
                    <td>
                      {editable ? (
                        <Form method="post">
                          <input type="hidden" name="userId" value={m.id} />
                          {!m.joined && m.isActive ? (
                            <button type="submit" name="intent" value="resend" className="link" disabled={busy}>
                              Send again
                            </button>
                          ) : null}
                          <button type="submit" name="intent" value={m.isActive ? 'deactivate' : 'activate'} className="link" disabled={busy} data-testid="toggle-active">
                            {m.isActive ? 'Switch off' : 'Switch on'}
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </section>
        <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="invite-form">
          <h2>Invite someone</h2>
          {invite ? <Notice kind="error">{invite.message}</Notice> : null}
          <Field name="email" label="Email" type="email" defaultValue={invite?.values.email} error={errors.email} testId="invite-email" />
          <Field name="displayName" label="Name (optional)" defaultValue={invite?.values.displayName} error={errors.displayName} maxLength={120} />
          <Select name="role" label="Role" options={roles} defaultValue={invite?.values.role ?? 'TENANT_STAFF'} error={errors.role} testId="invite-role" />
          <button type="submit" name="intent" value="invite" disabled={busy} data-testid="send-invite">
            Send invitation
          </button>
        </Form>
      </div>
    </PortalPage>
  )
}
