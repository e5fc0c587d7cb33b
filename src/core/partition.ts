import { describeValue, PartitionError } from './errors.js'
import type { Molecule, PartitionScheme } from './types.js'

/**
 * Molecules per worker when neither `--molecules` nor `--atoms-per-molecule` is
 * given: mpPandasObj's `mpBatches`. More molecules than workers lets a fast
 * worker pick up the slack of a slow one.
 */
export const DEFAULT_BATCHES = 4

/** Every partition scheme, in the order error messages list them. */
export const PARTITION_SCHEMES: readonly PartitionScheme[] = Object.freeze([
  'linear',
  'nested',
  'nested-upper',
  'weighted',
])

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min
}

function expectCount(value: unknown, name: string, min: number, hint: string): number {
  if (isCount(value, min)) return value
  throw new PartitionError(
    `Expected ${name} to be an integer from ${min} and up, got ${describeValue(value)}. ${hint}`,
  )
}

const ATOMS_HINT = 'The atom source must report a whole, non-negative count.'
const MOLECULES_HINT =
  'Pass a whole number of molecules, e.g. --molecules 64, or leave it out to cut workers × 4.'

/** numpy's `round`: half to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x)
  const diff = x - floor
  if (diff < 0.5) return floor
  if (diff > 0.5) return floor + 1
  return floor % 2 === 0 ? floor : floor + 1
}

/** Drop repeated boundaries so that no molecule is empty. */
function dedupe(boundaries: number[]): number[] {
  const out: number[] = []
  for (const b of boundaries) if (out.length === 0 || b !== out[out.length - 1]) out.push(b)
  return out
}

/**
 * Boundaries of `min(numMolecules, numAtoms)` molecules of near-equal atom
 * count: numpy's `ceil(linspace(0, numAtoms, min(numMolecules, numAtoms) + 1))`
 * (AFML snippet 20.5). Molecule `i` is `[b[i], b[i + 1])`.
 *
 * @param numAtoms - how many atoms, an integer from 0
 * @param numMolecules - how many molecules at most, an integer from 1
 * @returns `m + 1` increasing boundaries from 0 to `numAtoms`; `[0]` when `numAtoms` is 0
 * @throws {@link PartitionError} when either count is not a whole number in range
 *
 * @example
 * ```ts
 * linParts(10, 4) // [0, 3, 5, 8, 10]
 * ```
 */
export function linParts(numAtoms: number, numMolecules: number): number[] {
  expectCount(numAtoms, 'numAtoms', 0, ATOMS_HINT)
  expectCount(numMolecules, 'numMolecules', 1, MOLECULES_HINT)
  const intervals = Math.min(numMolecules, numAtoms)
  if (intervals === 0) return [0]
  // numpy.linspace: start + i * step, step = (stop - start) / intervals, last element exactly stop.
  const step = numAtoms / intervals
  const parts: number[] = []
  for (let i = 0; i < intervals; i++) parts.push(Math.ceil(i * step))
  parts.push(numAtoms)
  return dedupe(parts)
}

/**
 * Boundaries for a lower-triangular loop, where atom `i` costs in proportion
 * to `i + 1` (AFML snippet 20.6): every molecule holds the same triangular
 * area. With `t' = min(numMolecules, numAtoms)` and `p0 = 0`,
 * `p_k = (-1 + sqrt(1 + 4 (p_{k-1}² + p_{k-1} + n (n + 1) / t'))) / 2`, and
 * then every boundary is rounded half to even (numpy `round`).
 *
 * With `upperTriangle`, atom `i` costs in proportion to `n - i`: the widths of
 * the lower-triangle molecules are reversed and cumulated from 0.
 *
 * Unlike the book, when rounding makes two boundaries equal (tiny `numAtoms`,
 * e.g. 3 atoms in 3 molecules gives `[0, 2, 2, 3]`) the duplicate is dropped,
 * so no molecule is empty and there may be fewer than `t'` molecules.
 *
 * @param numAtoms - how many atoms, an integer from 0
 * @param numMolecules - how many molecules at most, an integer from 1
 * @param upperTriangle - atom costs decrease instead of increase @default false
 * @returns increasing boundaries from 0 to `numAtoms`; `[0]` when `numAtoms` is 0
 * @throws {@link PartitionError} when either count is not a whole number in range
 *
 * @example
 * ```ts
 * nestedParts(100, 4) // [0, 50, 71, 87, 100]
 * nestedParts(100, 4, true) // [0, 13, 29, 50, 100]
 * ```
 */
export function nestedParts(
  numAtoms: number,
  numMolecules: number,
  upperTriangle = false,
): number[] {
  expectCount(numAtoms, 'numAtoms', 0, ATOMS_HINT)
  expectCount(numMolecules, 'numMolecules', 1, MOLECULES_HINT)
  const molecules = Math.min(numMolecules, numAtoms)
  if (molecules === 0) return [0]
  const area = (numAtoms * (numAtoms + 1)) / molecules
  const raw = [0]
  let previous = 0
  for (let k = 0; k < molecules; k++) {
    previous = (-1 + Math.sqrt(1 + 4 * (previous * previous + previous + area))) / 2
    raw.push(previous)
  }
  let parts = raw.map(roundHalfEven)
  // The recurrence ends at numAtoms up to rounding error; pin it.
  parts[parts.length - 1] = numAtoms
  if (upperTriangle) {
    const upper = [0]
    for (let k = parts.length - 1; k > 0; k--) {
      const width = (parts[k] as number) - (parts[k - 1] as number)
      upper.push((upper[upper.length - 1] as number) + width)
    }
    parts = upper
  }
  return dedupe(parts)
}

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

/** How many molecules to cut, from the flags. */
export interface MoleculeCountOptions {
  /** How many atoms the job has, an integer from 0. */
  readonly numAtoms: number
  /** How many workers run at once, an integer from 1. */
  readonly workers: number
  /** `--molecules N`: cut exactly this many (at most `numAtoms`). @default workers × {@link DEFAULT_BATCHES} */
  readonly molecules?: number | undefined
  /** `--atoms-per-molecule K`: cut `ceil(numAtoms / K)` molecules. @default unset */
  readonly atomsPerMolecule?: number | undefined
}

/**
 * The number of molecules to cut: `--molecules N` when given, else
 * `ceil(numAtoms / K)` for `--atoms-per-molecule K`, else
 * `workers × DEFAULT_BATCHES` (mpPandasObj's `numThreads × mpBatches`); never
 * more than `numAtoms`, and at least 1 when there are atoms.
 *
 * @returns the molecule count; 0 when `numAtoms` is 0
 * @throws {@link PartitionError} when a count is not a whole number from 1, or
 *   both `molecules` and `atomsPerMolecule` are given
 *
 * @example
 * ```ts
 * resolveMoleculeCount({ numAtoms: 1000, workers: 8 }) // 32
 * resolveMoleculeCount({ numAtoms: 1000, workers: 8, atomsPerMolecule: 300 }) // 4
 * ```
 */
export function resolveMoleculeCount(options: MoleculeCountOptions): number {
  const { numAtoms, workers, molecules, atomsPerMolecule } = options
  expectCount(numAtoms, 'numAtoms', 0, ATOMS_HINT)
  expectCount(workers, '--workers', 1, 'Pass how many workers run at once, e.g. --workers 8.')
  if (molecules !== undefined && atomsPerMolecule !== undefined) {
    throw new PartitionError(
      `Both --molecules (${describeValue(molecules)}) and --atoms-per-molecule ` +
        `(${describeValue(atomsPerMolecule)}) were given. Pass only one: --molecules sets how ` +
        'many molecules to cut, --atoms-per-molecule how many atoms each holds.',
    )
  }
  let count: number
  if (molecules !== undefined) {
    count = expectCount(molecules, '--molecules', 1, MOLECULES_HINT)
  } else if (atomsPerMolecule !== undefined) {
    const size = expectCount(
      atomsPerMolecule,
      '--atoms-per-molecule',
      1,
      'Pass how many atoms each molecule holds, e.g. --atoms-per-molecule 100, or leave it out.',
    )
    count = Math.ceil(numAtoms / size)
  } else {
    count = workers * DEFAULT_BATCHES
  }
  return numAtoms === 0 ? 0 : Math.max(1, Math.min(count, numAtoms))
}

/** What to partition and how. */
export interface PartitionOptions extends MoleculeCountOptions {
  /** The partition scheme (`--partition`). */
  readonly scheme: PartitionScheme
  /** One relative cost per atom; required by the `weighted` scheme. */
  readonly costs?: ArrayLike<number> | undefined
}

/**
 * Cut `numAtoms` atoms into molecules with the given scheme, after
 * {@link resolveMoleculeCount}:
 * - `linear`: near-equal atom counts ({@link linParts})
 * - `nested`: atom `i` costs ∝ `i + 1` ({@link nestedParts})
 * - `nested-upper`: atom `i` costs ∝ `numAtoms - i` ({@link nestedParts} upper)
 * - `weighted`: balanced total of `costs` ({@link weightedParts})
 *
 * @returns increasing boundaries from 0 to `numAtoms`; `[0]` (no molecules) when `numAtoms` is 0
 * @throws {@link PartitionError} for an unknown scheme, `weighted` without costs
 *   (or with the wrong number of them), or a bad count
 *
 * @example
 * ```ts
 * partition({ numAtoms: 10, scheme: 'linear', workers: 1 }) // [0, 3, 5, 8, 10]
 * ```
 */
export function partition(options: PartitionOptions): number[] {
  const { numAtoms, scheme, costs } = options
  if (!PARTITION_SCHEMES.includes(scheme)) {
    throw new PartitionError(
      `Expected --partition to be one of ${PARTITION_SCHEMES.join(', ')}, got ${describeValue(scheme)}. ` +
        'Pick one of those; linear is the default.',
    )
  }
  const count = resolveMoleculeCount(options)
  if (scheme === 'weighted') {
    if (costs === undefined || costs === null) {
      throw new PartitionError(
        '--partition weighted needs a cost for every atom, and none were given. Define ' +
          '`cost(atom, index)` on the job, or measure costs on a sample (sampleIndices, then ' +
          'interpolateCosts), or use --partition linear.',
      )
    }
    if (costs.length !== numAtoms) {
      throw new PartitionError(
        `--partition weighted needs one cost per atom: got ${costs.length} costs for ` +
          `${numAtoms} atoms. Pass exactly ${numAtoms} costs (interpolateCosts fills every index).`,
      )
    }
  }
  if (count === 0) return [0]
  switch (scheme) {
    case 'linear':
      return linParts(numAtoms, count)
    case 'nested':
      return nestedParts(numAtoms, count)
    case 'nested-upper':
      return nestedParts(numAtoms, count, true)
    case 'weighted':
      return weightedParts(costs as ArrayLike<number>, count)
  }
}

/**
 * Turn boundaries into molecules: molecule `i` is `[boundaries[i], boundaries[i + 1])`.
 *
 * @param boundaries - strictly increasing integers from 0, e.g. from {@link partition}
 * @returns one molecule per pair of neighbouring boundaries; none for `[0]` or `[]`
 * @throws {@link PartitionError} when the boundaries are not strictly increasing integers from 0
 *
 * @example
 * ```ts
 * toMolecules([0, 3, 5]) // [{ id: 0, start: 0, end: 3 }, { id: 1, start: 3, end: 5 }]
 * ```
 */
export function toMolecules(boundaries: readonly number[]): Molecule[] {
  const molecules: Molecule[] = []
  for (let i = 0; i < boundaries.length; i++) {
    const b = boundaries[i]
    if (!isCount(b, 0)) {
      throw new PartitionError(
        `Expected boundaries[${i}] to be an integer from 0 and up, got ${describeValue(b)}. ` +
          'Pass the output of partition().',
      )
    }
    if (i === 0) continue
    const start = boundaries[i - 1] as number
    if (b <= start) {
      throw new PartitionError(
        `Expected boundaries to increase strictly, got ${start} then ${b} at position ${i}. ` +
          'Pass the output of partition(); an empty molecule has no atoms to run.',
      )
    }
    molecules.push({ id: i - 1, start, end: b })
  }
  return molecules
}
