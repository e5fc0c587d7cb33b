import { resolve } from 'node:path'
import type { JobEstimate } from '../runner/estimateJob.js'
import type { JobHandle } from '../runner/JobHandle.js'
import { type CostReport, costReport } from '../runner/jobCost.js'
import type { Target } from '../runner/options.js'
import { type CostFlags, estimateOptionsOf } from './costFlags.js'
import { duration, num, ranged, usd } from './costFormat.js'

/** The one line `fanout run` prints on stderr before it starts, when it estimated the cost. */
export function estimateLine(e: JobEstimate): string {
  return `fanout: estimate on Lambda (${e.architecture}, ${e.memoryMb} MB, ${e.molecules} molecules): ${ranged(e.usd, usd)}, ${ranged(e.gbSeconds, num)} GB-s, wall ${ranged(e.wallMs, duration)}\n`
}

/**
 * The measured cost of a run that just ended, beside its estimate: priced
 * at the flags' memory, architecture and prices (the estimate's when the
 * flags give none).
 */
export async function runCost(
  handle: JobHandle,
  flags: { target: Target; root: string; stackName?: string | undefined },
  cost: CostFlags,
): Promise<CostReport> {
  return costReport(handle.store, handle.manifest, {
    estimateOptions: estimateOptionsOf(cost),
    root: resolve(flags.root),
    stackName: flags.stackName,
    ...(handle.outcome ? { wallMs: handle.outcome.wallMs } : {}),
  })
}
