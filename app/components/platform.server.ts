// Loader helpers of the platform host's pages: who is signed in, what their role allows (the
// same permission matrix as the API), and the 403 page otherwise.
import { json, redirect, type AppLoadContext } from '@remix-run/cloudflare'
import { decide, type Action, type Principal } from '../../worker/identity/permissions'

export interface PlatformActor {
  principal: Principal
  audit: { actorUserId: string; effectiveUserId: string; sessionId: string; ip: string | null }
  /** sales see and handle demo tenants only */
  onlyDemo: boolean
  may: (action: Action) => boolean
}

export function platformActor(context: AppLoadContext, request: Request, action: Action): PlatformActor {
  if (context.tenancy?.kind !== 'platform') throw json({ code: 'not_found', message: 'There is nothing at this address.' }, { status: 404 })
  const auth = context.auth
  if (!auth) throw redirect(`/?next=${encodeURIComponent(new URL(request.url).pathname)}`)
  const principal: Principal = { userId: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId }
  const may = (a: Action) => decide(principal, a, { tenantId: null }).allowed
  if (!may(action)) throw json({ code: 'forbidden', message: 'Your role does not include this page.' }, { status: 403 })
  return {
    principal,
    audit: { actorUserId: auth.masquerade.active ? auth.masquerade.realUser.id : auth.user.id, effectiveUserId: auth.user.id, sessionId: auth.session.id, ip: context.clientIp },
    onlyDemo: principal.role === 'PLATFORM_SALES',
    may,
  }
}
