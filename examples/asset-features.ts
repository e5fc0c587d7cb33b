/**
 * Features per asset over one large multi-asset price file: total return,
 * annualized volatility of daily log returns, Sharpe ratio and maximum
 * drawdown, then a ranking. The file (`date,asset,close,volume`, in date
 * order) is cut into chunks of rows; each atom reads only its chunk and
 * returns one row of mergeable statistics per asset it saw, and `reduce`
 * stitches each asset's chunks together in file order (the return across a
 * chunk border included), so the features are those of the whole series.
 *
 *   npx tsx scripts/make-assets.ts --out assets.csv      # 3,000,000 rows
 *   npx fanout run examples/asset-features.ts --param prices=assets.csv
 *   npx fanout run examples/asset-features.ts --param prices=assets.csv --target localstack
 */
import { chunks, defineJob, file, type Row, z } from 'fanout'

const params = z
  .object({
    /** The price file: a CSV with `date`, `asset` and `close` columns, in date order. */
    prices: file(),
    /** Rows per chunk (one atom each). */
    rows: z.number().int().min(1).default(250_000),
    /** How many assets the ranking lists. */
    top: z.number().int().min(1).default(10),
  })
  .strict()
type Params = z.infer<typeof params>

/**
 * One asset's stretch of consecutive closes: enough to merge with the next
 * stretch exactly. Log prices `x`; `dd` is the largest fall of `x` from its
 * running peak within the stretch.
 */
export interface Stretch {
  asset: string
  firstDate: string
  lastDate: string
  firstClose: number
  lastClose: number
  /** Daily log returns within the stretch: count, sum, sum of squares. */
  n: number
  sum: number
  sumSq: number
  maxX: number
  minX: number
  dd: number
}

/** Extend a stretch by one close. */
export function addClose(
  s: Stretch | undefined,
  asset: string,
  date: string,
  close: number,
): Stretch {
  const x = Math.log(close)
  if (s === undefined) {
    return {
      asset,
      firstDate: date,
      lastDate: date,
      firstClose: close,
      lastClose: close,
      n: 0,
      sum: 0,
      sumSq: 0,
      maxX: x,
      minX: x,
      dd: 0,
    }
  }
  const r = x - Math.log(s.lastClose)
  s.n++
  s.sum += r
  s.sumSq += r * r
  s.maxX = Math.max(s.maxX, x)
  s.minX = Math.min(s.minX, x)
  s.dd = Math.max(s.dd, s.maxX - x)
  s.lastClose = close
  s.lastDate = date
  return s
}

/**
 * Stretch `a` followed by `b`: the return from a's last close to b's first
 * joins them, and the drawdown is the larger of each one's own and the fall
 * from a's peak to b's trough: max(ddA, ddB, maxA − minB).
 */
export function merge(a: Stretch, b: Stretch): Stretch {
  const r = Math.log(b.firstClose) - Math.log(a.lastClose)
  return {
    asset: a.asset,
    firstDate: a.firstDate,
    lastDate: b.lastDate,
    firstClose: a.firstClose,
    lastClose: b.lastClose,
    n: a.n + b.n + 1,
    sum: a.sum + b.sum + r,
    sumSq: a.sumSq + b.sumSq + r * r,
    maxX: Math.max(a.maxX, b.maxX),
    minX: Math.min(a.minX, b.minX),
    dd: Math.max(a.dd, b.dd, a.maxX - b.minX),
  }
}

/** An asset's features, from its whole series. */
export interface Features {
  asset: string
  days: number
  totalReturn: number
  volatility: number
  sharpe: number
  maxDrawdown: number
}

/** Features of a whole series: annualized with 252 trading days; the population std of log returns. */
export function features(s: Stretch): Features {
  const mean = s.n > 0 ? s.sum / s.n : 0
  const variance = s.n > 0 ? Math.max(0, s.sumSq / s.n - mean * mean) : 0
  const std = Math.sqrt(variance)
  return {
    asset: s.asset,
    days: s.n + 1,
    totalReturn: s.lastClose / s.firstClose - 1,
    volatility: std * Math.sqrt(252),
    sharpe: std > 0 ? (mean / std) * Math.sqrt(252) : 0,
    maxDrawdown: 1 - Math.exp(-s.dd),
  }
}

/** Rows of the result back to stretches, merged per asset in atom (file) order. */
export function mergeRows(rows: readonly Row[]): Map<string, Stretch> {
  const byAsset = new Map<string, Stretch>()
  for (const row of rows) {
    const s = { ...row } as unknown as Stretch
    const before = byAsset.get(s.asset)
    byAsset.set(s.asset, before ? merge(before, s) : s)
  }
  return byAsset
}

export default defineJob({
  params,
  atoms: (p: Params) => chunks(p.prices, { rows: p.rows }),
  async run(chunk) {
    const stretches = new Map<string, Stretch>()
    for await (const row of chunk.rows()) {
      const asset = String(row.asset)
      const close = Number(row.close)
      if (!(close > 0))
        throw new Error(
          `${chunk.file}: ${asset} on ${row.date}: close is not a positive number (${row.close})`,
        )
      stretches.set(asset, addClose(stretches.get(asset), asset, String(row.date), close))
    }
    // one row per asset seen in this chunk; `atom` (the chunk) keeps them in file order
    return [...stretches.values()].map((s) => ({ ...s }) as unknown as Row)
  },
  reduce(rows, { params: p }) {
    const ranked = [...mergeRows(rows).values()]
      .map(features)
      .sort((a, b) => b.sharpe - a.sharpe || a.asset.localeCompare(b.asset))
    const round = (v: number) => Math.round(v * 1e6) / 1e6
    return {
      assets: ranked.length,
      top: ranked.slice(0, p.top).map((f, i) => ({
        rank: i + 1,
        asset: f.asset,
        sharpe: round(f.sharpe),
        totalReturn: round(f.totalReturn),
        volatility: round(f.volatility),
        maxDrawdown: round(f.maxDrawdown),
      })),
      worstDrawdown: ranked.reduce<Features | undefined>(
        (w, f) => (w === undefined || f.maxDrawdown > w.maxDrawdown ? f : w),
        undefined,
      )?.asset,
    }
  },
})
