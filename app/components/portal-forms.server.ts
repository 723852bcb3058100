// Turning plain form posts into the shapes the catalog's zod schemas take, and zod's issues into
// one message per form field. The schemas themselves stay the API's (worker/scheduling/catalog.ts):
// a form is only another way to write the same input.
import { json } from '@remix-run/cloudflare'
import { DateTime } from 'luxon'
import type { z } from 'zod'

/** Field name → message; a field is named by its schema path joined with dots ("resourceGroups.0"). */
export type FieldErrors = Record<string, string>

export function textOf(form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value : ''
}

export function checked(form: FormData, name: string): boolean {
  return form.get(name) !== null
}

/** '' → undefined (the schema's default applies, or "Required."); otherwise the number typed, or NaN. */
export function numberOf(value: string): number | undefined {
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN
}

/** "25", "25.5", "25.50" → cents; '' → undefined; anything else → null (not an amount). */
export function centsOf(value: string): number | undefined | null {
  const trimmed = value.trim().replace(/,/g, '')
  if (trimmed === '') return undefined
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(trimmed)
  if (!match) return null
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/**
 * Wall-clock `YYYY-MM-DDTHH:mm` (a datetime-local field) in `zone` → an ISO instant with its offset,
 * through Luxon. A time the zone's clock skips (spring forward) is refused rather than shifted.
 */
export function instantOf(local: string, zone: string): { iso: string } | { error: string } {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local)) return { error: 'Pick a date and time.' }
  const at = DateTime.fromISO(local, { zone })
  if (!at.isValid || at.toFormat("yyyy-MM-dd'T'HH:mm") !== local) return { error: `${local.replace('T', ' ')} does not exist in ${zone.replace(/_/g, ' ')}.` }
  return { iso: at.toISO({ suppressMilliseconds: true })! }
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

/**
 * Plain-language messages for zod's generic issues. Passed per parse, so a message the schema
 * states itself ("times look like 09:30") still wins (zod v4 precedence).
 */
export const formErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null || issue.input === '') return 'Required.'
      return issue.expected === 'number' || issue.expected === 'int' ? 'Enter a whole number.' : 'Not a valid value.'
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'Required.' : `At least ${issue.minimum} characters.`
      if (issue.origin === 'array') return 'Choose at least one.'
      return `Must be at least ${issue.minimum}.`
    case 'too_big':
      if (issue.origin === 'string') return `At most ${issue.maximum} characters.`
      if (issue.origin === 'array') return `At most ${issue.maximum}.`
      return `Must be at most ${issue.maximum}.`
    case 'invalid_format':
      if (issue.format === 'email') return 'Enter a valid email address.'
      if (issue.format === 'date') return 'Pick a date.'
      if (issue.format === 'datetime') return 'Pick a date and time.'
      if (issue.format === 'uuid') return 'Choose one of the options.'
      return 'Not in the expected format.'
    case 'invalid_value':
      return 'Choose one of the options.'
    default:
      return undefined
  }
}

/** `schema.safeParse` with the form's messages. */
export function parseForm<S extends z.ZodType>(schema: S, input: unknown) {
  return schema.safeParse(input, { error: formErrorMap }) as z.ZodSafeParseResult<z.output<S>>
}

/**
 * The first message for each field. `renamed` replaces the schema's own wording where it names
 * API fields ("must be after startsAt") with words for the form.
 */
export function fieldErrors(error: z.ZodError, renamed: Record<string, string> = {}, into: FieldErrors = {}): FieldErrors {
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form'
    if (into[field]) continue
    into[field] = renamed[field] ?? sentence(issue.message)
  }
  return into
}

/** The 400 a form gets back: what was typed, and a message per field. */
export function invalid<V>(values: V, errors: FieldErrors, message = 'Please check the highlighted fields.') {
  return json({ ok: false as const, values, errors, message }, { status: 400 })
}
