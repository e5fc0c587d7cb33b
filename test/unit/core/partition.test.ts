import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PartitionError } from '../../../src/core/errors.js'
import {
  DEFAULT_BATCHES,
  linParts,
  nestedParts,
  PARTITION_SCHEMES,
  partition,
  resolveMoleculeCount,
  toMolecules,
} from '../../../src/core/partition.js'
import type { PartitionScheme } from '../../../src/core/types.js'
import { thrown } from '../../helpers/common.js'
import {
  expectValidBoundaries,
  maxMoleculeCost,
  optimalBottleneck,
} from '../../helpers/partition.js'

describe('linParts', () => {
  it('matches the book: linParts(10, 4)', () => {
    // Prepare
    const numAtoms = 10
    const numMolecules = 4

    // Act
    const parts = linParts(numAtoms, numMolecules)

    // Assess
    expect(parts).toEqual([0, 3, 5, 8, 10])
  })

  it('matches numpy ceil(linspace(0, n, min(t, n) + 1))', () => {
    // Prepare
    const cases: [number, number, number[]][] = [
      [1000, 7, [0, 143, 286, 429, 572, 715, 858, 1000]],
      [37, 9, [0, 5, 9, 13, 17, 21, 25, 29, 33, 37]],
      [7, 3, [0, 3, 5, 7]],
      [5, 4, [0, 2, 3, 4, 5]],
      [3, 10, [0, 1, 2, 3]],
    ]

    // Act
    const results = cases.map(([n, t]) => linParts(n, t))

    // Assess
    results.forEach((parts, i) => {
      expect(parts).toEqual(cases[i]?.[2])
    })
  })

  it('gives [0] for no atoms', () => {
    // Prepare
    const numAtoms = 0

    // Act
    const parts = linParts(numAtoms, 4)

    // Assess
    expect(parts).toEqual([0])
  })

  it('cuts exactly min(t, n) molecules, every atom in one of them (property)', () => {
    // Prepare
    const inputs = fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 300 }))

    // Act
    const check = fc.property(inputs, ([n, t]) => {
      const parts = linParts(n, t)

      // Assess
      expectValidBoundaries(parts, n, t)
      expect(parts.length - 1).toBe(Math.min(n, t))
    })

    // Assess
    fc.assert(check)
  })

  it('rejects a molecule count below 1', () => {
    // Prepare
    const numMolecules = 0

    // Act
    const error = thrown(() => linParts(10, numMolecules))

    // Assess
    expect(error).toBeInstanceOf(PartitionError)
    expect(error.message).toBe(
      'Expected numMolecules to be an integer from 1 and up, got 0 (number). ' +
        'Pass a whole number of molecules, e.g. --molecules 64, or leave it out to cut workers × 4.',
    )
  })

  it('rejects a negative atom count', () => {
    // Prepare
    const numAtoms = -1

    // Act
    const error = thrown(() => linParts(numAtoms, 4))

    // Assess
    expect(error).toBeInstanceOf(PartitionError)
    expect(error.message).toBe(
      'Expected numAtoms to be an integer from 0 and up, got -1 (number). ' +
        'The atom source must report a whole, non-negative count.',
    )
  })
})

describe('nestedParts', () => {
  it('matches the book: nestedParts(100, 4) and its upper triangle', () => {
    // Prepare
    const numAtoms = 100

    // Act
    const lower = nestedParts(numAtoms, 4)
    const upper = nestedParts(numAtoms, 4, true)

    // Assess
    expect(lower).toEqual([0, 50, 71, 87, 100])
    expect(upper).toEqual([0, 13, 29, 50, 100])
  })

  it('matches the book’s numpy code on other sizes', () => {
    // Prepare
    const cases: [number, number, number[], number[]][] = [
      [1000, 7, [0, 378, 534, 654, 756, 845, 926, 1000], [0, 74, 155, 244, 346, 466, 622, 1000]],
      [37, 9, [0, 12, 17, 21, 25, 27, 30, 33, 35, 37], [0, 2, 4, 7, 10, 12, 16, 20, 25, 37]],
      [7, 3, [0, 4, 6, 7], [0, 1, 3, 7]],
    ]

    // Act
    const results = cases.map(([n, t]) => [nestedParts(n, t), nestedParts(n, t, true)])

    // Assess
    results.forEach(([lower, upper], i) => {
      expect(lower).toEqual(cases[i]?.[2])
      expect(upper).toEqual(cases[i]?.[3])
    })
  })

  it('drops the duplicate boundaries rounding makes for tiny sizes', () => {
    // Prepare: numpy gives [0, 2, 2, 3] and, upper, [0, 1, 1, 3] for (3, 3)
    const numAtoms = 3

    // Act
    const lower = nestedParts(numAtoms, 3)
    const upper = nestedParts(numAtoms, 3, true)

    // Assess
    expect(lower).toEqual([0, 2, 3])
    expect(upper).toEqual([0, 1, 3])
  })

  it('gives [0] for no atoms', () => {
    // Prepare
    const numAtoms = 0

    // Act
    const parts = nestedParts(numAtoms, 4, true)

    // Assess
    expect(parts).toEqual([0])
  })

  it('puts every atom in one non-empty molecule, lower and upper (property)', () => {
    // Prepare
    const inputs = fc.tuple(
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
    )

    // Act
    const check = fc.property(inputs, ([n, t, upper]) => {
      const parts = nestedParts(n, t, upper)

      // Assess
      expectValidBoundaries(parts, n, t)
    })

    // Assess
    fc.assert(check)
  })

  it('balances the triangular area (property)', () => {
    // Prepare
    const inputs = fc.tuple(fc.integer({ min: 200, max: 5000 }), fc.integer({ min: 2, max: 8 }))

    // Act
    const check = fc.property(inputs, ([n, t]) => {
      const parts = nestedParts(n, t)
      const areas = toMolecules(parts).map(({ start, end }) => {
        let area = 0
        for (let i = start; i < end; i++) area += i + 1
        return area
      })

      // Assess: each molecule within one row (n + 1) of the ideal area
      const ideal = (n * (n + 1)) / 2 / t
      for (const area of areas) expect(Math.abs(area - ideal)).toBeLessThanOrEqual(n + 1)
    })

    // Assess
    fc.assert(check)
  })
})

describe('resolveMoleculeCount', () => {
  it('defaults to workers × DEFAULT_BATCHES', () => {
    // Prepare
    const workers = 8

    // Act
    const count = resolveMoleculeCount({ numAtoms: 1000, workers })

    // Assess
    expect(DEFAULT_BATCHES).toBe(4)
    expect(count).toBe(32)
  })

  it('takes --molecules, or ceil(numAtoms / --atoms-per-molecule)', () => {
    // Prepare
    const numAtoms = 1000

    // Act
    const byCount = resolveMoleculeCount({ numAtoms, workers: 8, molecules: 10 })
    const bySize = resolveMoleculeCount({ numAtoms, workers: 8, atomsPerMolecule: 300 })

    // Assess
    expect(byCount).toBe(10)
    expect(bySize).toBe(4)
  })

  it('caps at numAtoms, and gives 0 for no atoms', () => {
    // Prepare
    const workers = 100

    // Act
    const capped = resolveMoleculeCount({ numAtoms: 7, workers })
    const cappedFlag = resolveMoleculeCount({ numAtoms: 7, workers, molecules: 50 })
    const none = resolveMoleculeCount({ numAtoms: 0, workers })

    // Assess
    expect(capped).toBe(7)
    expect(cappedFlag).toBe(7)
    expect(none).toBe(0)
  })

  it('rejects 0, negative and fractional --molecules with the house message', () => {
    // Prepare
    const bad = [0, -3, 2.5, Number.NaN]

    // Act
    const errors = bad.map((molecules) =>
      thrown(() => resolveMoleculeCount({ numAtoms: 10, workers: 2, molecules })),
    )

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(PartitionError)
    expect(errors.map((e) => e.message)).toEqual(
      ['0 (number)', '-3 (number)', '2.5 (number)', 'NaN (number)'].map(
        (got) =>
          `Expected --molecules to be an integer from 1 and up, got ${got}. ` +
          'Pass a whole number of molecules, e.g. --molecules 64, or leave it out to cut workers × 4.',
      ),
    )
  })

  it('rejects a bad --atoms-per-molecule and a bad --workers', () => {
    // Prepare
    const size = 0
    const workers = 0

    // Act
    const sizeError = thrown(() =>
      resolveMoleculeCount({ numAtoms: 10, workers: 2, atomsPerMolecule: size }),
    )
    const workersError = thrown(() => resolveMoleculeCount({ numAtoms: 10, workers }))

    // Assess
    expect(sizeError).toBeInstanceOf(PartitionError)
    expect(sizeError.message).toBe(
      'Expected --atoms-per-molecule to be an integer from 1 and up, got 0 (number). ' +
        'Pass how many atoms each molecule holds, e.g. --atoms-per-molecule 100, or leave it out.',
    )
    expect(workersError).toBeInstanceOf(PartitionError)
    expect(workersError.message).toBe(
      'Expected --workers to be an integer from 1 and up, got 0 (number). ' +
        'Pass how many workers run at once, e.g. --workers 8.',
    )
  })

  it('rejects --molecules together with --atoms-per-molecule', () => {
    // Prepare
    const options = { numAtoms: 10, workers: 2, molecules: 4, atomsPerMolecule: 3 }

    // Act
    const error = thrown(() => resolveMoleculeCount(options))

    // Assess
    expect(error).toBeInstanceOf(PartitionError)
    expect(error.message).toBe(
      'Both --molecules (4 (number)) and --atoms-per-molecule (3 (number)) were given. ' +
        'Pass only one: --molecules sets how many molecules to cut, ' +
        '--atoms-per-molecule how many atoms each holds.',
    )
  })
})

describe('partition', () => {
  it('dispatches to each scheme with the resolved molecule count', () => {
    // Prepare
    const numAtoms = 100
    const costs = Array.from({ length: numAtoms }, (_, i) => i + 1)

    // Act
    const linear = partition({ numAtoms, scheme: 'linear', workers: 1 })
    const nested = partition({ numAtoms, scheme: 'nested', workers: 1 })
    const upper = partition({ numAtoms, scheme: 'nested-upper', workers: 1 })
    const weighted = partition({ numAtoms, scheme: 'weighted', workers: 1, costs })

    // Assess
    expect(linear).toEqual([0, 25, 50, 75, 100])
    expect(nested).toEqual([0, 50, 71, 87, 100])
    expect(upper).toEqual([0, 13, 29, 50, 100])
    expect(weighted.length).toBe(5)
    expect(maxMoleculeCost(weighted, costs)).toBeLessThanOrEqual(optimalBottleneck(costs, 4))
  })

  it('gives [0] (no molecules) for no atoms, with every scheme', () => {
    // Prepare
    const schemes = PARTITION_SCHEMES

    // Act
    const results = schemes.map((scheme) =>
      partition({ numAtoms: 0, scheme, workers: 4, costs: [] }),
    )

    // Assess
    for (const parts of results) expect(parts).toEqual([0])
    expect(toMolecules([0])).toEqual([])
  })

  it('every scheme covers every atom once in ≤ requested non-empty molecules (property)', () => {
    // Prepare
    const inputs = fc.record({
      numAtoms: fc.integer({ min: 0, max: 2000 }),
      scheme: fc.constantFrom(...PARTITION_SCHEMES),
      workers: fc.integer({ min: 1, max: 64 }),
      molecules: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
      seed: fc.integer(),
    })

    // Act
    const check = fc.property(inputs, ({ numAtoms, scheme, workers, molecules, seed }) => {
      const costs = Array.from({ length: numAtoms }, (_, i) => ((i * 7919 + seed) >>> 0) % 13)
      const parts = partition({ numAtoms, scheme, workers, molecules, costs })

      // Assess
      const requested = molecules ?? workers * DEFAULT_BATCHES
      expectValidBoundaries(parts, numAtoms, requested)
    })

    // Assess
    fc.assert(check)
  })

  it('rejects an unknown scheme, listing the valid ones', () => {
    // Prepare
    const scheme = 'random' as PartitionScheme

    // Act
    const error = thrown(() => partition({ numAtoms: 10, scheme, workers: 1 }))

    // Assess
    expect(error).toBeInstanceOf(PartitionError)
    expect(error.message).toBe(
      'Expected --partition to be one of linear, nested, nested-upper, weighted, ' +
        'got "random" (string). Pick one of those; linear is the default.',
    )
  })

  it('rejects weighted without costs, or with the wrong number of them', () => {
    // Prepare
    const base = { numAtoms: 10, scheme: 'weighted' as const, workers: 1 }

    // Act
    const missing = thrown(() => partition(base))
    const short = thrown(() => partition({ ...base, costs: [1, 2, 3] }))

    // Assess
    expect(missing).toBeInstanceOf(PartitionError)
    expect(missing.message).toBe(
      '--partition weighted needs a cost for every atom, and none were given. Define ' +
        '`cost(atom, index)` on the job, or measure costs on a sample (sampleIndices, then ' +
        'interpolateCosts), or use --partition linear.',
    )
    expect(short).toBeInstanceOf(PartitionError)
    expect(short.message).toBe(
      '--partition weighted needs one cost per atom: got 3 costs for 10 atoms. ' +
        'Pass exactly 10 costs (interpolateCosts fills every index).',
    )
  })
})

describe('toMolecules', () => {
  it('turns boundaries into numbered [start, end) molecules', () => {
    // Prepare
    const boundaries = [0, 3, 5, 8, 10]

    // Act
    const molecules = toMolecules(boundaries)

    // Assess
    expect(molecules).toEqual([
      { id: 0, start: 0, end: 3 },
      { id: 1, start: 3, end: 5 },
      { id: 2, start: 5, end: 8 },
      { id: 3, start: 8, end: 10 },
    ])
  })

  it('rejects boundaries that do not increase, or are not whole numbers', () => {
    // Prepare
    const repeated = [0, 3, 3, 5]
    const fractional = [0, 1.5]

    // Act
    const errors = [thrown(() => toMolecules(repeated)), thrown(() => toMolecules(fractional))]

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(PartitionError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected boundaries to increase strictly, got 3 then 3 at position 2. ' +
        'Pass the output of partition(); an empty molecule has no atoms to run.',
      'Expected boundaries[1] to be an integer from 0 and up, got 1.5 (number). ' +
        'Pass the output of partition().',
    ])
  })
})
