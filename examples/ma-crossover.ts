/**
 * A moving-average crossover sweep: for every (fast, slow) window pair, the
 * annualized Sharpe ratio of "long when SMA_fast > SMA_slow, flat otherwise".
 *
 *   npx fanout run examples/ma-crossover.ts
 *   npx fanout run examples/ma-crossover.ts --param bars=1000000 --param side=60
 *   npx fanout run examples/ma-crossover.ts --param prices=closes.csv --out sweep.csv
 *   npx fanout run examples/ma-crossover.ts --param prices=closes.csv --target localstack
 */
import { readFileSync } from 'node:fs'
import { defineJob, file, grid, mulberry32, z } from 'fanout'

const params = z
  .object({
    /**
     * CSV with a `close` column; default: a seeded random walk of `bars` closes.
     * A file() param: on a cloud target fanout stages it with the job, and
     * setup reads the worker's copy in /tmp by the same path code.
     */
    prices: file().optional(),
    bars: z.number().int().min(3).default(200_000),
    side: z.number().int().min(1).max(1000).default(40),
    seed: z.number().int().default(7),
  })
  .strict()
type Params = z.infer<typeof params>

/** A geometric random walk of `bars` closes starting at 100. */
export function randomWalk(bars: number, seed: number): Float64Array {
  // mulberry32: a seeded PRNG, so every worker generates the same walk
  const rand = mulberry32(seed)
  const p = new Float64Array(bars)
  let price = 100
  for (let t = 0; t < bars; t++) {
    p[t] = price
    // Box-Muller normal, 1% daily volatility
    const u = 1 - rand()
    const v = rand()
    price *= Math.exp(0.01 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
  }
  return p
}

/** The `close` column of a CSV file. */
export function readCloses(path: string): Float64Array {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
  const header = (lines[0] ?? '')
    .split(',')
    .map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase())
  const col = header.indexOf('close')
  if (col < 0) throw new Error(`${path} has no "close" column (its header: ${lines[0]})`)
  const out = new Float64Array(lines.length - 1)
  for (let i = 1; i < lines.length; i++) {
    const value = Number((lines[i] as string).split(',')[col])
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${path} line ${i + 1}: close is not a positive number`)
    out[i - 1] = value
  }
  return out
}

/** Prices, log returns and a prefix sum of prices: computed once per worker. */
export interface Series {
  prices: Float64Array
  returns: Float64Array
  /** prefix[t] = p[0] + … + p[t-1], so the mean of p[a..b] = (prefix[b+1] − prefix[a]) / (b − a + 1). */
  prefix: Float64Array
}

export function series(prices: Float64Array): Series {
  const n = prices.length
  const returns = new Float64Array(Math.max(n - 1, 0))
  for (let t = 0; t + 1 < n; t++)
    returns[t] = Math.log((prices[t + 1] as number) / (prices[t] as number))
  const prefix = new Float64Array(n + 1)
  for (let t = 0; t < n; t++) prefix[t + 1] = (prefix[t] as number) + (prices[t] as number)
  return { prices, returns, prefix }
}

/**
 * The Sharpe ratio of the crossover rule: pnl[t] = position[t]·r[t] for t = 0 … n−2,
 * position[t] = 1 when both SMAs are defined at t and SMA_fast[t] > SMA_slow[t];
 * mean(pnl) / std(pnl) · √252 with the population std, 0 when the std is 0.
 */
export function crossoverSharpe(s: Series, fast: number, slow: number): number {
  const { returns, prefix } = s
  const m = returns.length
  const first = Math.max(fast, slow) - 1
  let sum = 0
  let sumSq = 0
  for (let t = first; t < m; t++) {
    const smaFast = ((prefix[t + 1] as number) - (prefix[t + 1 - fast] as number)) / fast
    const smaSlow = ((prefix[t + 1] as number) - (prefix[t + 1 - slow] as number)) / slow
    if (smaFast > smaSlow) {
      const r = returns[t] as number
      sum += r
      sumSq += r * r
    }
  }
  if (m === 0) return 0
  const mean = sum / m
  const variance = sumSq / m - mean * mean
  const std = variance > 0 ? Math.sqrt(variance) : 0
  return std === 0 ? 0 : (mean / std) * Math.sqrt(252)
}

export default defineJob({
  params,
  atoms: (p: Params) =>
    grid({
      fast: Array.from({ length: p.side }, (_, i) => 5 + i),
      slow: Array.from({ length: p.side }, (_, b) => 20 + 4 * b),
    }),
  setup: (p: Params) => series(p.prices ? readCloses(p.prices) : randomWalk(p.bars, p.seed)),
  run: ({ fast, slow }, { state }) => ({ fast, slow, sharpe: crossoverSharpe(state, fast, slow) }),
  reduce: (rows) => {
    let best = rows[0]
    for (const r of rows)
      if ((r.sharpe as number) > ((best?.sharpe as number) ?? -Infinity)) best = r
    return best
      ? { best: { fast: best.fast, slow: best.slow, sharpe: best.sharpe }, pairs: rows.length }
      : { pairs: 0 }
  },
})
