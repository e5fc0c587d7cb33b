import type { JobEstimate } from '../runner/estimateJob.js'
import { duration, num, ranged, usd } from './costFormat.js'

const STRATEGY: Record<string, string> = {
  planned: 'as planned',
  cost: 'cheapest',
  speed: 'fastest',
  balanced: 'balanced',
}

/** The estimate block of `fanout plan` (and of `run` before it starts), indented lines. */
export function formatEstimate(e: JobEstimate, indent = '  '): string[] {
  const s = e.sample
  const r = e.requests
  const lines = [
    `estimate on Lambda: ${e.architecture}, ${e.memoryMb} MB, ${e.molecules} molecules, concurrency ${e.concurrency}; ${e.prices.region} list prices of ${e.prices.asOf}`,
    `  sampled    ${s.points} atoms spread over the range × ${s.passes} passes in ${duration(s.wallMs)}: ${duration(s.atomMs)} per atom${s.ioBound ? ' (mostly waiting: I/O)' : ''}; setup ${duration(s.setupMs)}; bundle import ${duration(s.importMs)}`,
    `  wall       ${ranged(e.wallMs, duration)}`,
    `  GB-s       ${ranged(e.gbSeconds, num)} (workers ${ranged(e.workers.gbSeconds, num)})`,
    `  requests   ${ranged(r.invocations, num)} Lambda invocations, ${ranged(r.transitions, num)} state transitions, ${ranged({ low: r.s3Puts.low + r.s3Lists.low, mid: r.s3Puts.mid + r.s3Lists.mid, high: r.s3Puts.high + r.s3Lists.high }, num)} S3 PUT/LIST, ${ranged(r.s3Gets, num)} S3 GET`,
    `  cost       ${ranged(e.usd, usd)}`,
    '  configurations    memory  molecules  wall          cost',
  ]
  for (const g of e.suggestions) {
    lines.push(
      `    ${STRATEGY[g.strategy]?.padEnd(15)}${`${g.memoryMb} MB`.padStart(8)}  ${String(g.molecules).padStart(9)}  ${duration(g.wallMs).padEnd(12)}  ${usd(g.usd)}`,
    )
  }
  for (const note of e.notes) lines.push(`  note       ${note}`)
  lines.push(
    `  overheads  measured ${e.overheadsMeasured.date} on ${e.overheadsMeasured.machine} (${e.overheadsMeasured.how})`,
  )
  return lines.map((l) => `${indent}${l}`)
}
