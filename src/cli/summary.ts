import { inspect } from 'node:util'
import type { ColumnTable } from '../core/table.js'
import type { RunOutcome } from '../executors/Executor.js'
import type { CostReport } from '../runner/jobCost.js'
import { formatCost } from './costText.js'

/** Atom errors of one cause: the same error name and message, indices aside. */
export interface ErrorGroup {
  /** The first error's `Name: message`, as it was thrown. */
  message: string
  /** How many atoms failed this way. */
  count: number
  /** The first atoms (up to 5) that failed this way, in atom order. */
  atoms: number[]
}

/** The cause of an error: its name and message with every number taken out. */
function causeKey(name: unknown, message: unknown): string {
  return `${String(name)}: ${String(message).replace(/\d+(\.\d+)?/g, '#')}`
}

/**
 * Atom errors grouped by cause (error name and message with the indices taken
 * out), the most frequent first: one line for a `setup` that failed every
 * molecule, one for a row-shape error of every atom.
 */
export function groupErrors(errors: ColumnTable): ErrorGroup[] {
  const names = errors.columns.find((c) => c.name === 'name')?.values
  const messages = errors.columns.find((c) => c.name === 'message')?.values
  const atoms = errors.columns[0]?.values
  if (!names || !messages || !atoms) return []
  const groups = new Map<string, ErrorGroup>()
  for (let i = 0; i < errors.numRows; i++) {
    const key = causeKey(names[i], messages[i])
    const atom = Number(atoms[i])
    const group = groups.get(key)
    if (!group) groups.set(key, { message: `${names[i]}: ${messages[i]}`, count: 1, atoms: [atom] })
    else {
      group.count++
      if (group.atoms.length < 5) group.atoms.push(atom)
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count)
}

/** Where the molecules ran, for the summary. */
function where(target: string, workers: number): string {
  if (target !== 'local') return `on Lambda (${target})`
  return workers === 1 ? 'in-process (1 worker)' : `on ${workers} worker threads`
}

/** The human summary printed after a run. */
export function formatSummary(
  outcome: RunOutcome,
  extra: { workers: number; out?: string; cost?: CostReport; report?: string },
): string {
  const s = outcome.stats
  const m = outcome.manifest
  const seconds = outcome.wallMs / 1000
  const lines = [
    `fanout: job ${m.jobId} ${m.status}`,
    `  atoms     ${s.atoms} (${s.atomsOk} ok, ${s.atomsFailed} failed) in ${s.molecules} molecules (${m.partition.scheme}) ${where(m.target, extra.workers)}`,
    `  wall      ${seconds.toFixed(2)} s (${Math.round(s.atoms / Math.max(seconds, 1e-9))} atoms/s; molecule median ${(s.moleculeMs.median / 1000).toFixed(2)} s, max ${(s.moleculeMs.max / 1000).toFixed(2)} s)`,
    outcome.resultLocation
      ? `  result    ${outcome.resultLocation} (${s.rows} rows)`
      : `  result    none: the job failed; the ${s.rows} rows that succeeded are in its partials (fanout result ${m.jobId}${m.target === 'local' ? '' : ` --target ${m.target}`} --out FILE)`,
  ]
  if (extra.out) lines.push(`  out       ${extra.out}`)
  if (outcome.errorsLocation) {
    lines.push(`  errors    ${outcome.errorsLocation} (${outcome.errors.numRows} rows)`)
    const groups = groupErrors(outcome.errors)
    for (const g of groups.slice(0, 3)) {
      const first = g.count === 1 ? `atom ${g.atoms[0]}` : `first atoms ${g.atoms.join(', ')}`
      lines.push(`            ${g.count} × ${g.message} (${first})`)
    }
    if (groups.length > 3) lines.push(`            … and ${groups.length - 3} more causes`)
  } else {
    lines.push('  errors    none')
  }
  const r = s.recovery
  if (r && r.attempts > s.molecules) {
    lines.push(
      `  recovery  ${r.attempts} executions for ${s.molecules} molecules: ${r.failedAttempts} failed and retried, ${r.copies} backup ${r.copies === 1 ? 'copy' : 'copies'} of stragglers (${r.copiesWon} stored the partial first)`,
    )
  }
  if (extra.cost) lines.push(...formatCost(extra.cost))
  if (extra.report) lines.push(`  report    ${extra.report}`)
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
  extra: { workers: number; out?: string; planMs?: number; cost?: CostReport; report?: string },
): string {
  const { perMolecule: _omit, ...stats } = outcome.stats
  return JSON.stringify(
    {
      ...stats,
      status: outcome.manifest.status,
      workers: extra.workers,
      wallMs: outcome.wallMs,
      phases: { planMs: extra.planMs ?? null, ...outcome.phases },
      result: outcome.resultLocation ?? null,
      errors: outcome.errorsLocation ?? null,
      out: extra.out ?? null,
      summary: outcome.summary ?? null,
      ...(extra.cost
        ? {
            cost: extra.cost.measured,
            estimate: extra.cost.estimate ?? null,
            predictionError: extra.cost.error ?? null,
          }
        : {}),
      ...(extra.report ? { report: extra.report } : {}),
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  )
}
