import { linParts } from './parts.js'
import { interpolateCosts } from './weightedParts.js'

/**
 * Pure decisions on atom costs measured on a sample: whether the sample says
 * anything beyond timer noise, and which cut to keep. Shared by the local plan
 * and the plan Lambda through the one sampler (`runtime/costSampler.ts`).
 *
 * @module
 */

/** One sample point timed twice, in two passes over the sample (the second in reverse order). */
export interface CostSamplePoint {
  index: number
  /** ms per atom in each pass. */
  first: number
  second: number
}

/** What {@link costsFromSample} concludes. */
export interface SampledCosts {
  /** One cost per atom (ms): interpolated between sample points, or all equal when `uniform`. */
  costs: Float64Array
  /** The sample shows no difference between atoms beyond the noise of timing it. */
  uniform: boolean
  /** Median relative disagreement of the two passes at a point: the timing noise. */
  noise: number
  /** Largest over smallest point cost. */
  spread: number
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return 0
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/**
 * The smallest spread (largest / smallest point cost) that counts as real:
 * 25%, or three times the measured noise when timing is noisier than that.
 */
export const MIN_REAL_SPREAD = 0.25

/**
 * Per-atom costs from a sample timed twice. Each point's cost is the smaller
 * of its two timings (a GC pause or a preempted thread only ever adds time);
 * the noise is the median relative disagreement of the two passes. When the
 * spread of the points (max / min − 1) is within `max(25%, 3 × noise)`, the
 * atoms are taken to cost the same: every cost is the mean, and a weighted
 * cut of equal costs is a linear one. Otherwise costs are interpolated
 * between the points ({@link interpolateCosts}).
 *
 * @example
 * ```ts
 * costsFromSample(100, [{ index: 0, first: 1, second: 1.1 }, { index: 99, first: 1.05, second: 1 }]).uniform // true
 * ```
 */
export function costsFromSample(
  numAtoms: number,
  points: readonly CostSamplePoint[],
): SampledCosts {
  const best = points.map((p) => ({ index: p.index, cost: Math.min(p.first, p.second) }))
  const noise = median(
    points.map((p) => {
      const hi = Math.max(p.first, p.second)
      return hi > 0 ? Math.abs(p.first - p.second) / hi : 0
    }),
  )
  const costs = best.map((b) => b.cost)
  const lo = Math.min(...costs)
  const hi = Math.max(...costs)
  const spread = lo > 0 ? hi / lo : hi > 0 ? Number.POSITIVE_INFINITY : 1
  const uniform = spread - 1 <= Math.max(MIN_REAL_SPREAD, 3 * noise)
  if (uniform) {
    const mean = costs.reduce((a, b) => a + b, 0) / Math.max(costs.length, 1)
    return { costs: new Float64Array(numAtoms).fill(mean), uniform, noise, spread }
  }
  return { costs: interpolateCosts(numAtoms, best), uniform, noise, spread }
}

/** The cost of the most expensive molecule of a cut. */
export function bottleneck(costs: ArrayLike<number>, boundaries: readonly number[]): number {
  let worst = 0
  for (let k = 0; k + 1 < boundaries.length; k++) {
    let sum = 0
    for (let i = boundaries[k] as number; i < (boundaries[k + 1] as number); i++) {
      sum += costs[i] as number
    }
    if (sum > worst) worst = sum
  }
  return worst
}

/**
 * A weighted cut from measured costs is kept only when, under those costs, it
 * beats the linear cut's costliest molecule by more than this fraction: a
 * smaller gain is within what sampling can get wrong, and linear is never
 * worse than that on atoms of equal cost.
 */
export const MIN_WEIGHTED_GAIN = 0.1

/**
 * The weighted cut, or the linear one when the weighted cut does not beat it
 * by {@link MIN_WEIGHTED_GAIN} under the measured costs.
 */
export function preferLinearUnlessBetter(
  costs: ArrayLike<number>,
  weighted: number[],
  molecules: number,
): { boundaries: number[]; linear: boolean } {
  const linear = linParts(costs.length, molecules)
  const gain = 1 - bottleneck(costs, weighted) / Math.max(bottleneck(costs, linear), 1e-300)
  return gain > MIN_WEIGHTED_GAIN
    ? { boundaries: weighted, linear: false }
    : { boundaries: linear, linear: true }
}
