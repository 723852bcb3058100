// The one error type of the API: domain code throws AppError, the app's error handler
// turns it into `{ error: { code, message, details? } }` with its status (or an error page).
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

/** One-line invariant for request errors: `invariant(tenant, 404, 'unknown_tenant', '...')`. */
export function invariant(
  condition: unknown,
  status: AppError['status'],
  code: string,
  message: string,
): asserts condition {
  if (!condition) throw new AppError(status, code, message)
}

/** Postgres SQLSTATE of a driver error, if it has one. */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
