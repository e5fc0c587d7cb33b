import type { Estimate } from '../core/estimate.js'
import { type MeasuredCost, type MeasuredCostOptions, measuredCost } from '../core/measuredCost.js'
import { estimateKey } from '../store/layout.js'
import type { ResultStore } from '../store/ResultStore.js'
import { openStore } from './backends.js'
import {
  type EstimateOptions,
  type JobEstimate,
  parseEstimateOptions,
  resolvePrices,
} from './estimateJob.js'
import type { Target } from './options.js'

/** Store the estimate made before a run: `jobs/<jobId>/estimate.json`. */
export async function writeEstimate(
  store: ResultStore,
  jobId: string,
  estimate: JobEstimate,
): Promise<void> {
  await store.put(estimateKey(jobId), `${JSON.stringify(estimate, null, 2)}\n`)
}

/** The estimate stored for a job, or undefined when none was made (or it cannot be read). */
export async function readEstimate(
  store: ResultStore,
  jobId: string,
): Promise<JobEstimate | undefined> {
  const bytes = await store.get(estimateKey(jobId))
  if (!bytes) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as JobEstimate
  } catch {
    return undefined
  }
}

/** How far a measured figure is from its prediction: (measured − predicted) / predicted. */
export interface PredictionError {
  /** Dollars, against the mid estimate. */
  usd: number | null
  /** Worker GB-seconds, against the mid estimate. */
  workerGbSeconds: number | null
  /** The measured dollars lie within the predicted low–high range. */
  usdInRange: boolean
  workerGbSecondsInRange: boolean
}

function relative(measured: number, predicted: number): number | null {
  return predicted > 0 ? (measured - predicted) / predicted : null
}

/** The errors of a prediction against what was measured. */
export function predictionError(measured: MeasuredCost, estimate: Estimate): PredictionError {
  const gbs = measured.workers.gbSeconds
  return {
    usd: relative(measured.cost.totalUsd, estimate.usd.mid),
    workerGbSeconds: relative(gbs, estimate.workers.gbSeconds.mid),
    usdInRange:
      measured.cost.totalUsd >= estimate.usd.low && measured.cost.totalUsd <= estimate.usd.high,
    workerGbSecondsInRange:
      gbs >= estimate.workers.gbSeconds.low && gbs <= estimate.workers.gbSeconds.high,
  }
}

/** A job's measured cost beside its prediction, as the summary and the report show it. */
export interface CostReport {
  measured: MeasuredCost
  estimate?: JobEstimate
  error?: PredictionError
}

/**
 * The measured cost of a job (from its manifest) beside the estimate stored
 * before its run, when one was: priced with the same table and, unless
 * `memoryMb`/`architecture` are given, at the estimate's (or the manifest's)
 * memory. On a cloud target the state transitions and tallies are counted in
 * the execution's history (modelled when it cannot be read).
 *
 * @example
 * ```ts
 * const { measured, estimate, error } = await costReport(store, manifest, { target: 'local', root })
 * ```
 */
export async function costReport(
  store: ResultStore,
  manifest: MeasuredCostInput,
  options: CostReportOptions,
): Promise<CostReport> {
  const estimate = await readEstimate(store, manifest.jobId)
  const o = parseEstimateOptions(options.estimateOptions ?? {}, 'cost')
  const { prices } = resolvePrices(
    o.prices || o.region ? o : { ...o, ...(estimate ? { region: estimate.prices.region } : {}) },
  )
  let execution: MeasuredCostOptions['execution']
  if (manifest.target !== 'local' && options.root) {
    execution = await countsOf(manifest.target, options.root, options.stackName, manifest.jobId)
  }
  const measured = measuredCost(manifest, {
    prices,
    ...((o.memoryMb ?? estimate?.memoryMb) ? { memoryMb: o.memoryMb ?? estimate?.memoryMb } : {}),
    ...((o.architecture ?? estimate?.architecture)
      ? { architecture: o.architecture ?? estimate?.architecture }
      : {}),
    ...(execution ? { execution } : {}),
    ...(options.wallMs !== undefined ? { wallMs: options.wallMs } : {}),
  })
  return estimate
    ? { measured, estimate, error: predictionError(measured, estimate) }
    : { measured }
}

type MeasuredCostInput = Parameters<typeof measuredCost>[0]

/** Options of {@link costReport}. */
export interface CostReportOptions {
  /** Memory, architecture and prices to price the run at (the estimate's when left out). */
  estimateOptions?: EstimateOptions
  /** fanout's root, for a cloud target's deploy record (to read the execution history). */
  root?: string
  stackName?: string | undefined
  /** The run's wall time, ms. @default from the manifest */
  wallMs?: number
}

async function countsOf(
  target: Target,
  root: string,
  stackName: string | undefined,
  jobId: string,
) {
  try {
    const site = await openStore(target, root, stackName)
    try {
      if (!site.cloud) return undefined
      const { executionCounts } = await import('../aws/client/executionHistory.js')
      return await executionCounts(site.cloud.connection, site.cloud.deployed, jobId)
    } finally {
      site.close()
    }
  } catch {
    return undefined // the history cannot be read: transitions are modelled
  }
}
