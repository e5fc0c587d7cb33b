import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { combinations } from '../../../src/core/combinatorics.js'
import { type CpcvOptions, cpcv, MAX_CPCV_SPLITS } from '../../../src/core/cpcv.js'
import { UsageError } from '../../../src/core/errors.js'
import { linParts } from '../../../src/core/partition.js'
import { rangeArray, thrown } from '../../helpers/common.js'

describe('cpcv layout', () => {
  it('N = 6, k = 2: 15 splits, 5 paths, 6 near-equal contiguous groups', () => {
    // Prepare
    const options = { observations: 600, groups: 6, testGroups: 2 }

    // Act
    const source = cpcv(options)

    // Assess
    expect(source.splits).toBe(15)
    expect(source.count).toBe(15)
    expect(source.pathCount).toBe(5)
    expect(source.embargoSize).toBe(0)
    const bounds = linParts(600, 6)
    expect(source.groupBounds).toEqual(
      rangeArray(0, 6).map((g) => ({ group: g, start: bounds[g], end: bounds[g + 1] })),
    )
  })

  it('assigns path j of group g to the j-th split (lexicographic) that tests g', () => {
    // Prepare
    const source = cpcv({ observations: 60, groups: 6, testGroups: 2 })

    // Act
    const assignment = source.pathAssignment

    // Assess
    const seen = new Array<number>(6).fill(0)
    combinations(6, 2).forEach((combo, s) => {
      expect(assignment[s]?.map((slot) => slot.group)).toEqual(combo)
      for (const slot of assignment[s] ?? []) {
        expect(slot.path).toBe(seen[slot.group])
        seen[slot.group] = (seen[slot.group] as number) + 1
      }
    })
    expect(seen).toEqual([5, 5, 5, 5, 5, 5])
    expect(source.at(9).paths).toEqual([
      { group: 2, path: 2, start: 20, end: 30 },
      { group: 3, path: 2, start: 30, end: 40 },
    ])
  })

  it('without spans or embargo, trains on exactly the groups it does not test', () => {
    // Prepare
    const source = cpcv({ observations: 61, groups: 6, testGroups: 2 })

    // Act
    const split = source.at(9)

    // Assess
    const [g2, g3] = [source.groupBounds[2], source.groupBounds[3]]
    const test = [
      ...rangeArray(g2?.start ?? 0, g2?.end ?? 0),
      ...rangeArray(g3?.start ?? 0, g3?.end ?? 0),
    ]
    expect(split.split).toBe(9)
    expect(split.testGroups).toEqual([2, 3])
    expect([...split.test]).toEqual(test)
    expect([...split.train]).toEqual(rangeArray(0, 61).filter((i) => !test.includes(i)))
    expect(split.purged).toBe(0)
    expect(split.embargoed).toBe(0)
  })
})

describe('purging and embargo', () => {
  it('purges training observations whose label spans overlap a tested span', () => {
    // Prepare: labels span 3 observations ahead; observation 5's label reaches into group 2
    const t0 = rangeArray(0, 60)
    const t1 = t0.map((i) => i + 3)
    t1[5] = 25
    const source = cpcv({ observations: 60, groups: 6, testGroups: 2, labelSpans: { t0, t1 } })

    // Act
    const split = source.at(9) // tests groups 2 and 3: observations 20..39

    // Assess
    const purged = [5, 17, 18, 19, 40, 41, 42]
    const train = [...split.train]
    for (const obs of purged) expect(train).not.toContain(obs)
    expect(split.purged).toBe(purged.length)
    expect(train).toEqual(
      rangeArray(0, 60).filter((i) => (i < 20 || i >= 40) && !purged.includes(i)),
    )
  })

  it('embargoes the h = ceil(embargo · T) observations after each tested group', () => {
    // Prepare
    const source = cpcv({ observations: 100, groups: 5, testGroups: 2, embargo: 0.05 })

    // Act
    const split = source.at(2) // tests groups 0 and 3: 0..19 and 60..79

    // Assess
    expect(source.embargoSize).toBe(5)
    expect(split.testGroups).toEqual([0, 3])
    const embargoed = [...rangeArray(20, 25), ...rangeArray(80, 85)]
    expect(split.embargoed).toBe(10)
    expect([...split.train]).toEqual(
      rangeArray(0, 100).filter((i) => !(i < 20 || (i >= 60 && i < 80)) && !embargoed.includes(i)),
    )
    expect(cpcv({ observations: 100, groups: 5, testGroups: 1, embargo: 0.07 }).embargoSize).toBe(7)
  })

  it('starts the embargo where the tested labels end, as PurgedKFold (AFML 7.3)', () => {
    // Prepare: each label spans 5 bars, so test group 0 (0..19) touches bars up to 24
    const T = 100
    const t0 = rangeArray(0, T)
    const t1 = t0.map((i) => i + 5)
    const source = cpcv({
      observations: T,
      groups: 5,
      testGroups: 1,
      embargo: 0.03,
      labelSpans: { t0, t1 },
    })

    // Act
    const split = source.at(0)

    // Assess: 20..24 overlap the tested labels (purged); the embargo covers
    // bars 24, 25, 26, so training resumes at maxT1Idx + h = 24 + 3 = 27. An
    // embargo counted from the block's end (20, 21, 22) would remove nothing
    expect(split.testGroups).toEqual([0])
    expect(split.purged).toBe(5)
    expect(split.embargoed).toBe(2)
    expect([...split.train]).toEqual(rangeArray(27, 100))
  })

  it('embargoes once after a block of adjacent tested groups, from its last label', () => {
    // Prepare: groups 1 and 2 (20..59) are tested together; labels span 10 bars
    const T = 100
    const t0 = rangeArray(0, T)
    const t1 = t0.map((i) => i + 10)
    const source = cpcv({
      observations: T,
      groups: 5,
      testGroups: 2,
      embargo: 0.04,
      labelSpans: { t0, t1 },
    })

    // Act
    const split = source.at(4) // tests groups 1 and 2

    // Assess: purged 10..19 (before) and 60..69 (after); the block's labels
    // end at bar 69, so the embargo is 69..72, of which 70, 71, 72 were left
    expect(split.testGroups).toEqual([1, 2])
    expect(split.purged).toBe(20)
    expect(split.embargoed).toBe(3)
    expect([...split.train]).toEqual([...rangeArray(0, 10), ...rangeArray(73, 100)])
  })

  it('purges exactly, per observation, and embargoes (property, against brute force)', () => {
    // Prepare
    const inputs = fc.integer({ min: 2, max: 6 }).chain((groups) =>
      fc.record({
        groups: fc.constant(groups),
        testGroups: fc.integer({ min: 1, max: groups - 1 }),
        embargo: fc.constantFrom(0, 0.02, 0.1),
        spans: fc.array(
          fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 8 })),
          { minLength: groups, maxLength: 60 },
        ),
      }),
    )

    // Act
    const check = fc.property(inputs, ({ groups, testGroups, embargo, spans }) => {
      const T = spans.length
      const t0 = spans.map(([start]) => start)
      const t1 = spans.map(([start, length]) => start + length)
      const source = cpcv({ observations: T, groups, testGroups, embargo, labelSpans: { t0, t1 } })
      const h = Math.ceil(Number((embargo * T).toPrecision(12)))

      // Assess
      for (let s = 0; s < source.count; s++) {
        const split = source.at(s)
        const test = new Set(split.test)
        const expected = rangeArray(0, T).filter((i) => {
          if (test.has(i)) return false
          const a = t0[i] as number
          const b = t1[i] as number
          for (const j of test) if ((t0[j] as number) <= b && (t1[j] as number) >= a) return false
          return !embargoZones(split.paths, t0, t1, T).some((from) => i >= from && i < from + h)
        })
        expect([...split.train]).toEqual(expected)
        expect(split.test.length + split.train.length + split.purged + split.embargoed).toBe(T)
      }
    })

    // Assess
    fc.assert(check, { numRuns: 60 })
  })
})

describe('cpcv validation', () => {
  const base: CpcvOptions = { observations: 100, groups: 6, testGroups: 2 }

  it('rejects counts out of range', () => {
    // Prepare
    const cases: CpcvOptions[] = [
      { ...base, observations: 1 },
      { ...base, groups: 101 },
      { ...base, groups: 1 },
      { ...base, testGroups: 0 },
      { ...base, testGroups: 6 },
      { ...base, testGroups: 1.5 },
    ]

    // Act
    const errors = cases.map((options) => thrown(() => cpcv(options)))

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(UsageError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected observations to be an integer from 2 and up, got 1 (number). ' +
        'CPCV needs at least two observations (one per group, two groups).',
      'Expected groups to be an integer from 2 to 100, got 101 (number). ' +
        'Use at least 2 groups and no more than the 100 observations, so no group is empty.',
      'Expected groups to be an integer from 2 to 100, got 1 (number). ' +
        'Use at least 2 groups and no more than the 100 observations, so no group is empty.',
      'Expected testGroups to be an integer from 1 to 5, got 0 (number). ' +
        'Test at least 1 group and leave at least 1 of the 6 groups to train on.',
      'Expected testGroups to be an integer from 1 to 5, got 6 (number). ' +
        'Test at least 1 group and leave at least 1 of the 6 groups to train on.',
      'Expected testGroups to be an integer from 1 to 5, got 1.5 (number). ' +
        'Test at least 1 group and leave at least 1 of the 6 groups to train on.',
    ])
  })

  it('rejects an embargo outside [0, 1) and too many splits', () => {
    // Prepare
    const cases: CpcvOptions[] = [
      { ...base, embargo: 1 },
      { ...base, embargo: -0.1 },
      { observations: 1000, groups: 30, testGroups: 15 },
    ]

    // Act
    const errors = cases.map((options) => thrown(() => cpcv(options)))

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(UsageError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected embargo to be a fraction of the observations from 0 up to (not including) 1, ' +
        'got 1 (number). E.g. 0.01 embargoes 1% of the observations after each test group.',
      'Expected embargo to be a fraction of the observations from 0 up to (not including) 1, ' +
        'got -0.1 (number). E.g. 0.01 embargoes 1% of the observations after each test group.',
      `CPCV with groups = 30 and testGroups = 15 has 155117520 splits, more than ${MAX_CPCV_SPLITS}. ` +
        'Use fewer groups, or fewer or more test groups.',
    ])
  })

  it('rejects label spans of the wrong length, not finite, or ending before they start', () => {
    // Prepare
    const t0 = rangeArray(0, 100)
    const t1 = rangeArray(0, 100)
    const nan = [...t1]
    nan[7] = Number.NaN
    const backwards = [...t1]
    backwards[3] = 2.5
    const cases: CpcvOptions[] = [
      { ...base, labelSpans: { t0: t0.slice(1), t1 } },
      { ...base, labelSpans: { t0, t1: nan } },
      { ...base, labelSpans: { t0, t1: backwards } },
    ]

    // Act
    const errors = cases.map((options) => thrown(() => cpcv(options)))

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(UsageError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected labelSpans.t0 to hold one value per observation (100), got 99. ' +
        'Pass one start (t0) and one end (t1) per observation.',
      'Expected labelSpans.t1[7] to be a finite number, got NaN (number).',
      'Expected labelSpans.t1[3] (2.5) to be at least labelSpans.t0[3] (3): ' +
        'a label cannot end before it starts.',
    ])
  })

  it('rejects a split index out of range', () => {
    // Prepare
    const source = cpcv({ observations: 60, groups: 6, testGroups: 2 })

    // Act
    const error = thrown(() => source.at(15))

    // Assess
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe(
      'Atom index 15 (number) is out of range: the source has 15 atoms (valid indices are 0 to 14).',
    )
  })
})

/**
 * Brute-force embargo starts, as snippet 7.3 computes them: after each
 * contiguous block of tested groups, the first observation after the block
 * whose t0 reaches the block's largest t1.
 */
function embargoZones(
  paths: readonly { start: number; end: number }[],
  t0: readonly number[],
  t1: readonly number[],
  T: number,
): number[] {
  const blocks: { start: number; end: number }[] = []
  for (const { start, end } of paths) {
    const last = blocks[blocks.length - 1]
    if (last && last.end === start) last.end = end
    else blocks.push({ start, end })
  }
  return blocks.map(({ start, end }) => {
    const maxT1 = Math.max(...t1.slice(start, end))
    let i = end
    while (i < T && (t0[i] as number) < maxT1) i++
    return i
  })
}
