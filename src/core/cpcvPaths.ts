import type { Cpcv, CpcvGroup, CpcvPathSlot } from './cpcv.js'
import { describeValue, UsageError } from './errors.js'

/** What {@link assemblePaths} needs of a {@link Cpcv} source. */
export type CpcvLayout = Pick<
  Cpcv,
  'observations' | 'splits' | 'pathCount' | 'groupBounds' | 'pathAssignment'
>

/**
 * Assemble the φ backtest paths from the forecasts of every split.
 *
 * `forecastsBySplit[s]` holds split `s`'s forecasts, one per tested
 * observation, in the order of `source.at(s).test` (increasing observation
 * index). Each forecast lands in the path its group is assigned to for that
 * split, so `paths[p][obs]` is the out-of-sample forecast of observation
 * `obs` in path `p`, and every path covers all T observations exactly once.
 *
 * @typeParam V - one forecast (a number, a row, ...)
 * @param source - the {@link cpcv} source the forecasts were made for
 * @param forecastsBySplit - `source.splits` arrays, one value per tested observation
 * @returns `source.pathCount` arrays of length `source.observations`
 * @throws {@link UsageError} when there are not `source.splits` arrays, or one
 *   holds a different number of values than its split tests
 *
 * @example
 * ```ts
 * const source = cpcv({ observations: 600, groups: 6, testGroups: 2 })
 * const forecasts = Array.from({ length: source.count }, (_, s) => model(source.at(s)))
 * const paths = assemblePaths(source, forecasts) // 5 paths × 600 forecasts
 * ```
 */
export function assemblePaths<V>(
  source: CpcvLayout,
  forecastsBySplit: ReadonlyArray<ArrayLike<V>>,
): V[][] {
  const { observations, splits, pathCount, groupBounds, pathAssignment } = source
  if (!Array.isArray(forecastsBySplit) || forecastsBySplit.length !== splits) {
    const got = Array.isArray(forecastsBySplit)
      ? `${forecastsBySplit.length} arrays`
      : describeValue(forecastsBySplit)
    throw new UsageError(
      `Expected forecastsBySplit to hold one array per split (${splits}), got ${got}. ` +
        'Pass the forecasts of every split, in split order.',
    )
  }
  const paths = Array.from({ length: pathCount }, () => new Array<V>(observations))
  for (let s = 0; s < splits; s++) {
    const forecasts = forecastsBySplit[s] as ArrayLike<V>
    const slots = pathAssignment[s] as readonly CpcvPathSlot[]
    const expected = slots.reduce((sum, { group }) => {
      const { start, end } = groupBounds[group] as CpcvGroup
      return sum + end - start
    }, 0)
    if (forecasts === null || typeof forecasts !== 'object' || forecasts.length !== expected) {
      const got =
        forecasts !== null && typeof forecasts === 'object'
          ? `${forecasts.length}`
          : describeValue(forecasts)
      throw new UsageError(
        `Expected forecastsBySplit[${s}] to hold one forecast per tested observation ` +
          `(${expected}), got ${got}. Forecast every observation in source.at(${s}).test, in order.`,
      )
    }
    let offset = 0
    for (const { group, path } of slots) {
      const { start, end } = groupBounds[group] as CpcvGroup
      const target = paths[path] as V[]
      for (let obs = start; obs < end; obs++) target[obs] = forecasts[offset++] as V
    }
  }
  return paths
}
