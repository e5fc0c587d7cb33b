import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addClose, features, merge, type Stretch } from '../../../examples/asset-features.js'

/** The features of a series computed directly, as a reader would by hand. */
function direct(closes: readonly number[]) {
  const r = closes.slice(1).map((c, i) => Math.log(c / (closes[i] as number)))
  const mean = r.reduce((a, b) => a + b, 0) / r.length
  const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length
  let peak = closes[0] as number
  let worst = 0
  for (const c of closes) {
    peak = Math.max(peak, c)
    worst = Math.max(worst, 1 - c / peak)
  }
  return {
    totalReturn: (closes[closes.length - 1] as number) / (closes[0] as number) - 1,
    volatility: Math.sqrt(variance) * Math.sqrt(252),
    sharpe: (mean / Math.sqrt(variance)) * Math.sqrt(252),
    maxDrawdown: worst,
  }
}

describe('asset-features stretches', () => {
  it('give the whole series’ features however the series is cut into chunks (property)', () => {
    // Prepare
    const inputs = fc.record({
      closes: fc.array(fc.double({ min: 1, max: 500, noNaN: true }), {
        minLength: 3,
        maxLength: 80,
      }),
      cuts: fc.array(fc.integer({ min: 1, max: 79 }), { maxLength: 6 }),
    })

    // Act
    const check = fc.property(inputs, ({ closes, cuts }) => {
      const borders = [...new Set(cuts.filter((c) => c < closes.length))].sort((a, b) => a - b)
      const pieces = [0, ...borders, closes.length]
        .slice(0, -1)
        .map((from, i, all) => closes.slice(from, [...all.slice(1), closes.length][i]))
      const stretches = pieces.map((piece) =>
        piece.reduce<Stretch | undefined>((s, c, d) => addClose(s, 'A', `d${d}`, c), undefined),
      ) as Stretch[]
      const merged = stretches.reduce((a, b) => merge(a, b))
      const got = features(merged)
      const want = direct(closes)

      // Assess
      expect(got.days).toBe(closes.length)
      expect(got.totalReturn).toBeCloseTo(want.totalReturn, 9)
      expect(got.volatility).toBeCloseTo(want.volatility, 6)
      if (Number.isFinite(want.sharpe) && want.volatility > 1e-9)
        expect(got.sharpe).toBeCloseTo(want.sharpe, 6)
      expect(got.maxDrawdown).toBeCloseTo(want.maxDrawdown, 9)
    })

    // Assess
    fc.assert(check, { numRuns: 300 })
  })
})
