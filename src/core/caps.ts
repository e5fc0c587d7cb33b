import { isOpen } from './attempts.js'
import type { Estimate } from './estimate.js'
import type { Manifest } from './manifest.js'
import { priceUsage } from './prices.js'

/**
 * The hard limits of a run (`--max-cost`, `--deadline`), decided purely, the
 * same way by the local loop, the plan step and the tally: how many more
 * molecule executions may start now without the cost so far, plus what the
 * running ones and the new ones will cost, passing the cap; and whether the
 * run has stopped at a limit (nothing may start, nothing is running, work is
 * left). A stopped job keeps every partial and resumes with a higher limit.
 *
 * @module
 */

/** A run's limits, as the manifest keeps them. */
export interface Caps {
  /** Dollars the run may spend (what Lambda would bill, on the local target). */
  maxCostUsd?: number | undefined
  /** Epoch ms after which no molecule starts. */
  deadline?: number | undefined
  /**
   * The part of the job's cost that no molecule reports (the plan, tally and
   * reduce functions, Step Functions transitions), at the estimate's high
   * figure: counted as spent from the start, so that what the workers bill
   * plus this stays within `maxCostUsd`.
   */
  reservedUsd?: number | undefined
  /**
   * The share of what is left under the cap that may be in flight at once
   * (running executions at their expected cost). Below 1 where running
   * executions cannot be stopped (Lambda), so that molecules costing more
   * than expected are seen ending before the rest start: at 0.5 the cap holds
   * unless they cost over twice what was expected. @default 1
   */
  inFlightShare?: number | undefined
}

/** In the cloud, half of what is left may be in flight: {@link Caps.inFlightShare}. */
export const CLOUD_IN_FLIGHT_SHARE = 0.5

/** What {@link capBudget} decides. */
export interface CapBudget {
  /** Executions that may start now (`Infinity` without a cost cap). */
  allowed: number
  /** The limit that holds executions back now, if one does. */
  holding?: 'cost-cap' | 'deadline'
  /** The run is over at a limit: nothing may start, nothing runs, molecules are left. */
  reached?: { limit: 'cost-cap' | 'deadline'; cause: string }
}

/**
 * How a cap splits an estimate: what one molecule is expected to bill
 * (its share of the workers' high figure, priced as {@link manifestCostUsd}
 * prices the molecules that ran: duration, the invocation, its partial's PUT
 * and GETs), and what the rest of the job costs that no molecule reports
 * (the estimate's high dollars less the workers'), held back from the cap.
 *
 * @example
 * ```ts
 * const { estimatedMoleculeUsd, reservedUsd } = capShares(estimate)
 * ```
 */
export function capShares(
  e: Pick<Estimate, 'molecules' | 'memoryMb' | 'architecture' | 'workers' | 'usd'>,
): { estimatedMoleculeUsd: number; reservedUsd: number } {
  const workers = priceUsage({
    lambda: [
      {
        invocations: e.workers.invocations,
        billedMs: e.workers.billedMs.high,
        memoryMb: e.memoryMb,
        architecture: e.architecture,
      },
    ],
    s3Puts: e.molecules,
    s3Gets: e.workers.invocations + e.molecules,
  }).totalUsd
  return {
    estimatedMoleculeUsd: e.molecules > 0 ? workers / e.molecules : 0,
    reservedUsd: Math.max(0, e.usd.high - workers),
  }
}

/**
 * The cost of one execution, for the budget: the mean cost of the executions
 * that ended (their billed duration priced by `costOf`), else the estimate's
 * per-molecule figure, else 0 (then only the cost so far is checked).
 */
export function perExecutionUsd(
  manifest: Manifest,
  spentUsd: number,
  estimatedMoleculeUsd: number | undefined,
): number {
  let ended = 0
  for (const m of manifest.molecules) {
    for (const a of m.attempts) if (!isOpen(a) && a.billedMs !== undefined) ended++
  }
  const measured = ended > 0 ? spentUsd / ended : undefined
  return Math.max(measured ?? 0, estimatedMoleculeUsd ?? 0)
}

/** Dollars for a message: cents from $1 up, else three significant digits ($0.000354). */
export const formatUsd = (usd: number) =>
  `$${usd >= 1 ? usd.toFixed(2) : usd === 0 ? '0' : usd.toPrecision(3)}`
const fmt = formatUsd

/**
 * How many executions may start at `now` under `caps`, given the cost so
 * far (`spentUsd`) and the cost of one execution (`perUsd`), and whether the
 * run has stopped at a limit.
 *
 * @example
 * ```ts
 * capBudget(manifest, Date.now(), { maxCostUsd: 5 }, 4.2, 0.3).allowed // 2, less what runs
 * ```
 */
export function capBudget(
  manifest: Manifest,
  now: number,
  caps: Caps,
  spentUsd: number,
  perUsd: number,
): CapBudget {
  let running = 0
  let waiting = 0
  for (const m of manifest.molecules) {
    if (m.attempts.some(isOpen)) running++
    else if (m.status === 'pending') waiting++
  }
  let allowed = Number.POSITIVE_INFINITY
  let holding: CapBudget['holding']
  let cause: string | undefined
  if (caps.deadline !== undefined && now >= caps.deadline) {
    allowed = 0
    holding = 'deadline'
    cause = `the deadline ${new Date(caps.deadline).toISOString()} passed with ${waiting} of ${manifest.molecules.length} molecules not run`
  } else if (caps.maxCostUsd !== undefined) {
    const spent = spentUsd + (caps.reservedUsd ?? 0)
    const left = caps.maxCostUsd - spent - running * perUsd
    const inFlight = (caps.maxCostUsd - spent) * (caps.inFlightShare ?? 1) - running * perUsd
    allowed =
      perUsd > 0
        ? Math.max(
            0,
            Math.floor(inFlight / perUsd + 1e-9),
            // with nothing running, one molecule that fits may always start
            running === 0 && left >= perUsd * (1 - 1e-9) ? 1 : 0,
          )
        : left > 0
          ? allowed
          : 0
    if (allowed < waiting) {
      holding = 'cost-cap'
      cause = `the cost so far, ${fmt(spent)}${caps.reservedUsd ? ` (${fmt(caps.reservedUsd)} of it kept for the plan, tallies and reduce)` : ''}, and ${fmt(perUsd)} for each next molecule would pass the cost cap of $${caps.maxCostUsd}; ${waiting} of ${manifest.molecules.length} molecules not run`
    }
  }
  const budget: CapBudget = { allowed, ...(holding ? { holding } : {}) }
  if (holding && allowed === 0 && running === 0 && waiting > 0 && cause) {
    budget.reached = { limit: holding, cause }
  }
  return budget
}

/**
 * The manifest with every open attempt billed for the time it has run so far
 * (`now - startedAt`): priced, it is what the run has cost up to `now`,
 * running executions included. Used to stop running executions at a hard
 * cap (local target) and to keep their cost once they are stopped.
 */
export function chargeOpenAttempts(manifest: Manifest, now: number): Manifest {
  let changed = false
  const molecules = manifest.molecules.map((m) => {
    if (!m.attempts.some(isOpen)) return m
    changed = true
    return {
      ...m,
      attempts: m.attempts.map((a) =>
        isOpen(a) ? { ...a, billedMs: Math.max(0, Math.ceil(now - a.startedAt)) } : a,
      ),
    }
  })
  return changed ? { ...manifest, molecules } : manifest
}
