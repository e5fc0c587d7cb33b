/**
 * What a cloud run costs: the AWS price table (us-east-1, 2026) and pure
 * estimates from billed durations and request counts. No AWS SDK here: the
 * tally uses it to enforce the cost cap, the CLI to print the bill.
 *
 * @module
 */

import { describeValue } from './errors.js'
import type { Manifest } from './manifest.js'

/** A Lambda instruction set, which sets the price of a GB-second. */
export type Architecture = 'arm64' | 'x86_64'

/** Unit prices in US dollars. */
export interface PriceTable {
  /** Per Lambda request (invocation). */
  readonly lambdaRequestUsd: number
  /** Per GB-second of Lambda duration, by architecture. */
  readonly lambdaGbSecondUsd: Readonly<Record<Architecture, number>>
  /** Per S3 PUT (or COPY, POST, LIST) request. */
  readonly s3PutUsd: number
  /** Per S3 GET (or HEAD) request. */
  readonly s3GetUsd: number
  /** Per Step Functions standard state transition. */
  readonly stepFunctionsTransitionUsd: number
}

/**
 * AWS list prices, us-east-1 (2026): Lambda $0.20 per million requests,
 * $0.0000133334 per GB-s on arm64 and $0.0000166667 on x86_64; S3 PUT $0.005
 * and GET $0.0004 per 1,000 requests; Step Functions standard $0.025 per
 * 1,000 state transitions.
 */
export const AWS_PRICES: PriceTable = Object.freeze({
  lambdaRequestUsd: 0.2 / 1_000_000,
  lambdaGbSecondUsd: Object.freeze({ arm64: 0.0000133334, x86_64: 0.0000166667 }),
  s3PutUsd: 0.005 / 1000,
  s3GetUsd: 0.0004 / 1000,
  stepFunctionsTransitionUsd: 0.025 / 1000,
})

/** The inputs of {@link estimateCost}. */
export interface CostInput {
  /** Total billed Lambda duration, ms (Lambda bills per 1 ms, rounded up per invocation). */
  billedMs: number
  /** Lambda invocations. */
  invocations: number
  /** Memory of the function, MB. */
  memoryMb: number
  /** @default 'arm64' */
  architecture?: Architecture
  /** S3 PUT requests. @default 0 */
  puts?: number
  /** S3 GET requests. @default 0 */
  gets?: number
  /** Step Functions state transitions. @default 0 */
  transitions?: number
}

/** A cost estimate, in US dollars, by part. */
export interface CostEstimate {
  /** Lambda duration: memory (GB, MB / 1024) × billed seconds. */
  gbSeconds: number
  lambdaComputeUsd: number
  lambdaRequestsUsd: number
  s3Usd: number
  stepFunctionsUsd: number
  totalUsd: number
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Expected ${name} to be a finite number from 0 and up, got ${describeValue(value)}`,
    )
  }
  return value
}

/**
 * Estimate what a run costs from its billed duration and request counts.
 *
 * @throws RangeError naming the input that is negative or not a number
 * @example
 * ```ts
 * // one million 1-second invocations at 1 GB on arm64
 * estimateCost({ billedMs: 1e9, invocations: 1e6, memoryMb: 1024 }).totalUsd // 13.5334
 * ```
 */
export function estimateCost(input: CostInput, prices: PriceTable = AWS_PRICES): CostEstimate {
  const billedMs = nonNegative(input.billedMs, 'billedMs')
  const invocations = nonNegative(input.invocations, 'invocations')
  const memoryMb = nonNegative(input.memoryMb, 'memoryMb')
  const puts = nonNegative(input.puts ?? 0, 'puts')
  const gets = nonNegative(input.gets ?? 0, 'gets')
  const transitions = nonNegative(input.transitions ?? 0, 'transitions')
  const architecture = input.architecture ?? 'arm64'
  const gbSecondUsd = prices.lambdaGbSecondUsd[architecture]
  if (gbSecondUsd === undefined) {
    throw new RangeError(
      `Expected architecture to be arm64 or x86_64, got ${describeValue(architecture)}`,
    )
  }
  const gbSeconds = (memoryMb / 1024) * (billedMs / 1000)
  const lambdaComputeUsd = gbSeconds * gbSecondUsd
  const lambdaRequestsUsd = invocations * prices.lambdaRequestUsd
  const s3Usd = puts * prices.s3PutUsd + gets * prices.s3GetUsd
  const stepFunctionsUsd = transitions * prices.stepFunctionsTransitionUsd
  return {
    gbSeconds,
    lambdaComputeUsd,
    lambdaRequestsUsd,
    s3Usd,
    stepFunctionsUsd,
    totalUsd: lambdaComputeUsd + lambdaRequestsUsd + s3Usd + stepFunctionsUsd,
  }
}

/** The default worker memory (MB) and architecture when a manifest has no `cloud` settings. */
const DEFAULT_MEMORY_MB = 1769
const DEFAULT_ARCHITECTURE: Architecture = 'arm64'

/** Options of {@link manifestCost}. */
export interface ManifestCostOptions {
  /** Step Functions state transitions so far. @default 0 */
  transitions?: number
  /** Worker memory, MB. @default manifest.cloud.memoryMb, else 1769 */
  memoryMb?: number
  /** @default manifest.cloud.architecture, else 'arm64' */
  architecture?: Architecture
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
 */
export function manifestCost(manifest: Manifest, extra: ManifestCostOptions = {}): CostEstimate {
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
  return estimateCost({
    billedMs,
    invocations,
    memoryMb: extra.memoryMb ?? manifest.cloud?.memoryMb ?? DEFAULT_MEMORY_MB,
    architecture: extra.architecture ?? manifest.cloud?.architecture ?? DEFAULT_ARCHITECTURE,
    puts,
    gets: invocations + partials,
    transitions: extra.transitions ?? 0,
  })
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
