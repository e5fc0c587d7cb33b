/**
 * The run report's browser code: reads the data embedded in the page
 * (`#fanout-report-data`), then draws the charts and fills the tables. The
 * page makes no network request: everything it shows is in the file.
 *
 * @module
 */

import { duration } from '../../cli/costFormat.js'
import { costBars, durations, throughput, timeline } from './charts.js'
import type { ReportData } from './reportTypes.js'
import { costTable, el, errorsTable, slowestTable } from './tables.js'

function section(id: string): HTMLElement {
  const found = document.getElementById(id)
  if (!found) throw new Error(`the report page has no #${id}`)
  return found
}

function mount(id: string, node: Node | null): void {
  const target = section(id)
  target.replaceChildren()
  if (node) target.append(node)
}

function render(data: ReportData): void {
  const width = Math.max(480, Math.min(1200, document.body.clientWidth - 48))
  const j = data.job
  document.title = `fanout report: ${j.id}`
  section('title').textContent = `fanout run report: ${j.id}`
  section('summary').textContent =
    `${j.name} (${j.file}) on ${j.target}: ${j.status}. ${j.atoms} atoms in ${j.molecules} molecules (${j.scheme}), ${data.attempts.length} attempts in ${data.lanes} worker slots${data.wallMs !== null ? `, wall ${duration(data.wallMs)}` : ''}. ${j.error ? `Job error: ${j.error}. ` : ''}Generated ${data.generatedAt} by fanout ${data.fanoutVersion}.`
  const none = () => el('p', 'No molecule ran.')
  mount('timeline', data.attempts.length ? timeline(data, width) : none())
  mount('durations', data.attempts.length ? durations(data, width) : none())
  mount(
    'throughput',
    data.throughput.length ? throughput(data, width) : el('p', 'No molecule finished.'),
  )
  const cost = el('div')
  cost.append(costTable(data))
  const bars = costBars(data, Math.min(width, 800))
  if (bars) cost.append(bars)
  mount('cost', cost)
  mount('slowest', slowestTable(data))
  mount('errors', errorsTable(data))
  document.body.dataset.rendered = 'true'
}

const script = document.getElementById('fanout-report-data')
if (!script?.textContent) throw new Error('the report page has no #fanout-report-data')
render(JSON.parse(script.textContent) as ReportData)
