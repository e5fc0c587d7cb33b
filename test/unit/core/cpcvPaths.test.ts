import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cpcv } from '../../../src/core/cpcv.js'
import { assemblePaths } from '../../../src/core/cpcvPaths.js'
import { UsageError } from '../../../src/core/errors.js'
import { rangeArray, thrown } from '../../helpers/common.js'

describe('assemblePaths', () => {
  it('every path covers every observation exactly once, from the right split (N = 6, k = 2)', () => {
    // Prepare
    const source = cpcv({ observations: 600, groups: 6, testGroups: 2 })
    const splits = rangeArray(0, source.count).map((s) => source.at(s))
    const forecasts = splits.map((split) =>
      Array.from(split.test, (obs) => ({ split: split.split, obs })),
    )

    // Act
    const paths = assemblePaths(source, forecasts)

    // Assess
    expect(paths.length).toBe(5)
    paths.forEach((path, p) => {
      expect(path.length).toBe(600)
      path.forEach((forecast, obs) => {
        expect(forecast.obs).toBe(obs)
        const block = splits[forecast.split]?.paths.find((b) => obs >= b.start && obs < b.end)
        expect(block?.path).toBe(p)
      })
    })
    // each (split, group) block is used by exactly one path
    const used = new Set(paths.flatMap((path) => path.map((f) => `${f.split}:${f.obs}`)))
    expect(used.size).toBe(5 * 600)
  })

  it('assembles paths for any N, k (property)', () => {
    // Prepare
    const inputs = fc.integer({ min: 2, max: 8 }).chain((groups) =>
      fc.record({
        groups: fc.constant(groups),
        testGroups: fc.integer({ min: 1, max: groups - 1 }),
        observations: fc.integer({ min: groups, max: 80 }),
      }),
    )

    // Act
    const check = fc.property(inputs, (options) => {
      const source = cpcv(options)
      const forecasts = rangeArray(0, source.count).map((s) => Array.from(source.at(s).test))
      const paths = assemblePaths(source, forecasts)

      // Assess
      expect(source.pathCount).toBe((options.testGroups / options.groups) * source.splits)
      expect(Number.isInteger(source.pathCount)).toBe(true)
      expect(paths.length).toBe(source.pathCount)
      for (const path of paths) expect(path).toEqual(rangeArray(0, options.observations))
    })

    // Assess
    fc.assert(check)
  })

  it('rejects forecasts of the wrong shape', () => {
    // Prepare
    const source = cpcv({ observations: 60, groups: 6, testGroups: 2 })
    const good = rangeArray(0, 15).map((s) => Array.from(source.at(s).test))
    const short = good.map((f, s) => (s === 4 ? f.slice(1) : f))

    // Act
    const errors = [
      thrown(() => assemblePaths(source, good.slice(1))),
      thrown(() => assemblePaths(source, short)),
    ]

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(UsageError)
    expect(errors.map((e) => e.message)).toEqual([
      'Expected forecastsBySplit to hold one array per split (15), got 14 arrays. ' +
        'Pass the forecasts of every split, in split order.',
      'Expected forecastsBySplit[4] to hold one forecast per tested observation (20), got 19. ' +
        'Forecast every observation in source.at(4).test, in order.',
    ])
  })
})
