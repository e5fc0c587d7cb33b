/**
 * Which memory size and molecule count to run a job with: the estimate
 * ({@link estimateCut}) of a grid of configurations, and the one that
 * minimises cost, the one that minimises wall time, and a balanced one — the
 * strategies of AWS Lambda Power Tuning (cost, speed, balanced), applied to
 * the whole sweep as faast.js's cost analyzer compares configurations. Pure.
 *
 * @module
 */

import { type Estimate, type EstimateRequest, estimateCut } from './estimate.js'
import { MAX_MEMORY_MB, MIN_MEMORY_MB, ONE_VCPU_MB } from './lambdaCpu.js'

/** The memory sizes tried: Power Tuning's usual powers, one vCPU (1,769 MB) and Lambda's extremes, MB. */
export const MEMORY_CANDIDATES = [
  MIN_MEMORY_MB,
  256,
  512,
  1024,
  1536,
  ONE_VCPU_MB,
  2048,
  3008,
  4096,
  MAX_MEMORY_MB,
] as const

/** A configuration and what it is predicted to cost and take (mid estimates, and the high end). */
export interface Suggestion {
  /** `cost`: the cheapest; `speed`: the fastest; `balanced`: the best of both (weight 0.5); `planned`: the cut as asked. */
  strategy: 'cost' | 'speed' | 'balanced' | 'planned'
  memoryMb: number
  molecules: number
  wallMs: number
  wallMsHigh: number
  usd: number
  usdHigh: number
}

/** Options of {@link suggest}. */
export interface SuggestOptions {
  /** The molecule boundaries of a count (the job's partition scheme). */
  cut: (molecules: number) => readonly number[]
  /** Memory sizes to try. @default {@link MEMORY_CANDIDATES} */
  memories?: readonly number[]
  /** Weight of cost against time in `balanced` (0: speed only, 1: cost only). @default 0.5 */
  balancedWeight?: number
}

/**
 * Molecule counts worth trying: powers of two up to the atom count and the
 * concurrency (more molecules than can run at once add overhead and save no
 * time), the concurrency itself, and the planned count.
 */
export function moleculeCandidates(
  numAtoms: number,
  concurrency: number,
  planned: number,
): number[] {
  const top = Math.max(1, Math.min(numAtoms, concurrency))
  const out = new Set<number>([planned, top])
  for (let m = 1; m < top; m *= 2) out.add(m)
  return [...out].filter((m) => m >= 1 && m <= Math.max(1, numAtoms)).sort((a, b) => a - b)
}

function toSuggestion(strategy: Suggestion['strategy'], e: Estimate): Suggestion {
  return {
    strategy,
    memoryMb: e.memoryMb,
    molecules: e.molecules,
    wallMs: e.wallMs.mid,
    wallMsHigh: e.wallMs.high,
    usd: e.usd.mid,
    usdHigh: e.usd.high,
  }
}

/**
 * Estimate every memory size × molecule count that fits (the slowest
 * molecule ends within the worker timeout; the memory is at least the job's
 * apparent floor) and pick: the cheapest (ties: the faster), the fastest
 * (ties: the cheaper), and the balanced one, which minimises
 * `w · cost' + (1 − w) · time'` with cost and time scaled to [0, 1] over the
 * configurations that fit, as Power Tuning's balanced strategy does. The
 * planned configuration comes first, as asked.
 *
 * @returns `planned`, then `cost`, `speed` and `balanced` (none of those three when no configuration fits)
 * @example
 * ```ts
 * suggest(request, { cut: (m) => linParts(numAtoms, m) }).find((s) => s.strategy === 'cost')
 * ```
 */
export function suggest(request: EstimateRequest, options: SuggestOptions): Suggestion[] {
  const planned = estimateCut(request)
  const concurrency = planned.concurrency
  const numAtoms = request.sample.numAtoms
  const w = options.balancedWeight ?? 0.5
  const fits: Estimate[] = []
  const counts = moleculeCandidates(numAtoms, concurrency, planned.molecules)
  for (const memoryMb of options.memories ?? MEMORY_CANDIDATES) {
    if (memoryMb < planned.memoryFloorMb) continue
    for (const molecules of counts) {
      const e =
        memoryMb === planned.memoryMb && molecules === planned.molecules
          ? planned
          : estimateCut({ ...request, memoryMb, boundaries: options.cut(molecules) })
      if (e.fitsTimeout) fits.push(e)
    }
  }
  const out: Suggestion[] = [toSuggestion('planned', planned)]
  if (fits.length === 0) return out
  const byCost = [...fits].sort((a, b) => a.usd.mid - b.usd.mid || a.wallMs.mid - b.wallMs.mid)
  const bySpeed = [...fits].sort((a, b) => a.wallMs.mid - b.wallMs.mid || a.usd.mid - b.usd.mid)
  const cheapest = byCost[0] as Estimate
  const fastest = bySpeed[0] as Estimate
  const costSpan = Math.max(
    (byCost[byCost.length - 1] as Estimate).usd.mid - cheapest.usd.mid,
    1e-300,
  )
  const timeSpan = Math.max(
    (bySpeed[bySpeed.length - 1] as Estimate).wallMs.mid - fastest.wallMs.mid,
    1e-300,
  )
  const score = (e: Estimate) =>
    (w * (e.usd.mid - cheapest.usd.mid)) / costSpan +
    ((1 - w) * (e.wallMs.mid - fastest.wallMs.mid)) / timeSpan
  const balanced = [...fits].sort((a, b) => score(a) - score(b))[0] as Estimate
  out.push(
    toSuggestion('cost', cheapest),
    toSuggestion('speed', fastest),
    toSuggestion('balanced', balanced),
  )
  return out
}
