import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grid, list, range } from '../../../src/core/sources.js'
import type { AtomSource } from '../../../src/core/types.js'
import { thrown } from '../../helpers/common.js'

function all<A>(source: AtomSource<A>): A[] {
  return Array.from({ length: source.count }, (_, i) => source.at(i))
}

/** Python's range, written the obvious way. */
function pythonRange(start: number, end: number, step: number): number[] {
  const out: number[] = []
  if (step > 0) for (let v = start; v < end; v += step) out.push(v)
  else for (let v = start; v > end; v += step) out.push(v)
  return out
}

describe('range', () => {
  it('range(end) counts from 0', () => {
    // Prepare
    const end = 5

    // Act
    const source = range(end)

    // Assess
    expect(source.count).toBe(5)
    expect(all(source)).toEqual([0, 1, 2, 3, 4])
  })

  it('range(start, end, step) follows Python, negative steps included', () => {
    // Prepare
    const cases: [number, number, number, number[]][] = [
      [2, 5, 1, [2, 3, 4]],
      [0, 10, 3, [0, 3, 6, 9]],
      [10, 0, -3, [10, 7, 4, 1]],
      [5, 5, 1, []],
      [5, 2, 1, []],
      [-3, 3, 2, [-3, -1, 1]],
    ]

    // Act
    const results = cases.map(([start, end, step]) => all(range(start, end, step)))

    // Assess
    results.forEach((values, i) => {
      expect(values).toEqual(cases[i]?.[3])
    })
  })

  it('a negative end gives no atoms', () => {
    // Prepare
    const end = -4

    // Act
    const source = range(end)

    // Assess
    expect(source.count).toBe(0)
  })

  it('matches Python’s range for any integers (property)', () => {
    // Prepare
    const inputs = fc.tuple(
      fc.integer({ min: -200, max: 200 }),
      fc.integer({ min: -200, max: 200 }),
      fc.integer({ min: -20, max: 20 }).filter((s) => s !== 0),
    )

    // Act
    const check = fc.property(inputs, ([start, end, step]) => {
      const values = all(range(start, end, step))

      // Assess
      expect(values).toEqual(pythonRange(start, end, step))
    })

    // Assess
    fc.assert(check)
  })

  it('rejects a zero step and non-integer bounds', () => {
    // Prepare
    const zeroStep = () => range(0, 10, 0)
    const fractional = () => range(0.5)
    const fractionalStep = () => range(0, 10, 1.5)

    // Act
    const errors = [thrown(zeroStep), thrown(fractional), thrown(fractionalStep)]

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(RangeError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected range step to be a non-zero integer, got 0 (number).',
      'Expected range end to be an integer, got 0.5 (number).',
      'Expected range step to be an integer, got 1.5 (number).',
    ])
  })
})

describe('list', () => {
  it('gives the items in order', () => {
    // Prepare
    const items = ['AAPL', 'MSFT', 'NVDA']

    // Act
    const source = list(items)

    // Assess
    expect(source.count).toBe(3)
    expect(all(source)).toEqual(items)
    expectTypeOf(source).toEqualTypeOf<AtomSource<string>>()
  })

  it('rejects something that is not an array', () => {
    // Prepare
    const notArray = 'abc' as unknown as string[]

    // Act
    const error = thrown(() => list(notArray))

    // Assess
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe('Expected list() to get an array, got "abc" (string).')
  })
})

describe('grid', () => {
  it('varies the last axis fastest, like itertools.product', () => {
    // Prepare
    const axes = { fast: [5, 10], slow: [20, 50, 100] }

    // Act
    const source = grid(axes)

    // Assess
    expect(source.count).toBe(6)
    expect(all(source)).toEqual([
      { fast: 5, slow: 20 },
      { fast: 5, slow: 50 },
      { fast: 5, slow: 100 },
      { fast: 10, slow: 20 },
      { fast: 10, slow: 50 },
      { fast: 10, slow: 100 },
    ])
  })

  it('keeps the axes in key order in every atom', () => {
    // Prepare
    const axes = { b: [1, 2], a: ['x'], c: [true, false] }

    // Act
    const atom = grid(axes).at(3)

    // Assess
    expect(Object.keys(atom)).toEqual(['b', 'a', 'c'])
    expect(atom).toEqual({ b: 2, a: 'x', c: false })
  })

  it('has no atoms when an axis is empty, and one empty atom with no axes', () => {
    // Prepare
    const withEmpty = { fast: [1, 2], slow: [] as number[] }

    // Act
    const empty = grid(withEmpty)
    const noAxes = grid({})

    // Assess
    expect(empty.count).toBe(0)
    expect(noAxes.count).toBe(1)
    expect(noAxes.at(0)).toEqual({})
  })

  it('enumerates the whole product, each combination once (property)', () => {
    // Prepare
    const inputs = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 })

    // Act
    const check = fc.property(inputs, (lengths) => {
      const axes = Object.fromEntries(
        lengths.map((length, k) => [`axis${k}`, Array.from({ length }, (_, i) => i)]),
      )
      const source = grid(axes)
      const atoms = all(source)

      // Assess
      expect(source.count).toBe(lengths.reduce((p, l) => p * l, 1))
      const keys = atoms.map((a) => lengths.map((_, k) => a[`axis${k}`]).join(','))
      expect(new Set(keys).size).toBe(atoms.length)
      const sorted = [...keys].sort((x, y) => {
        const a = x.split(',').map(Number)
        const b = y.split(',').map(Number)
        for (let i = 0; i < a.length; i++)
          if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
        return 0
      })
      expect(keys).toEqual(sorted)
    })

    // Assess
    fc.assert(check)
  })

  it('infers the atom type from the axes', () => {
    // Prepare
    const axes = { fast: [5, 10], name: ['a', 'b'] }

    // Act
    const source = grid(axes)

    // Assess
    expectTypeOf(source.at(0)).toEqualTypeOf<{ fast: number; name: string }>()
    expectTypeOf(grid({ k: [1, 2] as const }).at(0)).toEqualTypeOf<{ k: 1 | 2 }>()
  })

  it('rejects an axis that is not an array', () => {
    // Prepare
    const axes = { fast: 5 } as unknown as Record<string, number[]>

    // Act
    const error = thrown(() => grid(axes))

    // Assess
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe('Expected grid axis "fast" to be an array, got 5 (number).')
  })
})

describe('at', () => {
  it('rejects an index out of range or not an integer, naming it and the count', () => {
    // Prepare
    const sources: AtomSource<unknown>[] = [range(10), list([1, 2]), grid({ a: [1], b: [2, 3] })]

    // Act
    const errors = [
      thrown(() => sources[0]?.at(10)),
      thrown(() => sources[0]?.at(-1)),
      thrown(() => sources[1]?.at(0.5)),
      thrown(() => sources[2]?.at(Number.NaN)),
      thrown(() => range(0).at(0)),
    ]

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(RangeError)
    expect(errors.map((e) => e.message)).toEqual([
      'Atom index 10 (number) is out of range: the source has 10 atoms (valid indices are 0 to 9).',
      'Atom index -1 (number) is out of range: the source has 10 atoms (valid indices are 0 to 9).',
      'Atom index 0.5 (number) is not an integer: the source has 2 atoms (valid indices are 0 to 1).',
      'Atom index NaN (number) is not an integer: the source has 2 atoms (valid indices are 0 to 1).',
      'Atom index 0 (number) is out of range: the source has 0 atoms (it has no valid index).',
    ])
  })
})
