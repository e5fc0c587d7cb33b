import { binomial, combinations } from './combinatorics.js'
import { describeValue, UsageError } from './errors.js'
import { linParts } from './partition.js'
import { checkIndex } from './sources.js'
import type { AtomSource } from './types.js'

/** The most splits {@link cpcv} accepts: each split is one atom, and its path table is held in memory. */
export const MAX_CPCV_SPLITS = 1_000_000

/** When each observation's label starts and ends (indices or times, one value per observation). */
export interface LabelSpans {
  /** Where label `i` starts (e.g. the bar it is observed at). */
  readonly t0: ArrayLike<number>
  /** Where label `i` ends, `>= t0[i]` (e.g. the bar its outcome is known at). */
  readonly t1: ArrayLike<number>
}

/** Options of {@link cpcv}. */
export interface CpcvOptions {
  /** T: how many observations, in time order. */
  readonly observations: number
  /** N: how many contiguous groups to cut the observations into, 2 to T. */
  readonly groups: number
  /** k: how many groups each split tests, 1 to N − 1. */
  readonly testGroups: number
  /** Label spans for purging. @default each label spans only its own observation (nothing to purge) */
  readonly labelSpans?: LabelSpans | undefined
  /**
   * Embargo as a fraction of T, from 0 up to 1: `h = ceil(embargo · T)`
   * observations after each block of tested groups, counted from the first
   * observation whose `t0` reaches the block's largest `t1` (AFML snippet 7.3).
   * @default 0
   */
  readonly embargo?: number | undefined
}

/** One of the N groups: observations `[start, end)`. */
export interface CpcvGroup {
  readonly group: number
  readonly start: number
  readonly end: number
}

/** Which backtest path a tested group's forecasts belong to. */
export interface CpcvPathSlot {
  /** The tested group. */
  readonly group: number
  /** The path, `0 .. pathCount - 1`. */
  readonly path: number
}

/** A tested group of a split: its path and its observations `[start, end)`. */
export interface CpcvTestBlock extends CpcvPathSlot {
  readonly start: number
  readonly end: number
}

/** One CPCV split: the atom of a {@link cpcv} source. */
export interface CpcvSplit {
  /** The split's index, `0 .. splits - 1` (lexicographic order of the tested groups). */
  readonly split: number
  /** The k tested groups, increasing. */
  readonly testGroups: number[]
  /** The tested observations, increasing. */
  readonly test: Int32Array
  /** The training observations, increasing: neither tested, nor purged, nor embargoed. */
  readonly train: Int32Array
  /** Each tested group with its path and observation range, in group order. */
  readonly paths: CpcvTestBlock[]
  /** How many observations purging removed from the training set. */
  readonly purged: number
  /** How many more observations (not already purged) the embargo removed. */
  readonly embargoed: number
}

/** A CPCV atom source: one atom per split, plus the layout of groups and paths. */
export interface Cpcv extends AtomSource<CpcvSplit> {
  /** T. */
  readonly observations: number
  /** N. */
  readonly groups: number
  /** k. */
  readonly testGroups: number
  /** C(N, k); the same as `count`. */
  readonly splits: number
  /** φ[N, k] = k/N · C(N, k) = C(N − 1, k − 1): how many full backtest paths. */
  readonly pathCount: number
  /** h = ceil(embargo · T): observations embargoed after each block of tested groups, from where the block's labels end. */
  readonly embargoSize: number
  /** The N groups, contiguous and near-equal in size (as {@link linParts}). */
  readonly groupBounds: readonly CpcvGroup[]
  /**
   * For each split, each tested group and its path: path `j` of group `g` is
   * the `j`-th split (in lexicographic order) that tests `g`.
   */
  readonly pathAssignment: readonly (readonly CpcvPathSlot[])[]
}

function fail(message: string): never {
  throw new UsageError(message)
}

function expectInt(value: unknown, name: string, min: number, max: number, hint: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) {
    return value
  }
  const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`
  return fail(`Expected ${name} to be an integer ${range}, got ${describeValue(value)}. ${hint}`)
}

function readSpans(
  spans: LabelSpans,
  observations: number,
): { t0: Float64Array; t1: Float64Array } {
  const t0 = new Float64Array(observations)
  const t1 = new Float64Array(observations)
  for (const [name, source, target] of [
    ['t0', spans.t0, t0],
    ['t1', spans.t1, t1],
  ] as const) {
    if (source === null || typeof source !== 'object' || typeof source.length !== 'number') {
      fail(
        `Expected labelSpans.${name} to be an array of numbers, got ${describeValue(source)}. ` +
          'Pass one start (t0) and one end (t1) per observation.',
      )
    }
    if (source.length !== observations) {
      fail(
        `Expected labelSpans.${name} to hold one value per observation (${observations}), ` +
          `got ${source.length}. Pass one start (t0) and one end (t1) per observation.`,
      )
    }
    for (let i = 0; i < observations; i++) {
      const v = source[i]
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail(`Expected labelSpans.${name}[${i}] to be a finite number, got ${describeValue(v)}.`)
      }
      target[i] = v
    }
  }
  for (let i = 0; i < observations; i++) {
    if ((t1[i] as number) < (t0[i] as number)) {
      fail(
        `Expected labelSpans.t1[${i}] (${t1[i]}) to be at least labelSpans.t0[${i}] (${t0[i]}): ` +
          'a label cannot end before it starts.',
      )
    }
  }
  return { t0, t1 }
}

/** A tested group's label spans, sorted by start, with the running maximum of their ends. */
interface SpanIndex {
  readonly starts: Float64Array
  readonly maxEnds: Float64Array
}

function spanIndex(t0: Float64Array, t1: Float64Array, start: number, end: number): SpanIndex {
  const order = Array.from({ length: end - start }, (_, i) => start + i).sort(
    (a, b) => (t0[a] as number) - (t0[b] as number),
  )
  const starts = new Float64Array(order.length)
  const maxEnds = new Float64Array(order.length)
  let running = Number.NEGATIVE_INFINITY
  order.forEach((obs, i) => {
    starts[i] = t0[obs] as number
    running = Math.max(running, t1[obs] as number)
    maxEnds[i] = running
  })
  return { starts, maxEnds }
}

/** True when `[a, b]` overlaps the span of some observation in `index`. */
function overlaps(index: SpanIndex, a: number, b: number): boolean {
  // Count the spans that start at or before b; one of them overlaps iff its end reaches a.
  let lo = 0
  let hi = index.starts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((index.starts[mid] as number) <= b) lo = mid + 1
    else hi = mid
  }
  return lo > 0 && (index.maxEnds[lo - 1] as number) >= a
}

/** Contiguous runs of tested groups, as observation ranges `[start, end)`. */
function testBlocks(paths: readonly CpcvTestBlock[]): { start: number; end: number }[] {
  const blocks: { start: number; end: number }[] = []
  for (const { start, end } of paths) {
    const last = blocks[blocks.length - 1]
    if (last !== undefined && last.end === start) last.end = end
    else blocks.push({ start, end })
  }
  return blocks
}

/**
 * Where the embargo after a block of tested observations `[start, end)`
 * begins: at the last bar the block's labels touch — the first observation
 * after the block whose `t0` reaches the block's largest `t1` — as AFML
 * snippet 7.3 (`PurgedKFold`) takes `maxT1Idx = t1.index.searchsorted(max t1)`
 * and resumes training at `maxT1Idx + h`. Without label spans a label
 * touches only its own observation, so that is `end`.
 */
function embargoStart(
  block: { start: number; end: number },
  spans: { t0: Float64Array; t1: Float64Array } | undefined,
  observations: number,
): number {
  if (spans === undefined) return block.end
  let maxT1 = Number.NEGATIVE_INFINITY
  for (let i = block.start; i < block.end; i++) maxT1 = Math.max(maxT1, spans.t1[i] as number)
  let i = block.end
  while (i < observations && (spans.t0[i] as number) < maxT1) i++
  return i
}

/**
 * Combinatorial purged cross-validation (AFML ch. 12) as an atom source: the
 * T observations are cut, in time order, into N contiguous groups; each of the
 * C(N, k) splits tests k groups and trains on the rest, minus
 * - purged observations: those whose label span `[t0, t1]` overlaps the label
 *   span of any tested observation (checked exactly, per observation), and
 * - embargoed observations: after each contiguous block of tested groups,
 *   the `h = ceil(embargo · T)` observations from the last bar the block's
 *   labels touch — counted from the first observation after the block whose
 *   `t0` reaches the block's largest `t1` — as AFML snippet 7.3
 *   (`PurgedKFold`) does: `maxT1Idx = t1.index.searchsorted(t1[test].max())`,
 *   then training resumes at `maxT1Idx + h` (observations in the zone that
 *   purging removed already count once, as purged). Counting from the block's last
 *   observation instead would put the embargo inside the purged zone
 *   whenever labels last longer than `h` bars, where it removes nothing.
 *   Without label spans the embargo covers the `h` observations right after
 *   the block. (`h` is computed on `embargo · T` rounded to 12 significant
 *   digits, so 0.07 · 100 gives 7 and not 8.)
 *
 * The splits' forecasts form φ = k/N · C(N, k) backtest paths, each covering
 * every observation once; see {@link assemblePaths}.
 *
 * @throws {@link UsageError} for counts out of range, an embargo outside
 *   `[0, 1)`, label spans of the wrong length, not finite, or ending before
 *   they start, or more than {@link MAX_CPCV_SPLITS} splits
 *
 * @example
 * ```ts
 * const source = cpcv({ observations: 1000, groups: 6, testGroups: 2, embargo: 0.01 })
 * source.splits // 15
 * source.pathCount // 5
 * const { train, test, paths } = source.at(0)
 * ```
 */
export function cpcv(options: CpcvOptions): Cpcv {
  if (options === null || typeof options !== 'object') {
    fail(
      `Expected cpcv() to get an options object, got ${describeValue(options)}. ` +
        'Pass { observations, groups, testGroups }.',
    )
  }
  const T = expectInt(
    options.observations,
    'observations',
    2,
    Number.MAX_SAFE_INTEGER,
    'CPCV needs at least two observations (one per group, two groups).',
  )
  const N = expectInt(
    options.groups,
    'groups',
    2,
    T,
    `Use at least 2 groups and no more than the ${T} observations, so no group is empty.`,
  )
  const k = expectInt(
    options.testGroups,
    'testGroups',
    1,
    N - 1,
    `Test at least 1 group and leave at least 1 of the ${N} groups to train on.`,
  )
  const embargo = options.embargo ?? 0
  if (typeof embargo !== 'number' || !(embargo >= 0 && embargo < 1)) {
    fail(
      `Expected embargo to be a fraction of the observations from 0 up to (not including) 1, ` +
        `got ${describeValue(embargo)}. E.g. 0.01 embargoes 1% of the observations after each test group.`,
    )
  }
  const splits = binomial(N, k)
  if (splits > MAX_CPCV_SPLITS) {
    fail(
      `CPCV with groups = ${N} and testGroups = ${k} has ${splits} splits, more than ` +
        `${MAX_CPCV_SPLITS}. Use fewer groups, or fewer or more test groups.`,
    )
  }
  const spans = options.labelSpans === undefined ? undefined : readSpans(options.labelSpans, T)
  const h = Math.ceil(Number((embargo * T).toPrecision(12)))
  const pathCount = binomial(N - 1, k - 1)

  const bounds = linParts(T, N)
  const groupBounds: readonly CpcvGroup[] = Object.freeze(
    Array.from({ length: N }, (_, g) =>
      Object.freeze({ group: g, start: bounds[g] as number, end: bounds[g + 1] as number }),
    ),
  )

  // Flat tables, split-major: the tested groups of each split and their paths.
  const tested = new Int32Array(splits * k)
  const pathOf = new Int32Array(splits * k)
  const timesTested = new Int32Array(N)
  combinations(N, k).forEach((combo, s) => {
    combo.forEach((g, j) => {
      tested[s * k + j] = g
      pathOf[s * k + j] = timesTested[g] as number
      timesTested[g] = (timesTested[g] as number) + 1
    })
  })

  const spanIndexes: (SpanIndex | undefined)[] = new Array(N)
  const spanIndexOf = (g: number): SpanIndex => {
    let index = spanIndexes[g]
    if (index === undefined && spans !== undefined) {
      const { start, end } = groupBounds[g] as CpcvGroup
      index = spanIndex(spans.t0, spans.t1, start, end)
      spanIndexes[g] = index
    }
    return index as SpanIndex
  }

  let pathAssignment: readonly (readonly CpcvPathSlot[])[] | undefined

  return Object.freeze({
    count: splits,
    observations: T,
    groups: N,
    testGroups: k,
    splits,
    pathCount,
    embargoSize: h,
    groupBounds,
    get pathAssignment(): readonly (readonly CpcvPathSlot[])[] {
      pathAssignment ??= Object.freeze(
        Array.from({ length: splits }, (_, s) =>
          Object.freeze(
            Array.from({ length: k }, (_, j) =>
              Object.freeze({
                group: tested[s * k + j] as number,
                path: pathOf[s * k + j] as number,
              }),
            ),
          ),
        ),
      )
      return pathAssignment
    },
    at(index: number): CpcvSplit {
      checkIndex(index, splits)
      // 0 = train, 1 = test, 2 = purged, 3 = embargoed
      const role = new Uint8Array(T)
      const paths: CpcvTestBlock[] = []
      let testSize = 0
      for (let j = 0; j < k; j++) {
        const group = tested[index * k + j] as number
        const { start, end } = groupBounds[group] as CpcvGroup
        role.fill(1, start, end)
        testSize += end - start
        paths.push({ group, path: pathOf[index * k + j] as number, start, end })
      }
      let purged = 0
      if (spans !== undefined) {
        const indexes = paths.map((p) => spanIndexOf(p.group))
        for (let i = 0; i < T; i++) {
          if (role[i] !== 0) continue
          const a = spans.t0[i] as number
          const b = spans.t1[i] as number
          if (indexes.some((ix) => overlaps(ix, a, b))) {
            role[i] = 2
            purged++
          }
        }
      }
      let embargoed = 0
      if (h > 0) {
        for (const block of testBlocks(paths)) {
          const from = embargoStart(block, spans, T)
          for (let i = from; i < Math.min(from + h, T); i++) {
            if (role[i] === 0) {
              role[i] = 3
              embargoed++
            }
          }
        }
      }
      const test = new Int32Array(testSize)
      const train = new Int32Array(T - testSize - purged - embargoed)
      let t = 0
      let r = 0
      for (let i = 0; i < T; i++) {
        if (role[i] === 1) test[t++] = i
        else if (role[i] === 0) train[r++] = i
      }
      return {
        split: index,
        testGroups: paths.map((p) => p.group),
        test,
        train,
        paths,
        purged,
        embargoed,
      }
    },
  })
}
