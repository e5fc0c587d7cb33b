import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import { REPORT_DATA_ID, renderReport } from '../../../src/report/renderReport.js'
import { assignLanes, buildReportData, throughputOf } from '../../../src/report/reportData.js'
import { testManifest } from '../../helpers/manifest.js'

function job(): Manifest {
  const m = testManifest({ target: 'local', numAtoms: 20, boundaries: [0, 10, 20], workers: 2 })
  const t = 5000
  return {
    ...m,
    params: { big: 10n },
    updatedAt: new Date(t + 3000).toISOString(),
    molecules: [
      {
        ...(m.molecules[0] as Manifest['molecules'][number]),
        status: 'done',
        attempts: [
          { attempt: 1, startedAt: t, endedAt: t + 400, error: 'thread crashed' },
          { attempt: 2, startedAt: t + 500, endedAt: t + 1500, atomsOk: 10, atomsFailed: 0 },
        ],
      },
      {
        ...(m.molecules[1] as Manifest['molecules'][number]),
        status: 'done',
        attempts: [
          { attempt: 1, startedAt: t, endedAt: t + 2000, cancelled: true, error: 'cancelled' },
          { attempt: 2, startedAt: t + 1000, endedAt: t + 1800, speculative: true, atomsOk: 10 },
          { attempt: 3, startedAt: t + 1900 },
        ],
      },
    ],
  }
}

describe('buildReportData', () => {
  it('has one entry per attempt, each with its kind, counted from the first start', () => {
    // Act
    const d = buildReportData({ manifest: job(), errors: [], cost: null, fanoutVersion: '0.1.0' })
    // Assess
    expect(d.attempts.map((a) => [a.molecule, a.attempt, a.kind, a.from, a.to])).toEqual([
      [0, 1, 'failed', 0, 400],
      [0, 2, 'retry', 500, 1500],
      [1, 1, 'cancelled', 0, 2000],
      [1, 2, 'speculative', 1000, 1800],
      // never ended: drawn until the manifest's last update
      [1, 3, 'open', 1900, 3000],
    ])
    expect(d.t0).toBe(5000)
    expect(d.job.params).toEqual({ big: '10' })
    expect(d.lanes).toBe(3)
  })

  it('spreads the atoms of the stored attempts over their runs for atoms/s', () => {
    // Act
    const d = buildReportData({ manifest: job(), errors: [], cost: null, fanoutVersion: '0.1.0' })
    // Assess: the stored attempt of molecule 0 (attempt 2, 500–1500 ms, 10 atoms) is the only
    // one that ended (molecule 1's last record never did): 60 bins of 25 ms hold its 10 atoms
    expect(d.throughput).toHaveLength(60)
    const atoms = d.throughput.reduce((sum, b) => sum + b.atomsPerSecond * 0.025, 0)
    expect(atoms).toBeCloseTo(10, 9)
    expect(d.throughput[0]?.atomsPerSecond).toBe(0)
    expect(d.throughput[59]?.atomsPerSecond).toBeCloseTo(10, 9)
  })
})

describe('buildReportData of a job that never ran', () => {
  it("has no attempts, no lanes and no throughput, and counts from the job's creation", () => {
    // Prepare
    const m = testManifest({ target: 'local', numAtoms: 5, boundaries: [0, 5], workers: 1 })
    // Act
    const d = buildReportData({ manifest: m, errors: [], cost: null, fanoutVersion: '0.1.0' })
    // Assess
    expect(d).toMatchObject({ attempts: [], lanes: 0, throughput: [], errorCount: 0, wallMs: null })
    expect(d.t0).toBe(Date.parse(m.createdAt))
  })
})

describe('assignLanes', () => {
  it('puts each interval in the lowest lane free by its start', () => {
    expect(
      assignLanes([
        { from: 0, to: 10 },
        { from: 0, to: 5 },
        { from: 5, to: 7 },
        { from: 10, to: 12 },
        { from: 6, to: 9 },
      ]),
    ).toEqual([0, 1, 1, 0, 2])
  })
})

describe('throughputOf', () => {
  it('keeps every atom: the bins add up to the atoms run', () => {
    // Act: 100 atoms over 0–1 s, 50 over 0.5–2 s, in 4 bins of 0.5 s
    const bins = throughputOf(
      [
        { from: 0, to: 1000, atoms: 100 },
        { from: 500, to: 2000, atoms: 50 },
      ],
      4,
    )
    // Assess
    expect(bins.map((b) => b.t)).toEqual([250, 750, 1250, 1750])
    expect(bins.map((b) => Math.round(b.atomsPerSecond * 0.5 * 1000) / 1000)).toEqual(
      [50, 50 + 50 / 3, 50 / 3, 50 / 3].map((x) => Math.round(x * 1000) / 1000),
    )
  })
})

describe('renderReport', () => {
  it('embeds the data as JSON that no string in it can break out of', () => {
    // Prepare: an error message that tries to end the script element
    const data = buildReportData({
      manifest: job(),
      errors: [
        {
          atom: 3,
          molecule: 0,
          attempt: 2,
          name: 'Error',
          message: '</script><img src=x onerror=alert(1)>',
        },
      ],
      cost: null,
      fanoutVersion: '0.1.0',
    })
    // Act
    const html = renderReport(data, 'console.log("</script>")')
    // Assess
    const open = `<script type="application/json" id="${REPORT_DATA_ID}">`
    const start = html.indexOf(open) + open.length
    const end = html.indexOf('</script>', start)
    expect(JSON.parse(html.slice(start, end))).toEqual(JSON.parse(JSON.stringify(data)))
    expect(html.match(/<\/script>/g)?.length).toBe(2)
    expect(html).toContain('console.log("<\\/script>")')
    expect(html).not.toMatch(/\b(src|href)=["']?https?:/)
    expect(html).toContain("default-src 'none'")
  })
})
