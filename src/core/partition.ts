import { describeValue, PartitionError } from './errors.js'
import { ATOMS_HINT, expectCount, isCount, linParts, MOLECULES_HINT, nestedParts } from './parts.js'
import { type Molecule, PARTITION_SCHEMES, type PartitionScheme } from './types.js'
import { weightedParts } from './weightedParts.js'

export { linParts, nestedParts } from './parts.js'
export { PARTITION_SCHEMES } from './types.js'

/**
 * Molecules per worker when neither `--molecules` nor `--atoms-per-molecule` is
 * given: mpPandasObj's `mpBatches`. More molecules than workers lets a fast
 * worker pick up the slack of a slow one.
 */
export const DEFAULT_BATCHES = 4

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
