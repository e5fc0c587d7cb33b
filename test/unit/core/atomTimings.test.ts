import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  billedCurves,
  interpolationError,
  summariseTimings,
  sumOverRange,
} from '../../../src/core/atomTimings.js'
import { interpolateCosts } from '../../../src/core/weightedParts.js'

describe('sumOverRange', () => {
  it('sums a line exactly: 1 + 2 + 3 + 4 + 5', () => {
    const points = [
      { index: 0, cost: 1 },
      { index: 4, cost: 5 },
    ]
    expect(sumOverRange(points, 0, 5)).toBe(15)
    expect(sumOverRange(points, 1, 3)).toBe(5) // 2 + 3
    expect(sumOverRange(points, 3, 3)).toBe(0)
  })

  it('holds the first and last costs beyond the sampled points', () => {
    const points = [
      { index: 2, cost: 10 },
      { index: 4, cost: 20 },
    ]
    // atoms 0..6: 10, 10, 10, 15, 20, 20, 20
    expect(sumOverRange(points, 0, 7)).toBe(105)
  })

  it('equals summing the per-atom interpolation, for any points and range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 299 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (n, rawIndices, costs, a, b) => {
          const indices = [...new Set(rawIndices.map((i) => i % n))].sort((x, y) => x - y)
          const points = indices.map((index, k) => ({ index, cost: costs[k] as number }))
          const start = Math.min(a, b) % (n + 1)
          const end = Math.min(n, Math.max(start, Math.max(a, b) % (n + 1)))
          const each = interpolateCosts(n, points)
          let expected = 0
          for (let i = start; i < end; i++) expected += each[i] as number
          expect(sumOverRange(points, start, end)).toBeCloseTo(expected, 6)
        },
      ),
    )
  })
})

describe('interpolationError', () => {
  it('is 0 for costs on a line, which interpolation follows exactly', () => {
    const points = [0, 10, 20, 30, 40].map((index) => ({ index, cost: 1 + index }))
    expect(interpolationError(points)).toBe(0)
  })

  it('grows with costs interpolation cannot follow, as rms / √(1.5 n)', () => {
    // Prepare: alternating 1, 3, 1, 3, 1: each interior point is predicted from its neighbours
    const points = [1, 3, 1, 3, 1].map((cost, k) => ({ index: k * 10, cost }))
    // residuals: (3-1)/1 = 2, (1-3)/3 = -2/3, (3-1)/1 = 2
    const rms = Math.sqrt((4 + 4 / 9 + 4) / 3)
    expect(interpolationError(points)).toBeCloseTo(rms / Math.sqrt(1.5 * 5), 12)
  })

  it('is 0 with fewer than 3 points', () => {
    expect(interpolationError([{ index: 0, cost: 1 }])).toBe(0)
  })
})

describe('billedCurves and summariseTimings', () => {
  const compute = [
    {
      index: 0,
      passes: [
        { wallMs: 2, cpuMs: 1.9 },
        { wallMs: 3, cpuMs: 2.1 },
        { wallMs: 2.2, cpuMs: 2 },
      ],
    },
    {
      index: 9,
      passes: [
        { wallMs: 4, cpuMs: 4 },
        { wallMs: 4.4, cpuMs: 4.2 },
        { wallMs: 4.1, cpuMs: 4.1 },
      ],
    },
  ]

  it('bills CPU time slowed by the CPU share for compute-bound atoms', () => {
    // Act: at half a vCPU
    const c = billedCurves(compute, 2)
    // Assess: low = fastest CPU pass × 2, mid = median, high = slowest wall pass × 2
    expect(summariseTimings(compute).ioBound).toBe(false)
    expect(c.low[0]?.cost).toBeCloseTo(3.8)
    expect(c.mid[0]?.cost).toBeCloseTo(4)
    expect(c.high[0]?.cost).toBeCloseTo(6)
    expect(c.mid[1]?.cost).toBeCloseTo(8.2)
  })

  it("bills an I/O-bound atom's wait as it is, and only its CPU time slowed", () => {
    // Prepare: 10 ms of wall time, 1 ms of CPU
    const io = [{ index: 0, passes: [{ wallMs: 10, cpuMs: 1 }] }]
    // Act
    const c = billedCurves(io, 4)
    // Assess
    expect(summariseTimings(io)).toMatchObject({ ioBound: true, waitShare: 0.9 })
    expect(c.mid[0]?.cost).toBeCloseTo(1 * 4 + 9)
    expect(c.high[0]?.cost).toBeCloseTo(1 * 4 + 9)
  })
})
