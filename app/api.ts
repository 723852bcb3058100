// Browser-side calls to the JSON API: sends the CSRF cookie back in its header, returns the body or throws its error message.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)ss_csrf=([^;]+)/)
  return match ? decodeURIComponent(match[1]!) : ''
}

export async function apiPost<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  })
  const json = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } }
  if (!res.ok) throw new ApiError(res.status, json.error?.code ?? 'error', json.error?.message ?? `Request failed (${res.status})`)
  return json
}
