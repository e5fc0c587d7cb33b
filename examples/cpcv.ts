/**
 * Combinatorial purged cross-validation of a ridge forecaster (AFML ch. 12).
 *
 * Each atom is one CPCV split: fit a ridge regression of the next return on
 * the previous `lags` returns on the purged and embargoed training set, then
 * forecast the tested observations. `reduce` assembles the φ backtest paths
 * and reports the distribution of their Sharpe ratios.
 *
 * ```sh
 * fanout run examples/cpcv.ts --param groups=6 --param testGroups=2
 * fanout run examples/cpcv.ts --param prices=data/spy.csv   # a CSV with a `close` column
 * ```
 *
 * `prices` is read with node:fs where the atoms are listed and where each
 * worker runs `setup`, so the file must be readable there (local workers).
 */
import { readFileSync } from 'node:fs'
import {
  type CpcvSplit,
  cpcv,
  defineJob,
  gaussian,
  mulberry32,
  type Row,
  UsageError,
  z,
} from 'fanout'

/** The job's params: every one has a default, except `prices` (absent: a synthetic series). */
export const params = z
  .object({
    /** Prices in the synthetic series (ignored when `prices` is given). */
    bars: z.number().int().min(10).default(2000),
    /** N: contiguous groups of observations. */
    groups: z.number().int().min(2).default(6),
    /** k: groups tested per split. */
    testGroups: z.number().int().min(1).default(2),
    /** Past returns used as features. */
    lags: z.number().int().min(1).max(50).default(5),
    /** Ridge penalty on the standardized slopes (the intercept is not penalized). */
    lambda: z.number().min(0).default(1),
    /** Embargo after each tested group, as a fraction of the observations. */
    embargo: z.number().min(0).lt(1).default(0.01),
    /** Seed of the synthetic series. */
    seed: z.number().int().default(42),
    /** Path of a CSV file with a `close` column; a synthetic series when absent. */
    prices: z.string().min(1).optional(),
  })
  .strict()

/** The validated params. */
export type CpcvParams = z.infer<typeof params>

/** What `setup` prepares once per worker. */
export interface CpcvState {
  /** `observations × lags` features, row-major: the `lags` returns up to the observation. */
  readonly features: Float64Array
  /** The return each observation forecasts (its label). */
  readonly rets: Float64Array
  readonly lags: number
}

/** A seeded synthetic close series: returns with a little autocorrelation, so there is something to learn. */
export function syntheticCloses(bars: number, seed: number): Float64Array {
  const normal = gaussian(mulberry32(seed))
  const closes = new Float64Array(bars)
  let price = 100
  let ret = 0
  for (let i = 0; i < bars; i++) {
    closes[i] = price
    ret = 0.1 * ret + 0.0002 + 0.01 * normal()
    price *= 1 + ret
  }
  return closes
}

const csvCache = new Map<string, Float64Array>()

/** Read the `close` column of a CSV file (cached per process). */
export function readCloses(path: string): Float64Array {
  const cached = csvCache.get(path)
  if (cached) return cached
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new UsageError(`Cannot read --param prices=${path}. Pass the path of a CSV file.`, {
      cause,
    })
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  const header = (lines[0] ?? '')
    .split(',')
    .map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase())
  const column = header.indexOf('close')
  if (column < 0) {
    throw new UsageError(
      `${path} has no close column (its columns: ${header.join(', ') || 'none'}). Add a header line with a column named close.`,
    )
  }
  const closes = new Float64Array(lines.length - 1)
  for (let i = 1; i < lines.length; i++) {
    const cell = (lines[i] as string).split(',')[column]?.trim().replace(/^"|"$/g, '')
    const value = Number(cell)
    if (cell === undefined || cell === '' || !Number.isFinite(value) || value <= 0) {
      throw new UsageError(
        `${path} line ${i + 1}: expected a positive close price, got ${JSON.stringify(cell ?? null)}.`,
      )
    }
    closes[i - 1] = value
  }
  csvCache.set(path, closes)
  return closes
}

function closesFor(p: CpcvParams): Float64Array {
  return p.prices === undefined ? syntheticCloses(p.bars, p.seed) : readCloses(p.prices)
}

/** Observations of a close series: one per return that has `lags` returns before it (inclusive) and one after. */
export function observationCount(bars: number, lags: number): number {
  return Math.max(0, bars - 1 - lags)
}

/** Build features and labels: observation `o` sees returns `o .. o + lags - 1` and forecasts return `o + lags`. */
export function buildState(closes: Float64Array, lags: number): CpcvState {
  const returns = new Float64Array(Math.max(0, closes.length - 1))
  for (let i = 0; i < returns.length; i++) {
    returns[i] = (closes[i + 1] as number) / (closes[i] as number) - 1
  }
  const count = observationCount(closes.length, lags)
  const features = new Float64Array(count * lags)
  const rets = new Float64Array(count)
  for (let o = 0; o < count; o++) {
    for (let j = 0; j < lags; j++) features[o * lags + j] = returns[o + j] as number
    rets[o] = returns[o + lags] as number
  }
  return { features, rets, lags }
}

/** Solve `A x = b` (A is n × n, row-major) by Gaussian elimination with partial pivoting. */
export function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a)
  const x = Float64Array.from(b)
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r * n + col] as number) > Math.abs(m[pivot * n + col] as number)) pivot = r
    }
    if (Math.abs(m[pivot * n + col] as number) < 1e-300) {
      throw new Error(`The ridge system is singular (column ${col}); raise lambda.`)
    }
    if (pivot !== col) {
      for (let c = 0; c < n; c++) {
        const tmp = m[col * n + c] as number
        m[col * n + c] = m[pivot * n + c] as number
        m[pivot * n + c] = tmp
      }
      const tmp = x[col] as number
      x[col] = x[pivot] as number
      x[pivot] = tmp
    }
    const diag = m[col * n + col] as number
    for (let r = col + 1; r < n; r++) {
      const factor = (m[r * n + col] as number) / diag
      if (factor === 0) continue
      for (let c = col; c < n; c++)
        m[r * n + c] = (m[r * n + c] as number) - factor * (m[col * n + c] as number)
      x[r] = (x[r] as number) - factor * (x[col] as number)
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let sum = x[r] as number
    for (let c = r + 1; c < n; c++) sum -= (m[r * n + c] as number) * (x[c] as number)
    x[r] = sum / (m[r * n + r] as number)
  }
  return x
}

/**
 * Fit ridge regression on the given observations: the features are
 * standardized with the training mean and standard deviation, the intercept is
 * not penalized. Returns a forecaster for any observation.
 */
export function fitRidge(
  state: CpcvState,
  train: ArrayLike<number>,
  lambda: number,
): (obs: number) => number {
  const { features, rets, lags } = state
  if (train.length === 0) {
    throw new Error(
      'The training set is empty after purging and embargo; lower embargo or testGroups.',
    )
  }
  const mean = new Float64Array(lags)
  const sd = new Float64Array(lags)
  for (let i = 0; i < train.length; i++) {
    const o = train[i] as number
    for (let j = 0; j < lags; j++)
      mean[j] = (mean[j] as number) + (features[o * lags + j] as number)
  }
  for (let j = 0; j < lags; j++) mean[j] = (mean[j] as number) / train.length
  for (let i = 0; i < train.length; i++) {
    const o = train[i] as number
    for (let j = 0; j < lags; j++) {
      const d = (features[o * lags + j] as number) - (mean[j] as number)
      sd[j] = (sd[j] as number) + d * d
    }
  }
  for (let j = 0; j < lags; j++) sd[j] = Math.sqrt((sd[j] as number) / train.length) || 1

  const p = lags + 1
  const x = new Float64Array(p)
  const row = (o: number): Float64Array => {
    x[0] = 1
    for (let j = 0; j < lags; j++) {
      x[j + 1] = ((features[o * lags + j] as number) - (mean[j] as number)) / (sd[j] as number)
    }
    return x
  }
  const xtx = new Float64Array(p * p)
  const xty = new Float64Array(p)
  for (let i = 0; i < train.length; i++) {
    const o = train[i] as number
    const v = row(o)
    const y = rets[o] as number
    for (let r = 0; r < p; r++) {
      xty[r] = (xty[r] as number) + (v[r] as number) * y
      for (let c = 0; c < p; c++)
        xtx[r * p + c] = (xtx[r * p + c] as number) + (v[r] as number) * (v[c] as number)
    }
  }
  for (let j = 1; j < p; j++) xtx[j * p + j] = (xtx[j * p + j] as number) + lambda
  const beta = solve(xtx, xty, p)
  return (o: number) => {
    const v = row(o)
    let f = 0
    for (let j = 0; j < p; j++) f += (beta[j] as number) * (v[j] as number)
    return f
  }
}

/** Annualized Sharpe ratio (√252, population standard deviation); 0 when the deviation is 0. */
export function sharpe(pnl: ArrayLike<number>): number {
  const n = pnl.length
  if (n === 0) return 0
  let mean = 0
  for (let i = 0; i < n; i++) mean += pnl[i] as number
  mean /= n
  let variance = 0
  for (let i = 0; i < n; i++) variance += ((pnl[i] as number) - mean) ** 2
  const std = Math.sqrt(variance / n)
  return std === 0 ? 0 : (mean / std) * Math.sqrt(252)
}

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = q * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number))
}

/** The summary `reduce` returns. */
export interface CpcvSummary {
  /** φ: how many backtest paths were assembled. */
  readonly paths: number
  /** The distribution of the paths' annualized Sharpe ratios (NaN without paths). */
  readonly sharpe: {
    readonly min: number
    readonly p25: number
    readonly median: number
    readonly p75: number
    readonly max: number
    readonly mean: number
  }
  /** Each path's annualized Sharpe ratio, by path index. */
  readonly perPath: number[]
}

/**
 * Assemble the paths from the rows (position = sign(forecast), pnl = position ×
 * ret, ordered by observation within a path) and summarize their Sharpe ratios.
 */
export function summarize(rows: readonly Row[]): CpcvSummary {
  const byPath = new Map<number, { obs: number; pnl: number }[]>()
  for (const row of rows) {
    const path = Number(row.path)
    const pnl = Math.sign(Number(row.forecast)) * Number(row.ret)
    let entries = byPath.get(path)
    if (entries === undefined) {
      entries = []
      byPath.set(path, entries)
    }
    entries.push({ obs: Number(row.obs), pnl })
  }
  const perPath = [...byPath.keys()]
    .sort((a, b) => a - b)
    .map((path) => {
      const entries = (byPath.get(path) ?? []).sort((a, b) => a.obs - b.obs)
      return sharpe(entries.map((e) => e.pnl))
    })
  const sorted = [...perPath].sort((a, b) => a - b)
  const mean = perPath.length ? perPath.reduce((s, v) => s + v, 0) / perPath.length : Number.NaN
  return {
    paths: perPath.length,
    sharpe: {
      min: quantile(sorted, 0),
      p25: quantile(sorted, 0.25),
      median: quantile(sorted, 0.5),
      p75: quantile(sorted, 0.75),
      max: quantile(sorted, 1),
      mean,
    },
    perPath,
  }
}

/**
 * The CPCV job: one atom per split; `run` returns one row per tested
 * observation `{ split, group, path, obs, forecast, ret }`; `reduce` returns a
 * {@link CpcvSummary}.
 */
export default defineJob<CpcvParams, CpcvSplit, CpcvState>({
  params,
  atoms(p) {
    const observations = observationCount(closesFor(p).length, p.lags)
    return cpcv({
      observations,
      groups: p.groups,
      testGroups: p.testGroups,
      // Observation o's label is known one observation later, so it overlaps o + 1's.
      labelSpans: {
        t0: Float64Array.from({ length: observations }, (_, o) => o),
        t1: Float64Array.from({ length: observations }, (_, o) => o + 1),
      },
      embargo: p.embargo,
    })
  },
  setup(p) {
    return buildState(closesFor(p), p.lags)
  },
  run(split, { params: p, state }) {
    const forecast = fitRidge(state, split.train, p.lambda)
    const rows: Row[] = []
    for (const { group, path, start, end } of split.paths) {
      for (let obs = start; obs < end; obs++) {
        rows.push({
          split: split.split,
          group,
          path,
          obs,
          forecast: forecast(obs),
          ret: state.rets[obs] as number,
        })
      }
    }
    return rows
  },
  reduce(rows) {
    return summarize(rows)
  },
})
