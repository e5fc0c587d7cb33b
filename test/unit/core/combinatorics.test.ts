import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { binomial, combinations } from '../../../src/core/combinatorics.js'
import { thrown } from '../../helpers/common.js'

describe('binomial and combinations', () => {
  it('counts and lists combinations in lexicographic order', () => {
    // Prepare
    const n = 4
    const k = 2

    // Act
    const list = combinations(n, k)

    // Assess
    expect(binomial(6, 2)).toBe(15)
    expect(binomial(5, 0)).toBe(1)
    expect(binomial(5, 6)).toBe(0)
    expect(binomial(50, 25)).toBe(126410606437752)
    expect(list).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ])
    expect(combinations(3, 0)).toEqual([[]])
  })

  it('lists C(n, k) distinct increasing combinations, sorted (property)', () => {
    // Prepare
    const inputs = fc
      .integer({ min: 0, max: 10 })
      .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })))

    // Act
    const check = fc.property(inputs, ([n, k]) => {
      const list = combinations(n, k)

      // Assess
      expect(list.length).toBe(binomial(n, k))
      const keys = list.map((c) => c.join(','))
      expect(new Set(keys).size).toBe(list.length)
      for (const c of list) {
        for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThan(c[i - 1] as number)
      }
      for (let s = 1; s < list.length; s++) {
        const a = list[s - 1] as number[]
        const b = list[s] as number[]
        const i = a.findIndex((v, j) => v !== b[j])
        expect((a[i] as number) < (b[i] as number)).toBe(true)
      }
    })

    // Assess
    fc.assert(check)
  })

  it('rejects bad arguments', () => {
    // Prepare
    const calls = [() => combinations(3, 4), () => binomial(-1, 0), () => binomial(3, 0.5)]

    // Act
    const errors = calls.map(thrown)

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(RangeError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected k to be an integer from 0 to n (3), got 4 (number).',
      'Expected n to be an integer from 0 and up, got -1 (number).',
      'Expected k to be an integer, got 0.5 (number).',
    ])
  })
})
