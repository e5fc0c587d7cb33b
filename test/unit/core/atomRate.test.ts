import { describe, expect, it } from 'vitest'
import { AtomRate } from '../../../src/core/atomRate.js'

describe('AtomRate', () => {
  it('is the plain rate of a steady run, from its second sample on', () => {
    // Prepare
    const r = new AtomRate({ halfLifeMs: 10_000 })

    // Act
    r.sample(0, 0)
    const before = r.perSecond
    for (let t = 250; t <= 5000; t += 250) r.sample(t, t / 10)

    // Assess: 100 atoms/s, no bias towards 0 at the start
    expect(before).toBe(0)
    expect(r.perSecond).toBeCloseTo(100, 9)
    expect(r.remainingMs(500, 1500)).toBeCloseTo(10_000, 6)
  })

  it('follows a change of pace within a few half-lives, unlike the average since the start', () => {
    // Prepare: 10 atoms/s for 60 s, then 100 atoms/s for 10 s
    const r = new AtomRate({ halfLifeMs: 2000 })
    let atoms = 0
    r.sample(0, 0)
    for (let t = 1000; t <= 60_000; t += 1000) {
      atoms += 10
      r.sample(t, atoms)
    }
    for (let t = 61_000; t <= 70_000; t += 1000) {
      atoms += 100
      r.sample(t, atoms)
    }

    // Assess: the weighted rate is near 100; the average since the start is 22.9
    expect(r.perSecond).toBeGreaterThan(95)
    expect((atoms / 70_000) * 1000).toBeCloseTo(22.86, 1)
  })

  it('weighs uneven samples by their length: a burst every 5 s is 20 atoms/s, not a spike', () => {
    const r = new AtomRate()
    r.sample(0, 0)
    for (let t = 5000; t <= 30_000; t += 5000) r.sample(t, t / 50)
    expect(r.perSecond).toBeCloseTo(20, 9)
  })

  it('adds no throughput when the count goes down (a crashed attempt), and counts the rerun', () => {
    const r = new AtomRate()
    r.sample(0, 0)
    r.sample(1000, 50)
    r.sample(2000, 20) // an attempt with 30 atoms done crashed
    r.sample(3000, 70)
    // 50 + 0 + 50 atoms in 3 s
    expect(r.perSecond).toBeCloseTo(33.33, 1)
  })

  it('has no time left when done, and none known at a rate of 0', () => {
    const r = new AtomRate()
    r.sample(0, 0)
    expect(r.remainingMs(0, 10)).toBeUndefined()
    expect(r.remainingMs(10, 10)).toBe(0)
  })

  it('ignores a sample out of time order', () => {
    const r = new AtomRate()
    r.sample(1000, 0)
    r.sample(2000, 10)
    r.sample(500, 99)
    expect(r.perSecond).toBeCloseTo(10, 9)
  })
})
