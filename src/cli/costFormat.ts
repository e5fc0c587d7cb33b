/**
 * How the CLI writes money, durations and ranges: one place, so the plan,
 * the summary and the report read the same. No imports: the report's
 * browser code uses it too.
 *
 * @module
 */

/** A low–mid–high range (the estimate's `Range`). */
export interface Range {
  low: number
  mid: number
  high: number
}

/** Dollars with enough significant digits to tell small bills apart: `$0.000184`, `$12.35`. */
export function usd(value: number): string {
  if (!Number.isFinite(value)) return '$?'
  if (value === 0) return '$0'
  if (value >= 100) return `$${value.toFixed(2)}`
  return `$${Number(value.toPrecision(3))
    .toFixed(Math.max(2, 2 - Math.floor(Math.log10(Math.abs(value)))))
    .replace(/(\.\d*?[1-9])0+$/, '$1')}`
}

/** A duration: `12.3 µs`, `2.15 ms`, `850 ms`, `3.20 s`, `4.5 min`, `2.1 h`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?'
  if (ms === 0) return '0 ms'
  if (ms < 1) return `${Number((ms * 1000).toPrecision(3))} µs`
  if (ms < 10) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}

/** A number with 3 significant digits (GB-s, requests). */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '?'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return String(Number(value.toPrecision(3)))
}

/** `mid (low – high)` with a formatter. */
export function ranged(r: Range, format: (v: number) => string): string {
  const low = format(r.low)
  const high = format(r.high)
  return low === high ? format(r.mid) : `${format(r.mid)} (${low} – ${high})`
}

/** The relative error of `measured` against `predicted`, as `+12%` / `-8%`. */
export function errorPercent(measured: number, predicted: number): string {
  if (!(predicted > 0)) return 'n/a'
  const e = ((measured - predicted) / predicted) * 100
  return `${e >= 0 ? '+' : ''}${e.toFixed(Math.abs(e) < 10 ? 1 : 0)}%`
}
