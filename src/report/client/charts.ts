/**
 * The report's charts, drawn with Observable Plot into SVG: the timeline of
 * molecule attempts per worker slot, the histogram of molecule durations,
 * atoms per second over time, and the cost of the run beside its prediction.
 *
 * Observable Plot because its marks are SVG elements (the timeline's bars
 * can carry `data-molecule` and `data-attempt`, and print and zoom crisply),
 * its API is a few declarative lines per chart, and it is maintained by
 * Observable on top of D3; bundled with esbuild it adds about 270 KB
 * (minified) to the file, where Vega-Lite with Vega is about 800 KB and
 * ECharts about 1 MB; uPlot is smaller but draws on a canvas, which leaves
 * no element per attempt to check.
 *
 * @module
 */
import * as Plot from '@observablehq/plot'
import { duration, num, usd } from '../../cli/costFormat.js'
import {
  ATTEMPT_KINDS,
  type AttemptKind,
  type ReportAttempt,
  type ReportData,
} from './reportTypes.js'

/** The colour of each attempt kind. */
export const KIND_COLOURS: Record<AttemptKind, string> = {
  ok: '#4e79a7',
  retry: '#f28e2b',
  speculative: '#b07aa1',
  cancelled: '#bab0ac',
  failed: '#e15759',
  interrupted: '#76716d',
  open: '#edc948',
}

const LABELS: Record<AttemptKind, string> = {
  ok: 'done',
  retry: 'retry',
  speculative: 'speculative copy',
  cancelled: 'cancelled copy',
  failed: 'failed',
  interrupted: 'interrupted',
  open: 'never ended',
}

const colour = {
  type: 'ordinal' as const,
  domain: ATTEMPT_KINDS.map((k) => LABELS[k]),
  range: ATTEMPT_KINDS.map((k) => KIND_COLOURS[k]),
  legend: true,
}

function describe(a: ReportAttempt): string {
  const lines = [
    `molecule ${a.molecule}, attempt ${a.attempt} (${LABELS[a.kind]})`,
    `atoms ${a.start}–${a.end - 1}`,
    `from ${duration(a.from)} to ${duration(a.to)} (${duration(a.to - a.from)})`,
  ]
  if (a.billedMs !== null) lines.push(`billed ${a.billedMs} ms`)
  if (a.atomsFailed) lines.push(`${a.atomsFailed} atoms failed`)
  if (a.error) lines.push(a.error)
  return lines.join('\n')
}

/**
 * One bar per molecule attempt, from its start to its end, in its worker
 * slot; every bar is an SVG `rect` carrying `data-molecule`, `data-attempt`
 * and `data-kind`.
 */
export function timeline(data: ReportData, width: number): SVGSVGElement | HTMLElement {
  // an attempt shorter than this share of the run is drawn this wide, so that it shows
  const span = Math.max(1, ...data.attempts.map((a) => a.to))
  const least = span * 0.002
  const rowHeight = data.lanes > 200 ? 3 : data.lanes > 40 ? 8 : 18
  return Plot.plot({
    width,
    height: Math.max(120, data.lanes * rowHeight + 70),
    marginLeft: 60,
    x: { label: 'time since the first attempt started (s)', transform: (ms: number) => ms / 1000 },
    y: {
      label: 'worker slot',
      domain: [...Array(data.lanes).keys()],
      axis: data.lanes > 40 ? null : 'left',
    },
    color: colour,
    marks: [
      Plot.barX(data.attempts, {
        x1: 'from',
        x2: (a: ReportAttempt) => Math.max(a.to, a.from + least),
        y: 'lane',
        fill: (a: ReportAttempt) => LABELS[a.kind],
        title: describe,
        inset: 0.5,
        render(index, scales, values, dimensions, context, next) {
          const g = next?.(index, scales, values, dimensions, context) ?? null
          const rects = g ? g.querySelectorAll('rect') : []
          rects.forEach((rect, k) => {
            const a = data.attempts[index[k] as number] as ReportAttempt
            rect.setAttribute('data-molecule', String(a.molecule))
            rect.setAttribute('data-attempt', String(a.attempt))
            rect.setAttribute('data-kind', a.kind)
          })
          g?.setAttribute('data-chart', 'timeline')
          return g
        },
      }),
    ],
  })
}

/** A histogram of the attempts' durations, stacked by kind. */
export function durations(data: ReportData, width: number): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width,
    height: 220,
    x: { label: 'molecule duration (s)' },
    y: { label: 'attempts', grid: true },
    color: colour,
    marks: [
      Plot.rectY(
        data.attempts,
        Plot.binX<Plot.RectYOptions>(
          { y: 'count' },
          {
            x: (a: ReportAttempt) => (a.to - a.from) / 1000,
            fill: (a: ReportAttempt) => LABELS[a.kind],
          },
        ),
      ),
      Plot.ruleY([0]),
    ],
  })
}

/** Atoms per second over the run. */
export function throughput(data: ReportData, width: number): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width,
    height: 220,
    x: { label: 'time since the first attempt started (s)', transform: (ms: number) => ms / 1000 },
    y: { label: 'atoms/s', grid: true },
    marks: [
      Plot.areaY(data.throughput, {
        x: 't',
        y: 'atomsPerSecond',
        fill: '#4e79a7',
        fillOpacity: 0.2,
      }),
      Plot.lineY(data.throughput, { x: 't', y: 'atomsPerSecond', stroke: '#4e79a7' }),
      Plot.ruleY([0]),
    ],
  })
}

/** The measured dollars by part, beside the prediction's mid estimate, with the predicted range of the total. */
export function costBars(data: ReportData, width: number): SVGSVGElement | HTMLElement | null {
  const c = data.cost
  if (!c) return null
  const parts: [string, keyof typeof c.measured.cost][] = [
    ['Lambda compute', 'lambdaComputeUsd'],
    ['Lambda requests', 'lambdaRequestsUsd'],
    ['Step Functions', 'stepFunctionsUsd'],
    ['S3 PUT/LIST', 's3PutUsd'],
    ['S3 GET', 's3GetUsd'],
    ['total', 'totalUsd'],
  ]
  const rows = parts.flatMap(([part, key]) => [
    { part, which: 'measured', usd: c.measured.cost[key] },
    ...(c.estimate ? [{ part, which: 'predicted', usd: c.estimate.breakdown[key] }] : []),
  ])
  const range = c.estimate
    ? [{ part: 'total', which: 'predicted', low: c.estimate.usd.low, high: c.estimate.usd.high }]
    : []
  return Plot.plot({
    width,
    marginLeft: 80,
    marginRight: 170,
    x: { label: 'US dollars', grid: true, tickFormat: (v: number) => usd(v) },
    y: { label: null },
    fy: { label: null, domain: parts.map(([p]) => p) },
    color: { domain: ['measured', 'predicted'], range: ['#4e79a7', '#f28e2b'], legend: true },
    marks: [
      Plot.barX(rows, {
        x: 'usd',
        y: 'which',
        fy: 'part',
        fill: 'which',
        title: (r: { which: string; usd: number }) => `${r.which}: ${usd(r.usd)}`,
      }),
      Plot.ruleY(range, {
        x1: 'low',
        x2: 'high',
        y: 'which',
        fy: 'part',
        stroke: '#222',
        strokeWidth: 2,
      }),
      Plot.text(rows, {
        x: 'usd',
        y: 'which',
        fy: 'part',
        text: (r: { usd: number }) => usd(r.usd),
        dx: 4,
        textAnchor: 'start',
      }),
    ],
  })
}

/** A number for the page's text. */
export { duration, num, usd }
