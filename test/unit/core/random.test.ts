import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gaussian, mulberry32 } from '../../../src/core/random.js'

/** The first `n` draws of `next`. */
function draws(next: () => number, n: number): number[] {
  return Array.from({ length: n }, () => next())
}

describe('mulberry32', () => {
  it('gives the same sequence for the same seed', () => {
    // Prepare
    const seed = 1234

    // Act
    const a = draws(mulberry32(seed), 100)
    const b = draws(mulberry32(seed), 100)

    // Assess
    expect(a).toEqual(b)
    expect(draws(mulberry32(seed + 1), 100)).not.toEqual(a)
  })

  it('keeps its known first values (the examples depend on them, bit for bit)', () => {
    // Prepare
    const rand42 = mulberry32(42)
    const rand0 = mulberry32(0)

    // Act
    const first42 = draws(rand42, 4)
    const first0 = draws(rand0, 3)

    // Assess
    expect(first42).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693,
    ])
    expect(first0).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197])
  })

  it('returns uniforms in [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Act
        const values = draws(mulberry32(seed), 50)

        // Assess
        for (const v of values) {
          expect(v).toBeGreaterThanOrEqual(0)
          expect(v).toBeLessThan(1)
        }
      }),
    )
  })
})

describe('gaussian', () => {
  it('keeps its known first values from mulberry32(42)', () => {
    // Prepare
    const normal = gaussian(mulberry32(42))

    // Act
    const first = draws(normal, 3)

    // Assess
    expect(first).toEqual([-1.2848381576290195, -0.9453528099747296, -0.6112802846514629])
  })

  it('draws finite values with a mean near 0 and a variance near 1', () => {
    // Prepare
    const normal = gaussian(mulberry32(7))

    // Act
    const values = draws(normal, 20_000)
    const mean = values.reduce((s, v) => s + v, 0) / values.length
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length

    // Assess
    expect(values.every(Number.isFinite)).toBe(true)
    expect(Math.abs(mean)).toBeLessThan(0.05)
    expect(Math.abs(variance - 1)).toBeLessThan(0.05)
  })

  it('stays finite when the uniform returns 0', () => {
    // Prepare
    const normal = gaussian(() => 0)

    // Act
    const value = normal()

    // Assess
    expect(Number.isFinite(value)).toBe(true)
  })
})
