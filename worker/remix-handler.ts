// Hands page requests to Remix with the request's load context (tenancy, database, settings).
import type { AppLoadContext, ServerBuild } from '@remix-run/cloudflare'
import { createRequestHandler } from '@remix-run/server-runtime'
import * as build from 'virtual:remix-build'

let handler: ReturnType<typeof createRequestHandler> | undefined

export function handleRemixRequest(request: Request, context: AppLoadContext, mode: string): Promise<Response> {
  handler ??= createRequestHandler(build as unknown as ServerBuild, mode === 'production' ? 'production' : 'development')
  return handler(request, context)
}
