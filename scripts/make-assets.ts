/**
 * Writes a multi-asset daily price file for examples/asset-features.ts: one
 * row per (business day, asset), in date order, `date,asset,close,volume`,
 * each asset a seeded geometric random walk with its own drift and
 * volatility. The defaults make 3,000,000 rows (500 assets × 6,000 days,
 * about 110 MB):
 *
 *   npx tsx scripts/make-assets.ts --out assets.csv
 *   npx tsx scripts/make-assets.ts --assets 50 --days 2000 --seed 7 --out small.csv
 */

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gaussian, mulberry32 } from '../src/core/random.js'

/** Options of {@link writeAssetsCsv}. */
export interface AssetsOptions {
  /** @default 500 */
  assets?: number
  /** Business days per asset. @default 6000 */
  days?: number
  /** @default 42 */
  seed?: number
}

/** The asset names: `A0001`, `A0002`, ... */
export function assetName(i: number): string {
  return `A${String(i + 1).padStart(4, '0')}`
}

/** Business days (Monday to Friday) from 2000-01-03, as `YYYY-MM-DD`. */
function* businessDays(count: number): Generator<string> {
  const day = new Date(Date.UTC(2000, 0, 3))
  for (let n = 0; n < count; ) {
    const weekday = day.getUTCDay()
    if (weekday !== 0 && weekday !== 6) {
      yield day.toISOString().slice(0, 10)
      n++
    }
    day.setUTCDate(day.getUTCDate() + 1)
  }
}

/**
 * Write the file; resolves with its row count (without the header).
 *
 * @example
 * ```ts
 * await writeAssetsCsv('assets.csv', { assets: 20, days: 300 }) // 6000
 * ```
 */
export async function writeAssetsCsv(path: string, options: AssetsOptions = {}): Promise<number> {
  const assets = options.assets ?? 500
  const days = options.days ?? 6000
  const rand = mulberry32(options.seed ?? 42)
  const normal = gaussian(rand)
  const drift = Array.from({ length: assets }, () => 0.0002 + 0.0004 * normal())
  const vol = Array.from({ length: assets }, () => 0.005 + 0.025 * rand())
  const price = Array.from({ length: assets }, () => 20 + 180 * rand())
  const out = createWriteStream(path)
  let buffer = 'date,asset,close,volume\n'
  let rows = 0
  for (const date of businessDays(days)) {
    for (let a = 0; a < assets; a++) {
      const close = price[a] as number
      const volume = Math.round(100_000 + 900_000 * rand())
      buffer += `${date},${assetName(a)},${close.toFixed(4)},${volume}\n`
      rows++
      price[a] = close * Math.exp((drift[a] as number) + (vol[a] as number) * normal())
    }
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }
  out.end(buffer)
  await once(out, 'finish')
  return rows
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      assets: { type: 'string', default: '500' },
      days: { type: 'string', default: '6000' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string', default: 'assets.csv' },
    },
  })
  const started = performance.now()
  const rows = await writeAssetsCsv(values.out, {
    assets: Number(values.assets),
    days: Number(values.days),
    seed: Number(values.seed),
  })
  process.stdout.write(
    `${values.out}: ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  )
}
