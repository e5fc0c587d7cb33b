import { linParts } from './parts.js'
import { interpolateCosts } from './weightedParts.js'

/**
 * Pure decisions on atom costs measured on a sample: whether the sample says
 * anything beyond timer noise, and which cut to keep. Shared by the local plan
 * and the plan Lambda through the one sampler (`runtime/costSampler.ts`).
 *
 * @module
 */

/** One sample point, timed in several passes over the sample (in varying order). */
export interface CostSamplePoint {
  index: number
  /** ms per atom, one per pass. */
  times: readonly number[]
}

/** What {@link costsFromSample} concludes. */
export interface SampledCosts {
  /** One cost per atom (ms): interpolated between sample points, or all equal when `uniform`. */
  costs: Float64Array
  /** The sample shows no difference between atoms beyond the noise of timing it. */
  uniform: boolean
  /** Median relative disagreement of the passes at a point: the timing noise. */
  noise: number
  /** Largest over smallest point cost. */
  spread: number
  /** How well the passes agree on which points cost more (mean pairwise Spearman rank correlation; 1 with one pass). */
  agreement: number
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return 0
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Ranks 1..n (ties share their mean rank). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v)
  const out = new Array<number>(values.length)
  for (let k = 0; k < order.length; ) {
    let end = k
    while (
      end + 1 < order.length &&
      (order[end + 1] as { v: number }).v === (order[k] as { v: number }).v
    )
      end++
    for (let j = k; j <= end; j++) out[(order[j] as { i: number }).i] = (k + end) / 2 + 1
    k = end + 1
  }
  return out
}

/** Spearman's rank correlation: Pearson's r of the ranks, robust to the outliers a load burst makes. */
function spearman(a: readonly number[], b: readonly number[]): number {
  return pearson(ranks(a), ranks(b))
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length
  const ma = a.reduce((x, y) => x + y, 0) / n
  const mb = b.reduce((x, y) => x + y, 0) / n
  let cov = 0
  let va = 0
  let vb = 0
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma
    const db = (b[i] as number) - mb
    cov += da * db
    va += da * da
    vb += db * db
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0
}

/**
 * The smallest spread (largest / smallest point cost) that counts as real:
 * 25%, or three times the measured noise when timing is noisier than that.
 */
export const MIN_REAL_SPREAD = 0.25

/** Passes must agree this well (Spearman's ρ) on which points cost more for the differences to count. */
export const MIN_AGREEMENT = 0.5

/**
 * Per-atom costs from a sample timed in several passes. Each point's cost is
 * its fastest timing (a GC pause or a preempted thread only ever adds time).
 * The atoms are taken to cost the same — every cost the mean, so a weighted
 * cut is a linear one — when either
 * - the spread of the points (max / min − 1) is within `max(25%, 3 × noise)`,
 *   the noise being the median relative disagreement of the passes at a point; or
 * - the passes do not agree on which points cost more (mean pairwise
 *   Spearman rank correlation below 0.5): differences that another pass does
 *   not reproduce are the machine's load, not the atoms.
 * Otherwise costs are interpolated between the points ({@link interpolateCosts}).
 *
 * @example
 * ```ts
 * costsFromSample(100, [{ index: 0, times: [1, 1.1] }, { index: 99, times: [1.05, 1] }]).uniform // true
 * ```
 */
export function costsFromSample(
  numAtoms: number,
  points: readonly CostSamplePoint[],
): SampledCosts {
  const best = points.map((p) => ({ index: p.index, cost: Math.min(...p.times) }))
  const noise = median(
    points.map((p) => {
      const hi = Math.max(...p.times)
      return hi > 0 ? (hi - Math.min(...p.times)) / hi : 0
    }),
  )
  const passes = Math.min(...points.map((p) => p.times.length))
  let agreement = 1
  if (passes >= 2 && points.length >= 3) {
    let sum = 0
    let pairs = 0
    for (let i = 0; i < passes; i++) {
      for (let j = i + 1; j < passes; j++) {
        sum += spearman(
          points.map((p) => p.times[i] as number),
          points.map((p) => p.times[j] as number),
        )
        pairs++
      }
    }
    agreement = sum / pairs
  }
  const costs = best.map((b) => b.cost)
  const lo = Math.min(...costs)
  const hi = Math.max(...costs)
  const spread = lo > 0 ? hi / lo : hi > 0 ? Number.POSITIVE_INFINITY : 1
  const uniform = spread - 1 <= Math.max(MIN_REAL_SPREAD, 3 * noise) || agreement < MIN_AGREEMENT
  if (uniform) {
    const mean = costs.reduce((a, b) => a + b, 0) / Math.max(costs.length, 1)
    return { costs: new Float64Array(numAtoms).fill(mean), uniform, noise, spread, agreement }
  }
  return { costs: interpolateCosts(numAtoms, best), uniform, noise, spread, agreement }
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
