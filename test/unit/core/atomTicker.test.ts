import { describe, expect, it } from 'vitest'
import { AtomTicker } from '../../../src/core/atomTicker.js'

/** A clock the test moves by hand. */
function clock(start = 0) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('AtomTicker', () => {
  it('reports after each slow atom that ends past the interval, and counts every atom', () => {
    // Prepare
    const c = clock()
    const ticker = new AtomTicker({ intervalMs: 250, now: c.now })
    const reports: number[] = []

    // Act: atoms of 100 ms each
    for (let i = 0; i < 10; i++) {
      c.advance(100)
      const n = ticker.tick()
      if (n !== undefined) reports.push(n)
    }

    // Assess: at 300, 600, 900 ms (the first atom past each 250 ms since the last report)
    expect(reports).toEqual([3, 6, 9])
    expect(ticker.count).toBe(10)
  })

  it('reports at most once per interval however fast the atoms, reading the clock rarely', () => {
    // Prepare
    const c = clock()
    let looks = 0
    const ticker = new AtomTicker({
      intervalMs: 250,
      now: () => {
        looks++
        return c.now()
      },
    })
    let reports = 0

    // Act: 1,000,000 atoms of 1 µs (1 s in all)
    for (let i = 0; i < 1_000_000; i++) {
      c.advance(0.001)
      if (ticker.tick() !== undefined) reports++
    }

    // Assess
    expect(reports).toBeGreaterThanOrEqual(3)
    expect(reports).toBeLessThanOrEqual(4)
    expect(looks).toBeLessThan(5000)
  })

  it('refuses a negative interval, naming it', () => {
    expect(() => new AtomTicker({ intervalMs: -1 })).toThrow(
      'Expected intervalMs to be a number from 0 and up, got -1',
    )
  })
})
