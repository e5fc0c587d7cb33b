/**
 * What the run report shows, as data: built from a job's manifest, its
 * errors table and its cost report, embedded in the HTML file as JSON
 * (`<script type="application/json" id="fanout-report-data">`) and drawn by
 * the report's client code. Pure.
 *
 * @module
 */

import type { Attempt, Manifest } from '../core/manifest.js'
import type { CostReport } from '../runner/jobCost.js'
import type { AttemptKind, ReportAttempt, ReportData, ReportError } from './client/reportTypes.js'

export type { AttemptKind, ReportAttempt, ReportData, ReportError } from './client/reportTypes.js'

/** The errors table of a report holds at most this many rows (the job's errors file holds them all). */
export const MAX_REPORT_ERRORS = 5000

/** Time bins of the throughput chart. */
const THROUGHPUT_BINS = 60

function kindOf(a: Attempt): AttemptKind {
  if (a.cancelled) return 'cancelled'
  if (a.interrupted) return 'interrupted'
  if (a.error !== undefined) return 'failed'
  if (a.endedAt === undefined) return 'open'
  if (a.speculative) return 'speculative'
  return a.attempt > 1 ? 'retry' : 'ok'
}

/**
 * Lanes for intervals, in start order: each goes to the lowest lane free by
 * its start (greedy interval colouring), so as many lanes are drawn as ran
 * at once at most — the worker threads locally, the concurrent containers
 * on Lambda.
 */
export function assignLanes(intervals: readonly { from: number; to: number }[]): number[] {
  const order = intervals
    .map((_, i) => i)
    .sort((a, b) => (intervals[a]?.from ?? 0) - (intervals[b]?.from ?? 0))
  const ends: number[] = []
  const lanes = new Array<number>(intervals.length).fill(0)
  for (const i of order) {
    const iv = intervals[i] as { from: number; to: number }
    let lane = ends.findIndex((end) => end <= iv.from)
    if (lane < 0) {
      lane = ends.length
      ends.push(iv.to)
    } else ends[lane] = iv.to
    lanes[i] = lane
  }
  return lanes
}

/** Atoms per second in even time bins, each stored attempt's atoms spread evenly over its run. */
export function throughputOf(
  runs: readonly { from: number; to: number; atoms: number }[],
  bins = THROUGHPUT_BINS,
): { t: number; atomsPerSecond: number }[] {
  const end = Math.max(0, ...runs.map((r) => r.to))
  if (runs.length === 0 || end <= 0) return []
  const width = end / bins
  const counts = new Float64Array(bins)
  for (const r of runs) {
    const span = Math.max(r.to - r.from, 1e-9)
    for (let b = Math.floor(r.from / width); b < bins && b * width < r.to; b++) {
      const overlap = Math.min(r.to, (b + 1) * width) - Math.max(r.from, b * width)
      if (overlap > 0) counts[b] = (counts[b] as number) + (r.atoms * overlap) / span
    }
  }
  return [...counts].map((c, b) => ({ t: (b + 0.5) * width, atomsPerSecond: c / (width / 1000) }))
}

/** The inputs of {@link buildReportData}. */
export interface ReportInput {
  manifest: Manifest
  errors: readonly ReportError[]
  cost: CostReport | null
  fanoutVersion: string
  /** The run's wall time, ms, when known. */
  wallMs?: number
  now?: Date
}

/**
 * The report's data from a job's manifest (every attempt of every molecule:
 * retries, speculative and cancelled copies, failures), its atom errors and
 * its cost report.
 */
export function buildReportData(input: ReportInput): ReportData {
  const m = input.manifest
  const all = m.molecules.flatMap((mol) => mol.attempts.map((a) => ({ mol, a })))
  const t0 = Math.min(...all.map(({ a }) => a.startedAt), Number.POSITIVE_INFINITY)
  const origin = Number.isFinite(t0) ? t0 : Date.parse(m.createdAt)
  const last = Date.parse(m.updatedAt)
  const intervals = all.map(({ a }) => ({
    from: a.startedAt - origin,
    to: Math.max(a.startedAt, a.endedAt ?? last) - origin,
  }))
  const lanes = assignLanes(intervals)
  const attempts: ReportAttempt[] = all.map(({ mol, a }, i) => ({
    molecule: mol.id,
    attempt: a.attempt,
    start: mol.start,
    end: mol.end,
    from: (intervals[i] as { from: number }).from,
    to: (intervals[i] as { to: number }).to,
    durationMs: a.durationMs ?? null,
    billedMs: a.billedMs ?? null,
    atomsOk: a.atomsOk ?? null,
    atomsFailed: a.atomsFailed ?? null,
    kind: kindOf(a),
    lane: lanes[i] as number,
    error: a.error ?? null,
  }))
  const stored = m.molecules.flatMap((mol) => {
    const a = mol.status === 'done' ? mol.attempts[mol.attempts.length - 1] : undefined
    return a?.endedAt !== undefined
      ? [{ from: a.startedAt - origin, to: a.endedAt - origin, atoms: mol.end - mol.start }]
      : []
  })
  return {
    version: 1,
    generatedAt: (input.now ?? new Date()).toISOString(),
    fanoutVersion: input.fanoutVersion,
    job: {
      id: m.jobId,
      name: m.jobName,
      file: m.jobFile,
      target: m.target,
      status: m.status,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      atoms: m.numAtoms,
      molecules: m.molecules.length,
      scheme: m.partition.scheme,
      workers: m.options.workers,
      // bigints as strings: the data is JSON
      params: JSON.parse(
        JSON.stringify(m.params ?? null, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
      ) as unknown,
      error: m.error ?? null,
    },
    t0: origin,
    lanes: Math.max(0, ...lanes) + (lanes.length ? 1 : 0),
    attempts,
    throughput: throughputOf(stored),
    errors: input.errors.slice(0, MAX_REPORT_ERRORS),
    errorCount: input.errors.length,
    wallMs: input.wallMs ?? null,
    cost: input.cost,
  }
}
