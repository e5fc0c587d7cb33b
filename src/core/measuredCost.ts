/**
 * The measured bill of a run, from its manifest: every worker attempt's
 * billed duration (retries, speculative and cancelled copies included), the
 * requests the run made ({@link cloudRequests}), the orchestration functions
 * and the tally loop. Pure. For a local run the same figures read "what this
 * would have cost on Lambda at M MB".
 *
 * @module
 */

import { CLIENT_POLL_MS, type CloudRequests, cloudRequests, tallyLoops } from './cloudRequests.js'
import { DEFAULT_CONCURRENCY } from './estimate.js'
import { slowdownAt } from './lambdaCpu.js'
import type { Manifest } from './manifest.js'
import { DEFAULT_OVERHEADS, ORCHESTRATION_MEMORY_MB, type PlatformOverheads } from './overheads.js'
import {
  type Architecture,
  type CostBreakdown,
  type PriceTable,
  priceUsage,
  US_EAST_1,
} from './prices.js'

/** Options of {@link measuredCost}. */
export interface MeasuredCostOptions {
  /** @default us-east-1 list prices */
  prices?: PriceTable
  /** Worker memory, MB. @default manifest.cloud.memoryMb, else 1769 */
  memoryMb?: number
  /** @default manifest.cloud.architecture, else 'arm64' */
  architecture?: Architecture
  /** Tallies and state transitions read from the execution's history, when it was read. */
  execution?: { tallies: number; transitions: number }
  /** The run's wall time, ms (the CLI's reads of the manifest). @default updatedAt − createdAt */
  wallMs?: number
  /** For what the manifest does not hold: orchestration durations, a local run's per-invocation overhead. */
  overheads?: PlatformOverheads
  /** @default 2 */
  pollSeconds?: number
}

/** What a run cost (or, run locally, would have cost on Lambda). */
export interface MeasuredCost {
  /** `lambda`: billed figures the workers reported; `local-as-lambda`: this machine's times at Lambda's CPU share. */
  basis: 'lambda' | 'local-as-lambda'
  memoryMb: number
  architecture: Architecture
  workers: {
    /** Every attempt: one invocation each. */
    invocations: number
    /** What Lambda bills the attempts: their own figures plus the measured overhead those leave out. */
    billedMs: number
    /** The attempts' own billed figures (at Lambda's CPU share, for a local run), ms. */
    reportedMs: number
    gbSeconds: number
    /** Attempts with no billed figure (a timed-out or lost invocation): counted as invocations, not in `billedMs`. */
    unbilled: number
    /** Attempts after the first that were not speculative copies. */
    retries: number
    speculative: number
    cancelled: number
    /** Attempts that failed (crashed, timed out, threw in setup). */
    failed: number
  }
  /** The plan, tally and reduce functions: durations from the measured overheads (no run records them). */
  orchestration: { billedMs: number; gbSeconds: number }
  tallies: { count: number; source: 'execution history' | 'modelled' }
  requests: CloudRequests
  cost: CostBreakdown
  prices: { region: string; asOf: string; source: string }
}

/**
 * The measured cost of a run from its manifest. Cloud runs count each
 * attempt's reported `billedMs` (bundle load, setup and atoms, by the
 * worker's clock) plus what that figure leaves out and Lambda bills too (the
 * partial's encoding and write, the handler's framework:
 * `workerUnreportedMs` plus `workerUnreportedMsPerRow` per row, measured on
 * the emulator). Local runs count each attempt's billed figure (setup +
 * atoms on this machine; its wall time when it reported none) slowed down
 * to Lambda's CPU share at `memoryMb`, plus the measured per-invocation
 * overhead of a worker (`workerFixedMs`). Cold starts are not counted: no
 * record says which invocations met a new container. Transitions and tallies come from the
 * execution history when given, else from simulating the tally loop on the
 * molecules' end times.
 *
 * @example
 * ```ts
 * measuredCost(manifest, { memoryMb: 1024 }).cost.totalUsd
 * ```
 */
export function measuredCost(manifest: Manifest, options: MeasuredCostOptions = {}): MeasuredCost {
  const o = options.overheads ?? DEFAULT_OVERHEADS
  const prices = options.prices ?? US_EAST_1
  const local = manifest.target === 'local'
  const memoryMb = options.memoryMb ?? manifest.cloud?.memoryMb ?? 1769
  const architecture = options.architecture ?? manifest.cloud?.architecture ?? 'arm64'
  const slowdown = local ? slowdownAt(memoryMb) : 1
  let invocations = 0
  let billedMs = 0
  let reported = 0
  let unbilled = 0
  let retries = 0
  let speculative = 0
  let cancelled = 0
  let failed = 0
  let finished = 0
  let errorFiles = 0
  let first = Number.POSITIVE_INFINITY
  const ends: number[] = []
  for (const m of manifest.molecules) {
    m.attempts.forEach((a, k) => {
      invocations++
      first = Math.min(first, a.startedAt)
      if (a.speculative) speculative++
      else if (k > 0) retries++
      if (a.cancelled) cancelled++
      else if (a.error !== undefined && !a.interrupted) failed++
      if (a.error === undefined || a.cancelled) finished++
      if ((a.atomsFailed ?? 0) > 0) errorFiles++
      const ran =
        a.billedMs ?? (local && a.endedAt !== undefined ? a.endedAt - a.startedAt : undefined)
      if (ran === undefined) unbilled++
      else {
        // what the attempt's own figure leaves out: locally every per-invocation overhead,
        // in the cloud the partial's write and the handler's framework
        const unreported = local
          ? o.workerFixedMs.mid
          : o.workerUnreportedMs.mid + o.workerUnreportedMsPerRow * (a.rows ?? 0)
        reported += Math.ceil(ran * slowdown)
        billedMs += Math.ceil(ran * slowdown + unreported)
      }
    })
    const done = m.status === 'done' ? m.attempts[m.attempts.length - 1] : undefined
    if (done?.endedAt !== undefined) ends.push(done.endedAt)
  }
  const stored = manifest.molecules.filter((m) => m.status === 'done').length
  const wallMs =
    options.wallMs ?? Math.max(0, Date.parse(manifest.updatedAt) - Date.parse(manifest.createdAt))
  const tallies = options.execution
    ? { count: options.execution.tallies, source: 'execution history' as const }
    : {
        count: tallyLoops(
          ends.map((e) => e - (Number.isFinite(first) ? first : 0)),
          { pollSeconds: options.pollSeconds ?? 2, tallyMs: o.tallyMs.mid },
        ).loops,
        source: 'modelled' as const,
      }
  const requests = cloudRequests({
    molecules: manifest.molecules.length,
    attempts: invocations,
    finishedAttempts: finished,
    storedPartials: stored,
    errorFiles,
    containers: Math.min(invocations, DEFAULT_CONCURRENCY),
    tallies: tallies.count,
    clientPolls: Math.ceil(wallMs / CLIENT_POLL_MS),
  })
  if (options.execution) requests.transitions = options.execution.transitions
  const plan = Math.ceil(o.planMs.mid + manifest.molecules.length * o.planMsPerMolecule.mid)
  const tally = tallies.count * Math.ceil(o.tallyMs.mid)
  const reduce = Math.ceil(o.reduceMs.mid + stored * o.reduceMsPerPartial.mid)
  const cost = priceUsage(
    {
      lambda: [
        { invocations, billedMs, memoryMb, architecture },
        { invocations: 1, billedMs: plan, memoryMb: ORCHESTRATION_MEMORY_MB.plan },
        { invocations: tallies.count, billedMs: tally, memoryMb: ORCHESTRATION_MEMORY_MB.tally },
        { invocations: 1, billedMs: reduce, memoryMb: ORCHESTRATION_MEMORY_MB.reduce },
      ],
      transitions: requests.transitions,
      s3Puts: requests.s3Puts,
      s3Lists: requests.s3Lists,
      s3Gets: requests.s3Gets,
    },
    prices,
  )
  const workerGbSeconds = (memoryMb / 1024) * (billedMs / 1000)
  return {
    basis: local ? 'local-as-lambda' : 'lambda',
    memoryMb,
    architecture,
    workers: {
      invocations,
      billedMs,
      reportedMs: reported,
      gbSeconds: workerGbSeconds,
      unbilled,
      retries,
      speculative,
      cancelled,
      failed,
    },
    orchestration: {
      billedMs: plan + tally + reduce,
      gbSeconds: cost.gbSeconds - workerGbSeconds,
    },
    tallies,
    requests,
    cost,
    prices: { region: prices.region, asOf: prices.asOf, source: prices.source },
  }
}
