import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bottleneck,
  costsFromSample,
  MIN_WEIGHTED_GAIN,
  preferLinearUnlessBetter,
} from '../../../src/core/costModel.js'
import { linParts } from '../../../src/core/parts.js'
import { mulberry32 } from '../../../src/core/random.js'
import { sampleIndices, weightedParts } from '../../../src/core/weightedParts.js'

describe('costsFromSample', () => {
  it('calls atoms uniform when the points differ by no more than timing noise', () => {
    // Prepare: equal true costs, each timing off by up to 20% (GC, a busy neighbour core)
    const random = mulberry32(7)
    const points = sampleIndices(2300, 32).map((index) => ({
      index,
      times: [1 + 0.2 * random(), 1 + 0.2 * random()],
    }))
    // Act
    const sampled = costsFromSample(2300, points)
    // Assess
    expect(sampled.uniform).toBe(true)
    expect(new Set(sampled.costs).size).toBe(1)
  })

  it('keeps a real gradient, from the faster timing of each point', () => {
    const points = sampleIndices(100, 5).map((index) => ({
      index,
      times: [1 + index / 10, 5 + index / 10, 2 + index / 10],
    }))
    const sampled = costsFromSample(100, points)
    expect(sampled.uniform).toBe(false)
    expect(sampled.costs[0]).toBe(1)
    expect(sampled.costs[99]).toBeCloseTo(10.9)
    expect(sampled.spread).toBeCloseTo(10.9)
    expect(sampled.agreement).toBeCloseTo(1)
  })

  it('calls atoms uniform when the passes do not agree on which points cost more', () => {
    // Prepare: a loaded machine: every timing anywhere from 1× to 4×, independently per pass
    const random = mulberry32(11)
    const points = sampleIndices(2300, 32).map((index) => ({
      index,
      times: [1 + 3 * random(), 1 + 3 * random(), 1 + 3 * random()],
    }))
    // Act
    const sampled = costsFromSample(2300, points)
    // Assess: the fastest timings still spread by more than 25%, but no pass reproduces another
    expect(sampled.spread).toBeGreaterThan(1.25)
    expect(Math.abs(sampled.agreement)).toBeLessThan(0.5)
    expect(sampled.uniform).toBe(true)
  })

  it('needs a spread above three times the noise when timing is noisier than 25%', () => {
    // the passes disagree by about 50%: a spread of 1.9× is still noise
    const points = [0, 50, 99].map((index, k) => ({
      index,
      times: [[1, 1.9, 1.2][k] as number, [2, 3.8, 2.4][k] as number],
    }))
    expect(costsFromSample(100, points).uniform).toBe(true)
  })
})

describe('preferLinearUnlessBetter', () => {
  it('keeps linear on costs that are equal, whatever the weighted cut does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 64 }), (n, m) => {
        const costs = new Float64Array(n).fill(0.37)
        const weighted = weightedParts(costs, m)
        const chosen = preferLinearUnlessBetter(costs, weighted, m)
        expect(chosen.boundaries).toEqual(linParts(n, m))
      }),
    )
  })

  it('keeps the weighted cut when it beats linear by more than the margin', () => {
    const costs = Float64Array.from({ length: 1000 }, (_, i) => i + 1)
    const weighted = weightedParts(costs, 8)
    const chosen = preferLinearUnlessBetter(costs, weighted, 8)
    expect(chosen.linear).toBe(false)
    expect(bottleneck(costs, chosen.boundaries)).toBeLessThan(
      (1 - MIN_WEIGHTED_GAIN) * bottleneck(costs, linParts(1000, 8)),
    )
  })
})
