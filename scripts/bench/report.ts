// The human-readable table of one database's figures.
import type { FanOutResult } from './fan-out'
import type { ScenarioResult } from './scenario'

export interface DatabaseRun {
  kind: 'pglite' | 'postgresql'
  label: string
  server?: string
  database?: string
  version?: string
  port: number
  startupSeconds?: number
  platformLog?: string
  error?: string
  result?: ScenarioResult
  fanOut?: FanOutResult
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)))
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]!) : String(cell).padStart(widths[c]!))).join('  '))
    .join('\n')
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—')

export function formatRun(run: DatabaseRun): string {
  const lines: string[] = []
  const title = `${run.label}${run.version ? ` — ${run.version.split(',')[0]}` : ''}${run.startupSeconds ? ` — platform up in ${run.startupSeconds.toFixed(1)} s` : ''}`
  lines.push(`\n=== ${title} ===`)
  if (run.error) lines.push(`FAILED: ${run.error}`)
  const r = run.result
  if (!r) return lines.join('\n')
  lines.push(`tenant ${r.tenant.slug} (schema ${r.tenant.schema}); set-up through the API ${r.setupSeconds} s`)

  if (r.storms.length) {
    lines.push('\nBooking storm: N simultaneous POST /api/public/bookings for one slot')
    const rows: (string | number)[][] = [['N', '201', 'clean 409', '(constraint)', 'other', 'wall ms', 'p50 ms', 'p95 ms', 'max ms', 'live@slot', 'overlaps', 'verdict']]
    for (const s of r.storms) {
      rows.push([
        s.n, s.successes, s.clean409, s.clean409ByConstraint, s.other, ms(s.wallMs), ms(s.latencyMs.median), ms(s.latencyMs.p95), ms(s.latencyMs.max),
        s.liveOccupationsAtSlot, s.overlapsAfter,
        !s.invariantHolds ? 'INVARIANT VIOLATED' : s.allExpectationsHold ? 'ok' : 'winner ok, unclean losers',
      ])
    }
    lines.push(table(rows))
    for (const s of r.storms) {
      if (s.other) lines.push(`  N=${s.n} other statuses ${JSON.stringify(s.otherStatuses)}; e.g. ${s.otherSamples.join(' | ')}`)
      if (s.platform.reloads) lines.push(`  N=${s.n}: the Worker RELOADED ${s.platform.reloads}× during this storm (a source file changed): figures disturbed`)
    }
  }

  const t = r.throughput
  if (t) {
    lines.push(`\nThroughput: M=${t.m} bookings over ${r.slots?.resources ?? 20} resources, concurrency ${t.concurrency}`)
    lines.push(
      table([
        ['path', 'ok', 'failed', 'wall ms', 'per second', 'p50 ms', 'p95 ms'],
        ['API POST /api/public/bookings', t.api.successes, t.m - t.api.successes, ms(t.api.wallMs), t.api.bookingsPerSecond, ms(t.api.latencyMs.median), ms(t.api.latencyMs.p95)],
        ['plain SQL, warm pool', t.plainSql.committed, t.plainSql.failures, ms(t.plainSql.wallMs), t.plainSql.rowsPerSecond, ms(t.plainSql.latencyMs.median), ms(t.plainSql.latencyMs.p95)],
        ['plain SQL, connection per row', t.plainSqlConnectionPerRow.committed, t.plainSqlConnectionPerRow.failures, ms(t.plainSqlConnectionPerRow.wallMs), t.plainSqlConnectionPerRow.rowsPerSecond, ms(t.plainSqlConnectionPerRow.latencyMs.median), ms(t.plainSqlConnectionPerRow.latencyMs.p95)],
      ]),
    )
    lines.push(`ratio API / plain SQL (warm pool): ${t.ratioApiToPlain}   (vs connection per row: ${t.ratioApiToPlainConnectionPerRow})`)
    if (t.m - t.api.successes) lines.push(`  API statuses ${JSON.stringify(t.api.statuses)}; e.g. ${t.api.failureSamples.join(' | ')}`)
    if (Object.keys(t.api.timeoutsByResource).length) lines.push(`  unanswered after the request timeout by resource: ${JSON.stringify(t.api.timeoutsByResource)}`)
    if (t.api.platform.reloads) lines.push(`  the Worker RELOADED ${t.api.platform.reloads}× during the API phase (a source file changed): figures disturbed`)
    if (t.plainSql.failures) lines.push(`  plain SQL failures e.g. ${t.plainSql.failureSamples.join(' | ')}`)
    if (t.api.overlapsAfter || t.plainSql.overlapsAfter) lines.push(`  OVERLAPS after throughput: API ${t.api.overlapsAfter}, plain ${t.plainSql.overlapsAfter}`)
  }

  const s = r.slots
  if (s) {
    lines.push(`\nSlots: ${s.days} days × ${s.resources} resources, ${s.busyIntervals} busy intervals, ${s.durationMinutes}-min service every ${s.slotIntervalMinutes} min, tz ${s.viewerTimeZone}`)
    lines.push(
      table([
        ['path', 'runs', 'median ms', 'p95 ms', 'min ms', 'max ms', 'slots'],
        ['engine availableSlots (in-process)', s.engine.runs, ms(s.engine.ms.median), ms(s.engine.ms.p95), ms(s.engine.ms.min), ms(s.engine.ms.max), s.engine.slots],
        ['GET /api/public/services/:id/slots', s.api.ms.n, ms(s.api.ms.median), ms(s.api.ms.p95), ms(s.api.ms.min), ms(s.api.ms.max), s.api.slots],
      ]),
    )
    lines.push(`API response ${(s.api.responseBytes / 1024).toFixed(0)} KiB; statuses ${JSON.stringify(s.api.statuses)}; API slot list ${s.slotListsIdentical ? 'identical to the engine\'s' : 'DIFFERS from the engine\'s'}`)
    if (s.slotListDifference) lines.push(`  ${s.slotListDifference}`)
    if (s.api.failureSamples.length) lines.push(`  e.g. ${s.api.failureSamples.join(' | ')}`)
  }
  const p = r.platform
  lines.push(`\nPlatform during the scenario: ${p.reloads} Worker reload(s), ${p.errors} unhandled error(s) logged${p.errorSamples.length ? `; e.g.\n    ${p.errorSamples.join('\n    ')}` : ''}`)
  return lines.join('\n')
}
