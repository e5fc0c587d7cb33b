import { describeValue, PartitionError } from './errors.js'

/**
 * The book's partition schemes (AFML ch. 20, snippets 20.5 and 20.6) and the
 * count checks every partitioner shares.
 *
 * @module
 */

/** True when `value` is a safe integer from `min` and up. */
export function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min
}

/**
 * `value` when it is a safe integer from `min` and up; for the partitioners.
 *
 * @throws {@link PartitionError} naming `name`, with `hint`, otherwise
 * @internal
 */
export function expectCount(value: unknown, name: string, min: number, hint: string): number {
  if (isCount(value, min)) return value
  throw new PartitionError(
    `Expected ${name} to be an integer from ${min} and up, got ${describeValue(value)}. ${hint}`,
  )
}

/** Hint of the error for a bad atom count. @internal */
export const ATOMS_HINT = 'The atom source must report a whole, non-negative count.'
/** Hint of the error for a bad molecule count. @internal */
export const MOLECULES_HINT =
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
