/**
 * What a job's workers have cost so far, from its manifest: the quick figure
 * the tally holds against the cost cap. Pure; priced by the one price module
 * ({@link priceUsage}). The full measured bill of a run (orchestration,
 * transitions, every S3 request) is `measuredCost` (measuredCost.ts).
 *
 * @module
 */

import type { Manifest } from './manifest.js'
import {
  type Architecture,
  type CostBreakdown,
  type PriceTable,
  priceUsage,
  US_EAST_1,
} from './prices.js'

export type { Architecture, CostBreakdown, PriceTable } from './prices.js'

/** The default worker memory (MB) and architecture when a manifest has no `cloud` settings. */
export const DEFAULT_WORKER_MEMORY_MB = 1769
export const DEFAULT_ARCHITECTURE: Architecture = 'arm64'

/** Options of {@link manifestCost}. */
export interface ManifestCostOptions {
  /** Step Functions state transitions so far. @default 0 */
  transitions?: number
  /** Worker memory, MB. @default manifest.cloud.memoryMb, else 1769 */
  memoryMb?: number
  /** @default manifest.cloud.architecture, else 'arm64' */
  architecture?: Architecture
  /** @default us-east-1 list prices */
  prices?: PriceTable
}

/**
 * The worker-side cost of a job so far, from its manifest: every attempt is
 * one invocation billed its recorded `billedMs` (an attempt that never
 * reported, e.g. one that timed out, counts as an invocation with no known
 * duration); one PUT per stored partial and per attempt with failed atoms (its
 * errors file); one GET per invocation (the bundle, an upper bound since warm
 * containers cache it) and one per stored partial (reduce reads it). Memory
 * and architecture come from `manifest.cloud` (default 1769 MB, arm64).
 * Step Functions transitions are not in the manifest: pass them when known.
 *
 * @example
 * ```ts
 * manifestCost(manifest).totalUsd
 * ```
 */
export function manifestCost(manifest: Manifest, extra: ManifestCostOptions = {}): CostBreakdown {
  let billedMs = 0
  let invocations = 0
  let puts = 0
  let partials = 0
  for (const m of manifest.molecules) {
    if (m.status === 'done') partials++
    for (const a of m.attempts) {
      invocations++
      billedMs += a.billedMs ?? 0
      if ((a.atomsFailed ?? 0) > 0) puts++
    }
  }
  puts += partials
  return priceUsage(
    {
      lambda: [
        {
          invocations,
          billedMs,
          memoryMb: extra.memoryMb ?? manifest.cloud?.memoryMb ?? DEFAULT_WORKER_MEMORY_MB,
          architecture: extra.architecture ?? manifest.cloud?.architecture ?? DEFAULT_ARCHITECTURE,
        },
      ],
      s3Puts: puts,
      s3Gets: invocations + partials,
      transitions: extra.transitions ?? 0,
    },
    extra.prices ?? US_EAST_1,
  )
}

/**
 * The estimated cost of a job so far in US dollars ({@link manifestCost}'s total).
 *
 * @example
 * ```ts
 * if (manifestCostUsd(manifest) >= 5) console.log('over $5')
 * ```
 */
export function manifestCostUsd(manifest: Manifest, extra: ManifestCostOptions = {}): number {
  return manifestCost(manifest, extra).totalUsd
}
