/**
 * Atoms done while molecules run: what the bar counts. Running molecules
 * report the atoms their execution has done (locally through the worker
 * thread's port, in the cloud through a small S3 object the tally reads), and
 * the atoms of finished molecules come from the manifest. Pure.
 *
 * @module
 */

import { isOpen } from './attempts.js'
import type { Attempt, Manifest } from './manifest.js'
import type { Architecture, PriceTable } from './prices.js'
import { gbSecondsOf, US_EAST_1 } from './prices.js'

/**
 * Atoms run so far: every atom of a done or failed molecule, and for a running
 * molecule the most any of its open attempts reported (a backup copy or a
 * retry is not added to the first: the same atoms run again). The atoms of an
 * attempt that crashed or was cancelled no longer count: they are run again,
 * so the count may go down then, as the work left did go up.
 *
 * @param reported - atoms an open attempt has reported, if any
 */
export function liveAtoms(
  manifest: Manifest,
  reported: (moleculeId: number, attempt: Attempt) => number | undefined,
): number {
  let atoms = 0
  for (const m of manifest.molecules) {
    const size = m.end - m.start
    if (m.status === 'done' || m.status === 'failed') {
      atoms += size
      continue
    }
    let best = 0
    for (const a of m.attempts) {
      if (isOpen(a)) best = Math.max(best, reported(m.id, a) ?? 0)
    }
    atoms += Math.min(best, size)
  }
  return atoms
}

/**
 * The share of a worker's compute bill its progress reports may cost, by
 * default: 1%. At the stack's 1,769 MB on arm64 a worker costs
 * 1.7275 GB × $0.0000133334 = $0.0000230 per second, and one S3 PUT $0.000005,
 * so a report every 21.7 s; at 128 MB every 300 s; at 10,240 MB every 3.75 s.
 * A molecule shorter than its first interval writes none.
 */
export const DEFAULT_PROGRESS_SHARE = 0.01

/** Never more than one progress report per worker this often, ms. */
export const MIN_PROGRESS_INTERVAL_MS = 2000

/** What a worker's progress reports are priced against. */
export interface ProgressBudget {
  memoryMb: number
  architecture: Architecture
  /** The share of the worker's compute cost reports may cost; 0 for none. @default {@link DEFAULT_PROGRESS_SHARE} */
  share?: number | undefined
  /** @default us-east-1 list prices */
  prices?: PriceTable
}

/**
 * How often a cloud worker writes its progress object: one S3 PUT per
 * interval costs `share` of the compute it bills in that interval, and never
 * more often than {@link MIN_PROGRESS_INTERVAL_MS}. The tally reads the object
 * (one S3 GET, $0.0000004) at most once per interval of each running attempt,
 * so reading adds 8% to the reports' cost. Undefined when `share` is 0.
 *
 * @example
 * ```ts
 * progressIntervalMs({ memoryMb: 1769, architecture: 'arm64' }) // 21708
 * ```
 */
export function progressIntervalMs(budget: ProgressBudget): number | undefined {
  const share = budget.share ?? DEFAULT_PROGRESS_SHARE
  if (!(share > 0)) return undefined
  const prices = budget.prices ?? US_EAST_1
  const perGbSecond = prices.lambda.perGbSecondUsd[budget.architecture]
  const usdPerMs = (gbSecondsOf(budget.memoryMb, 1000) * perGbSecond) / 1000
  const putUsd = prices.s3.per1000PutUsd / 1000
  return Math.max(MIN_PROGRESS_INTERVAL_MS, Math.ceil(putUsd / (share * usdPerMs)))
}

/** How many progress intervals an attempt started at `startedAt` has passed by `now`. */
export function reportsDue(startedAt: number, now: number, intervalMs: number): number {
  return Math.max(0, Math.floor((now - startedAt) / intervalMs))
}

/**
 * How late the tally reads a progress interval's report, ms: a worker starts
 * after its dispatch (a cold start) and reports at the end of an atom.
 */
export const PROGRESS_READ_SLACK_MS = 1000

/** A progress object the tally should read: an open attempt with a report due since the last read. */
export interface ProgressRead {
  moleculeId: number
  attempt: number
  /** The attempt's progress intervals passed by now. */
  due: number
}

/**
 * The open attempts of running molecules whose next progress report is due
 * (a new interval has passed since the tally last read theirs): at most one
 * read per report, so the reads cost at most as many GETs as the workers
 * made PUTs.
 */
export function progressReadsDue(
  manifest: Manifest,
  now: number,
  intervalMs: number,
): ProgressRead[] {
  const out: ProgressRead[] = []
  for (const m of manifest.molecules) {
    if (m.status !== 'running') continue
    for (const a of m.attempts) {
      if (!isOpen(a)) continue
      const due = reportsDue(a.startedAt + PROGRESS_READ_SLACK_MS, now, intervalMs)
      if (due > (a.reportsRead ?? 0)) out.push({ moleculeId: m.id, attempt: a.attempt, due })
    }
  }
  return out
}

/**
 * The manifest with what the reads found: each read attempt's `reportsRead`
 * moved to its due interval, and `atomsSoFar` raised to what its object says
 * (never lowered; an attempt with no object yet keeps what it had). Returns
 * `manifest` itself when there was nothing to read.
 */
export function withProgressReads(
  manifest: Manifest,
  reads: readonly (ProgressRead & { atoms: number | undefined })[],
): Manifest {
  if (reads.length === 0) return manifest
  const byKey = new Map(reads.map((r) => [`${r.moleculeId}/${r.attempt}`, r]))
  return {
    ...manifest,
    molecules: manifest.molecules.map((m) => {
      if (!m.attempts.some((a) => byKey.has(`${m.id}/${a.attempt}`))) return m
      return {
        ...m,
        attempts: m.attempts.map((a) => {
          const r = byKey.get(`${m.id}/${a.attempt}`)
          if (!r) return a
          const atoms = Math.max(a.atomsSoFar ?? 0, Math.min(r.atoms ?? 0, m.end - m.start))
          return { ...a, reportsRead: r.due, ...(atoms > 0 ? { atomsSoFar: atoms } : {}) }
        }),
      }
    }),
  }
}
