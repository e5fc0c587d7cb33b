import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PartitionError } from '../../../src/core/errors.js'
import { linParts } from '../../../src/core/partition.js'
import { interpolateCosts, sampleIndices, weightedParts } from '../../../src/core/weightedParts.js'
import { thrown } from '../../helpers/common.js'
import {
  expectValidBoundaries,
  maxMoleculeCost,
  optimalBottleneck,
} from '../../helpers/partition.js'

describe('weightedParts', () => {
  it('keeps an expensive tail apart', () => {
    // Prepare
    const costs = [1, 1, 1, 1, 4, 4]

    // Act
    const parts = weightedParts(costs, 2)

    // Assess
    expect(maxMoleculeCost(parts, costs)).toBe(8)
    expect(parts.length - 1).toBe(2)
  })

  it('falls back to linParts when every cost is 0', () => {
    // Prepare
    const costs = new Float64Array(10)

    // Act
    const parts = weightedParts(costs, 4)

    // Assess
    expect(parts).toEqual(linParts(10, 4))
  })

  it('gives [0] for no atoms', () => {
    // Prepare
    const costs: number[] = []

    // Act
    const parts = weightedParts(costs, 4)

    // Assess
    expect(parts).toEqual([0])
  })

  it('cuts min(t, n) non-empty molecules covering every atom once (property)', () => {
    // Prepare
    const inputs = fc.tuple(
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })), {
        maxLength: 400,
      }),
      fc.integer({ min: 1, max: 100 }),
    )

    // Act
    const check = fc.property(inputs, ([costs, t]) => {
      const parts = weightedParts(costs, t)

      // Assess
      expectValidBoundaries(parts, costs.length, t)
      expect(parts.length - 1).toBe(Math.min(t, costs.length))
    })

    // Assess
    fc.assert(check)
  })

  it('reaches the smallest possible bottleneck (property, against dynamic programming)', () => {
    // Prepare
    const inputs = fc.tuple(
      fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 8 }),
    )

    // Act
    const check = fc.property(inputs, ([costs, t]) => {
      const parts = weightedParts(costs, t)

      // Assess
      const optimal = optimalBottleneck(costs, Math.min(t, costs.length))
      expect(maxMoleculeCost(parts, costs)).toBeLessThanOrEqual(optimal * (1 + 1e-9))
    })

    // Assess
    fc.assert(check)
  })

  it('rejects a negative or non-finite cost, naming its index', () => {
    // Prepare
    const negative = [1, 2, -1]
    const nan = [1, Number.NaN]

    // Act
    const errors = [thrown(() => weightedParts(negative, 2)), thrown(() => weightedParts(nan, 2))]

    // Assess
    expect(errors[0]).toBeInstanceOf(PartitionError)
    expect(errors[0]?.message).toBe(
      'Expected costs[2] to be a finite number from 0 and up, got -1 (number). ' +
        'Make the job’s cost(atom, index) return a relative cost such as an estimated run time.',
    )
    expect(errors[1]?.message).toBe(
      'Expected costs[1] to be a finite number from 0 and up, got NaN (number). ' +
        'Make the job’s cost(atom, index) return a relative cost such as an estimated run time.',
    )
  })
})

describe('interpolateCosts', () => {
  it('interpolates linearly between samples', () => {
    // Prepare
    const samples = [
      { index: 0, cost: 1 },
      { index: 4, cost: 5 },
    ]

    // Act
    const costs = interpolateCosts(5, samples)

    // Assess
    expect([...costs]).toEqual([1, 2, 3, 4, 5])
  })

  it('holds the end samples constant beyond them, sorts and averages duplicates', () => {
    // Prepare
    const samples = [
      { index: 6, cost: 10 },
      { index: 2, cost: 2 },
      { index: 2, cost: 4 },
    ]

    // Act
    const costs = interpolateCosts(9, samples)

    // Assess
    expect([...costs]).toEqual([3, 3, 3, 4.75, 6.5, 8.25, 10, 10, 10])
  })

  it('gives an empty array for no atoms', () => {
    // Prepare
    const numAtoms = 0

    // Act
    const costs = interpolateCosts(numAtoms, [])

    // Assess
    expect(costs.length).toBe(0)
  })

  it('rejects no samples, an index out of range and a negative cost', () => {
    // Prepare
    const outOfRange = [{ index: 5, cost: 1 }]
    const negative = [{ index: 1, cost: -2 }]

    // Act
    const errors = [
      thrown(() => interpolateCosts(5, [])),
      thrown(() => interpolateCosts(5, outOfRange)),
      thrown(() => interpolateCosts(5, negative)),
    ]

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(PartitionError)
    expect(errors.map((e) => e.message)).toEqual([
      'Cannot interpolate the costs of 5 atoms from no samples. ' +
        'Measure at least one atom (see sampleIndices).',
      'Expected samples[0].index to be an integer from 0 to 4, got 5 (number).',
      'Expected samples[0].cost to be a finite number from 0 and up, got -2 (number).',
    ])
  })
})

describe('sampleIndices', () => {
  it('spreads indices evenly, first and last included', () => {
    // Prepare
    const numAtoms = 100

    // Act
    const indices = sampleIndices(numAtoms, 5)

    // Assess
    expect(indices).toEqual([0, 25, 50, 74, 99])
  })

  it('gives every index when the sample is at least the atoms, and [] for no atoms', () => {
    // Prepare
    const sampleSize = 10

    // Act
    const all = sampleIndices(4, sampleSize)
    const none = sampleIndices(0, sampleSize)
    const one = sampleIndices(4, 1)

    // Assess
    expect(all).toEqual([0, 1, 2, 3])
    expect(none).toEqual([])
    expect(one).toEqual([0])
  })

  it('gives min(size, n) distinct increasing indices from 0 to n - 1 (property)', () => {
    // Prepare
    const inputs = fc.tuple(fc.integer({ min: 2, max: 100000 }), fc.integer({ min: 2, max: 500 }))

    // Act
    const check = fc.property(inputs, ([n, size]) => {
      const indices = sampleIndices(n, size)

      // Assess
      expect(indices.length).toBe(Math.min(n, size))
      expect(indices[0]).toBe(0)
      expect(indices[indices.length - 1]).toBe(n - 1)
      for (let i = 1; i < indices.length; i++) {
        expect(indices[i]).toBeGreaterThan(indices[i - 1] as number)
      }
    })

    // Assess
    fc.assert(check)
  })

  it('rejects a sample size of 0', () => {
    // Prepare
    const sampleSize = 0

    // Act
    const error = thrown(() => sampleIndices(10, sampleSize))

    // Assess
    expect(error).toBeInstanceOf(PartitionError)
    expect(error.message).toBe(
      'Expected sampleSize to be an integer from 1 and up, got 0 (number). Measure at least one atom.',
    )
  })
})
