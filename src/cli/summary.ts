import { inspect } from 'node:util'
import type { ColumnTable } from '../core/table.js'
import type { RunOutcome } from '../executors/Executor.js'

/** The first few distinct error messages of an errors table, with counts. */
export function topErrors(
  errors: ColumnTable,
  limit = 3,
): { message: string; count: number; atom: number }[] {
  const names = errors.columns.find((c) => c.name === 'name')?.values
  const messages = errors.columns.find((c) => c.name === 'message')?.values
  const atoms = errors.columns[0]?.values
  if (!names || !messages || !atoms) return []
  const seen = new Map<string, { message: string; count: number; atom: number }>()
  for (let i = 0; i < errors.numRows; i++) {
    const message = `${names[i]}: ${messages[i]}`
    const entry = seen.get(message)
    if (entry) entry.count++
    else seen.set(message, { message, count: 1, atom: Number(atoms[i]) })
  }
  return [...seen.values()].sort((a, b) => b.count - a.count).slice(0, limit)
}

/** Where the molecules ran, for the summary. */
function where(target: string, workers: number): string {
  if (target !== 'local') return `on Lambda (${target})`
  return workers === 1 ? 'in-process (1 worker)' : `on ${workers} worker threads`
}

/** The human summary printed after a run. */
export function formatSummary(
  outcome: RunOutcome,
  extra: { workers: number; out?: string },
): string {
  const s = outcome.stats
  const m = outcome.manifest
  const seconds = outcome.wallMs / 1000
  const lines = [
    `fanout: job ${m.jobId} ${m.status}`,
    `  atoms     ${s.atoms} (${s.atomsOk} ok, ${s.atomsFailed} failed) in ${s.molecules} molecules (${m.partition.scheme}) ${where(m.target, extra.workers)}`,
    `  wall      ${seconds.toFixed(2)} s (${Math.round(s.atoms / Math.max(seconds, 1e-9))} atoms/s; molecule median ${(s.moleculeMs.median / 1000).toFixed(2)} s, max ${(s.moleculeMs.max / 1000).toFixed(2)} s)`,
    `  result    ${outcome.resultLocation} (${s.rows} rows)`,
  ]
  if (extra.out) lines.push(`  out       ${extra.out}`)
  if (outcome.errorsLocation) {
    lines.push(`  errors    ${outcome.errorsLocation} (${outcome.errors.numRows} rows)`)
    for (const e of topErrors(outcome.errors)) {
      lines.push(`            ${e.count} × ${e.message} (first at atom ${e.atom})`)
    }
  } else {
    lines.push('  errors    none')
  }
  if (outcome.summary !== undefined) {
    lines.push(
      `  reduce    ${inspect(outcome.summary, { depth: 4, breakLength: 100, compact: 3 }).split('\n').join('\n            ')}`,
    )
  }
  return lines.join('\n')
}

/** The machine-readable summary (`--json`). */
export function summaryJson(
  outcome: RunOutcome,
  extra: { workers: number; out?: string; planMs?: number },
): string {
  const { perMolecule: _omit, ...stats } = outcome.stats
  return JSON.stringify(
    {
      ...stats,
      status: outcome.manifest.status,
      workers: extra.workers,
      wallMs: outcome.wallMs,
      phases: { planMs: extra.planMs ?? null, ...outcome.phases },
      result: outcome.resultLocation,
      errors: outcome.errorsLocation ?? null,
      out: extra.out ?? null,
      summary: outcome.summary ?? null,
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  )
}
