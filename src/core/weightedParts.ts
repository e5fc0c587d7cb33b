import { describeValue, PartitionError } from './errors.js'
import { ATOMS_HINT, expectCount, linParts, MOLECULES_HINT } from './parts.js'

/** Index of the last boundary `e` in `[lo, hi]` with `prefix[e] <= limit` (prefix is non-decreasing). */
function lastAtMost(prefix: Float64Array, lo: number, hi: number, limit: number): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if ((prefix[mid] as number) <= limit) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** Greedy cut: each molecule takes as many atoms as fit under `bottleneck`. */
function greedyCut(
  prefix: Float64Array,
  bottleneck: number,
  maxMolecules: number,
): number[] | null {
  const n = prefix.length - 1
  const parts = [0]
  let start = 0
  while (start < n) {
    if (parts.length > maxMolecules) return null
    let end = lastAtMost(prefix, start, n, (prefix[start] as number) + bottleneck)
    if (end === start) end = start + 1 // one atom alone exceeds the bottleneck
    parts.push(end)
    start = end
  }
  return parts.length - 1 <= maxMolecules ? parts : null
}

/** Split `[start, end)` (at least two atoms) where the larger half is smallest. */
function splitPoint(prefix: Float64Array, start: number, end: number): number {
  const base = prefix[start] as number
  const total = (prefix[end] as number) - base
  if (total <= 0) return start + ((end - start) >>> 1)
  // First boundary whose left part reaches half the cost, then pick the better neighbour.
  const half = lastAtMost(prefix, start + 1, end - 1, base + total / 2)
  const cost = (m: number) =>
    Math.max((prefix[m] as number) - base, (prefix[end] as number) - (prefix[m] as number))
  return half + 1 <= end - 1 && cost(half + 1) < cost(half) ? half + 1 : half
}

/**
 * Boundaries of contiguous molecules with balanced total cost: the cut that
 * minimizes the cost of the most expensive molecule (a bisection on that
 * bottleneck, each probe a greedy cut), then, while there are fewer molecules
 * than requested, the most expensive molecule of two or more atoms is halved by
 * cost. Zero total cost falls back to {@link linParts}.
 *
 * @param costs - the relative cost of each atom (finite, from 0); its length is the atom count
 * @param numMolecules - how many molecules at most, an integer from 1
 * @returns increasing boundaries from 0 to `costs.length`, `min(numMolecules, costs.length)`
 *   non-empty molecules; `[0]` when there are no atoms
 * @throws {@link PartitionError} when a cost is negative or not finite, or the count is bad
 *
 * @example
 * ```ts
 * weightedParts([1, 1, 1, 1, 4, 4], 2) // [0, 5, 6]
 * ```
 */
export function weightedParts(costs: ArrayLike<number>, numMolecules: number): number[] {
  expectCount(numMolecules, 'numMolecules', 1, MOLECULES_HINT)
  const n = costs.length
  const prefix = new Float64Array(n + 1)
  let maxCost = 0
  for (let i = 0; i < n; i++) {
    const c = costs[i]
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) {
      throw new PartitionError(
        `Expected costs[${i}] to be a finite number from 0 and up, got ${describeValue(c)}. ` +
          'Make the job’s cost(atom, index) return a relative cost such as an estimated run time.',
      )
    }
    prefix[i + 1] = (prefix[i] as number) + c
    if (c > maxCost) maxCost = c
  }
  const molecules = Math.min(numMolecules, n)
  const total = prefix[n] as number
  if (molecules === 0) return [0]
  if (total === 0) return linParts(n, molecules)

  // Bisection on the bottleneck: lo is infeasible or optimal, hi is feasible.
  let lo = Math.max(maxCost, total / molecules)
  let hi = total / molecules + maxCost
  let best = greedyCut(prefix, lo, molecules)
  if (best === null) {
    best = greedyCut(prefix, hi, molecules) ?? linParts(n, molecules)
    for (let i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
      const mid = lo + (hi - lo) / 2
      const cut = greedyCut(prefix, mid, molecules)
      if (cut === null) lo = mid
      else {
        hi = mid
        best = cut
      }
    }
  }

  // Use every molecule asked for: halving a molecule never raises the bottleneck.
  const parts = best
  while (parts.length - 1 < molecules) {
    let widest = -1
    let widestCost = -1
    let widestSize = 0
    for (let k = 0; k + 1 < parts.length; k++) {
      const start = parts[k] as number
      const end = parts[k + 1] as number
      if (end - start < 2) continue
      const cost = (prefix[end] as number) - (prefix[start] as number)
      if (cost > widestCost || (cost === widestCost && end - start > widestSize)) {
        widest = k
        widestCost = cost
        widestSize = end - start
      }
    }
    if (widest < 0) break
    parts.splice(
      widest + 1,
      0,
      splitPoint(prefix, parts[widest] as number, parts[widest + 1] as number),
    )
  }
  return parts
}

/**
 * Piecewise-linear interpolation of costs measured on a sample of atoms, for
 * every atom index: linear between neighbouring samples, constant beyond the
 * first and last sample. Samples at the same index are averaged.
 *
 * @param numAtoms - how many atoms, an integer from 0
 * @param samples - measured costs; `index` an integer in `[0, numAtoms)`, `cost` finite from 0
 * @returns one cost per atom
 * @throws {@link PartitionError} when there are atoms but no samples, or a sample is bad
 *
 * @example
 * ```ts
 * interpolateCosts(5, [{ index: 0, cost: 1 }, { index: 4, cost: 5 }]) // [1, 2, 3, 4, 5]
 * ```
 */
export function interpolateCosts(
  numAtoms: number,
  samples: ReadonlyArray<{ index: number; cost: number }>,
): Float64Array {
  expectCount(numAtoms, 'numAtoms', 0, ATOMS_HINT)
  const out = new Float64Array(numAtoms)
  if (numAtoms === 0) return out
  if (samples.length === 0) {
    throw new PartitionError(
      `Cannot interpolate the costs of ${numAtoms} atoms from no samples. ` +
        'Measure at least one atom (see sampleIndices).',
    )
  }
  const sums = new Map<number, { total: number; count: number }>()
  samples.forEach(({ index, cost }, k) => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= numAtoms) {
      throw new PartitionError(
        `Expected samples[${k}].index to be an integer from 0 to ${numAtoms - 1}, got ${describeValue(index)}.`,
      )
    }
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
      throw new PartitionError(
        `Expected samples[${k}].cost to be a finite number from 0 and up, got ${describeValue(cost)}.`,
      )
    }
    const entry = sums.get(index)
    if (entry) {
      entry.total += cost
      entry.count++
    } else sums.set(index, { total: cost, count: 1 })
  })
  const points = [...sums.entries()]
    .map(([index, { total, count }]) => ({ index, cost: total / count }))
    .sort((a, b) => a.index - b.index)
  const first = points[0] as { index: number; cost: number }
  const last = points[points.length - 1] as { index: number; cost: number }
  out.fill(first.cost, 0, first.index + 1)
  out.fill(last.cost, last.index)
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k] as { index: number; cost: number }
    const b = points[k + 1] as { index: number; cost: number }
    const slope = (b.cost - a.cost) / (b.index - a.index)
    for (let i = a.index; i <= b.index; i++) out[i] = a.cost + slope * (i - a.index)
  }
  return out
}

/**
 * Evenly spaced, distinct, increasing atom indices that include the first and
 * the last atom: where to measure costs before a weighted partition.
 *
 * @param numAtoms - how many atoms, an integer from 0
 * @param sampleSize - how many indices at most, an integer from 1
 * @returns `min(sampleSize, numAtoms)` indices
 * @throws {@link PartitionError} when either count is not a whole number in range
 *
 * @example
 * ```ts
 * sampleIndices(100, 5) // [0, 25, 50, 74, 99]
 * ```
 */
export function sampleIndices(numAtoms: number, sampleSize: number): number[] {
  expectCount(numAtoms, 'numAtoms', 0, ATOMS_HINT)
  expectCount(sampleSize, 'sampleSize', 1, 'Measure at least one atom.')
  const size = Math.min(sampleSize, numAtoms)
  if (size <= 1) return size === 1 ? [0] : []
  const out: number[] = []
  for (let i = 0; i < size; i++) out.push(Math.round((i * (numAtoms - 1)) / (size - 1)))
  return out
}
