import type { CostReport } from '../runner/jobCost.js'
import { duration, errorPercent, num, ranged, usd } from './costFormat.js'

/**
 * The cost lines of the run summary: what the run cost on Lambda (or, run
 * locally, would have cost), by part, and beside it the prediction made
 * before the run and the prediction's error.
 */
export function formatCost(report: CostReport): string[] {
  const m = report.measured
  const w = m.workers
  const r = m.requests
  const copies = [
    w.retries ? `${w.retries} retr${w.retries === 1 ? 'y' : 'ies'}` : '',
    w.speculative ? `${w.speculative} speculative` : '',
    w.cancelled ? `${w.cancelled} cancelled` : '',
    w.unbilled ? `${w.unbilled} with no billed figure` : '',
  ].filter(Boolean)
  const head =
    m.basis === 'lambda'
      ? `${usd(m.cost.totalUsd)} on Lambda (${m.architecture}, ${m.memoryMb} MB, ${m.prices.region} prices of ${m.prices.asOf})`
      : `${usd(m.cost.totalUsd)}: what this would have cost on Lambda at ${m.memoryMb} MB (${m.architecture}; this machine's times at Lambda's CPU share, ${m.prices.region} prices of ${m.prices.asOf})`
  const lines = [
    `  cost      ${head}`,
    `            ${num(m.cost.gbSeconds)} GB-s billed: workers ${num(w.gbSeconds)} over ${w.invocations} invocations${copies.length ? ` (${copies.join(', ')})` : ''}, plan/tally/reduce ${num(m.orchestration.gbSeconds)}`,
    `            ${r.invocations.total} Lambda invocations, ${r.transitions} state transitions${m.tallies.source === 'modelled' ? ' (modelled)' : ''}, ${r.s3Puts + r.s3Lists} S3 PUT/LIST, ${r.s3Gets} S3 GET`,
  ]
  const e = report.estimate
  if (e && report.error) {
    lines.push(
      `            predicted ${ranged(e.usd, usd)} (error ${errorPercent(m.cost.totalUsd, e.usd.mid)}${report.error.usdInRange ? ', within the range' : ', outside the range'}); worker GB-s ${ranged(e.workers.gbSeconds, num)} (error ${errorPercent(w.gbSeconds, e.workers.gbSeconds.mid)}); wall ${ranged(e.wallMs, duration)}`,
    )
  }
  return lines
}
