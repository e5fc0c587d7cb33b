/**
 * The report's tables, built with DOM calls (text is set as text, never as
 * markup): the cost breakdown beside the prediction, the slowest molecules,
 * and the atom errors with a text filter.
 *
 * @module
 */
import { duration, errorPercent, num, usd } from '../../cli/costFormat.js'
import type { ReportAttempt, ReportData, ReportError } from './reportTypes.js'

/** An element with text content and attributes. */
export function el(
  tag: string,
  text?: string | number | null,
  attrs: Record<string, string> = {},
): HTMLElement {
  const e = document.createElement(tag)
  if (text !== undefined && text !== null) e.textContent = String(text)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  return e
}

/** A table of `rows` under `head`. */
export function table(
  head: readonly string[],
  rows: readonly (string | number)[][],
  attrs: Record<string, string> = {},
): HTMLTableElement {
  const t = el('table', null, attrs) as HTMLTableElement
  const tr = el('tr')
  for (const h of head) tr.append(el('th', h))
  t.append(el('thead'), el('tbody'))
  t.tHead?.append(tr)
  for (const row of rows) {
    const r = el('tr')
    for (const cell of row) r.append(el('td', cell))
    t.tBodies[0]?.append(r)
  }
  return t
}

/** The cost breakdown: measured by part, the prediction's mid estimate and its error. */
export function costTable(data: ReportData): HTMLElement {
  const c = data.cost
  if (!c) return el('p', 'No cost figures for this job.')
  const m = c.measured
  const e = c.estimate
  const parts: [string, keyof typeof m.cost][] = [
    ['Lambda compute', 'lambdaComputeUsd'],
    ['Lambda requests', 'lambdaRequestsUsd'],
    ['Step Functions transitions', 'stepFunctionsUsd'],
    ['S3 PUT/LIST', 's3PutUsd'],
    ['S3 GET', 's3GetUsd'],
    ['total', 'totalUsd'],
  ]
  const rows = parts.map(([label, key]) => [
    label,
    usd(m.cost[key]),
    e ? usd(e.breakdown[key]) : '—',
    e ? errorPercent(m.cost[key], e.breakdown[key]) : '—',
  ])
  rows.push([
    'GB-seconds (workers)',
    num(m.workers.gbSeconds),
    e
      ? `${num(e.workers.gbSeconds.mid)} (${num(e.workers.gbSeconds.low)} – ${num(e.workers.gbSeconds.high)})`
      : '—',
    e ? errorPercent(m.workers.gbSeconds, e.workers.gbSeconds.mid) : '—',
  ])
  rows.push([
    'GB-seconds (all functions)',
    num(m.cost.gbSeconds),
    e ? `${num(e.gbSeconds.mid)} (${num(e.gbSeconds.low)} – ${num(e.gbSeconds.high)})` : '—',
    e ? errorPercent(m.cost.gbSeconds, e.gbSeconds.mid) : '—',
  ])
  if (e) {
    rows.push([
      'predicted total range',
      '',
      `${usd(e.usd.low)} – ${usd(e.usd.high)}`,
      c.error?.usdInRange ? 'within' : 'outside',
    ])
    rows.push([
      'wall time',
      data.wallMs !== null ? duration(data.wallMs) : '—',
      `${duration(e.wallMs.mid)} (${duration(e.wallMs.low)} – ${duration(e.wallMs.high)})`,
      data.wallMs !== null ? errorPercent(data.wallMs, e.wallMs.mid) : '—',
    ])
  }
  const box = el('div')
  const basis =
    m.basis === 'lambda'
      ? `Measured on Lambda at ${m.memoryMb} MB (${m.architecture}).`
      : `What this run would have cost on Lambda at ${m.memoryMb} MB (${m.architecture}): this machine's times at Lambda's CPU share.`
  const w = m.workers
  box.append(
    el(
      'p',
      `${basis} ${w.invocations} worker invocations (${w.retries} ${w.retries === 1 ? 'retry' : 'retries'}, ${w.speculative} speculative, ${w.cancelled} cancelled${w.unbilled ? `, ${w.unbilled} with no billed figure` : ''}); ${m.requests.invocations.total} Lambda invocations in all, ${m.requests.transitions} state transitions (${m.tallies.source}), ${m.requests.s3Puts + m.requests.s3Lists} S3 PUT/LIST and ${m.requests.s3Gets} S3 GET requests. Prices: ${m.prices.region}, ${m.prices.asOf}.`,
    ),
    table(
      [
        '',
        'measured',
        e ? `predicted (${e.memoryMb} MB, ${e.molecules} molecules)` : 'predicted',
        'error',
      ],
      rows,
      { id: 'cost-table' },
    ),
  )
  if (!e)
    box.append(
      el(
        'p',
        'No prediction was made before this run (fanout run --estimate, or any cloud run, makes one).',
      ),
    )
  return box
}

/** The slowest molecule attempts, slowest first. */
export function slowestTable(data: ReportData, count = 10): HTMLElement {
  const slowest = [...data.attempts].sort((a, b) => b.to - b.from - (a.to - a.from)).slice(0, count)
  return table(
    ['molecule', 'attempt', 'atoms', 'duration', 'billed', 'kind', 'slot'],
    slowest.map((a: ReportAttempt) => [
      a.molecule,
      a.attempt,
      `${a.start}–${a.end - 1}`,
      duration(a.to - a.from),
      a.billedMs === null ? '—' : `${a.billedMs} ms`,
      a.kind,
      a.lane,
    ]),
    { id: 'slowest-table' },
  )
}

/** The atom errors, with a text filter over every column. */
export function errorsTable(data: ReportData): HTMLElement {
  const box = el('div')
  if (data.errorCount === 0) {
    box.append(el('p', 'No atom failed.'))
    return box
  }
  const input = el('input', null, {
    type: 'search',
    id: 'errors-filter',
    placeholder: 'filter errors: atom, molecule, name or message',
    'aria-label': 'filter errors',
  }) as HTMLInputElement
  const count = el('span', null, { id: 'errors-count' })
  const t = table(
    ['atom', 'molecule', 'attempt', 'error', 'message'],
    data.errors.map((r: ReportError) => [r.atom, r.molecule, r.attempt, r.name, r.message]),
    { id: 'errors-table' },
  )
  const rows = [...(t.tBodies[0]?.rows ?? [])]
  const texts = rows.map((r) => (r.textContent ?? '').toLowerCase())
  const apply = () => {
    const q = input.value.trim().toLowerCase()
    let shown = 0
    rows.forEach((r, i) => {
      const hit = q === '' || (texts[i] as string).includes(q)
      r.hidden = !hit
      if (hit) shown++
    })
    count.textContent = ` ${shown} of ${data.errors.length} shown${data.errorCount > data.errors.length ? ` (the job has ${data.errorCount}; its errors file holds them all)` : ''}`
  }
  input.addEventListener('input', apply)
  apply()
  box.append(el('p').appendChild(input).parentElement as HTMLElement, count, t)
  return box
}
