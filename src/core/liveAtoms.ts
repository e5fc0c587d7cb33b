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
