import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import job, {
  type CpcvParams,
  type CpcvState,
  fitRidge,
  params as paramsSchema,
  readCloses,
  sharpe,
  solve,
  syntheticCloses,
} from '../../../examples/cpcv.js'
import type { CpcvSplit } from '../../../src/core/cpcv.js'
import { UsageError } from '../../../src/core/errors.js'
import type { Row } from '../../../src/core/types.js'

const dir = mkdtempSync(join(tmpdir(), 'fanout-cpcv-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Run every atom of the job like a single worker would, rows tagged with their atom. */
async function runAll(p: CpcvParams): Promise<{ splits: CpcvSplit[]; rows: Row[][] }> {
  const source = job.atoms(p)
  const state = (await job.setup?.(p)) as CpcvState
  const splits: CpcvSplit[] = []
  const rows: Row[][] = []
  for (let index = 0; index < source.count; index++) {
    const split = source.at(index)
    const out = await job.run(split, { index, moleculeId: 0, attempt: 1, params: p, state })
    splits.push(split)
    rows.push((Array.isArray(out) ? out : [out]).map((row) => ({ atom: index, ...row })))
  }
  return { splits, rows }
}

describe('examples/cpcv', () => {
  it('fills every param with its default', () => {
    // Prepare
    const input = {}

    // Act
    const p = paramsSchema.parse(input)

    // Assess
    expect(p).toEqual({
      bars: 2000,
      groups: 6,
      testGroups: 2,
      lags: 5,
      lambda: 1,
      embargo: 0.01,
      seed: 42,
    })
    expect(paramsSchema.safeParse({ bogus: 1 }).success).toBe(false)
  })

  it('runs 15 splits into one row per tested observation and reduces them to 5 paths', async () => {
    // Prepare
    const p = paramsSchema.parse({ bars: 600 })
    const observations = 600 - 1 - p.lags

    // Act
    const { splits, rows } = await runAll(p)
    const summary = job.reduce?.(rows.flat(), { params: p, failedAtoms: 0 }) as {
      paths: number
      sharpe: Record<'min' | 'p25' | 'median' | 'p75' | 'max' | 'mean', number>
      perPath: number[]
    }

    // Assess
    expect(splits.length).toBe(15)
    splits.forEach((split, s) => {
      const splitRows = rows[s] as Row[]
      expect(splitRows.length).toBe(split.test.length)
      expect(splitRows.map((r) => r.obs)).toEqual([...split.test])
      expect(split.embargoed + split.purged).toBeGreaterThan(0)
      for (const row of splitRows) {
        expect(Object.keys(row).sort()).toEqual([
          'atom',
          'forecast',
          'group',
          'obs',
          'path',
          'ret',
          'split',
        ])
        for (const value of Object.values(row)) expect(Number.isFinite(value)).toBe(true)
        const block = split.paths.find((b) => b.group === row.group)
        expect(block?.path).toBe(row.path)
      }
    })
    for (let path = 0; path < 5; path++) {
      const covered = rows
        .flat()
        .filter((r) => r.path === path)
        .map((r) => r.obs as number)
      expect(covered.sort((a, b) => a - b)).toEqual(
        Array.from({ length: observations }, (_, i) => i),
      )
    }
    expect(summary.paths).toBe(5)
    expect(summary.perPath.length).toBe(5)
    for (const value of [...summary.perPath, ...Object.values(summary.sharpe)]) {
      expect(Number.isFinite(value)).toBe(true)
    }
    const { min, p25, median, p75, max, mean } = summary.sharpe
    expect(min).toBeLessThanOrEqual(p25)
    expect(p25).toBeLessThanOrEqual(median)
    expect(median).toBeLessThanOrEqual(p75)
    expect(p75).toBeLessThanOrEqual(max)
    expect(mean).toBeGreaterThanOrEqual(min)
    expect(mean).toBeLessThanOrEqual(max)
  })

  it('is deterministic for a seed', async () => {
    // Prepare
    const p = paramsSchema.parse({ bars: 300, groups: 4, testGroups: 1 })

    // Act
    const first = await runAll(p)
    const second = await runAll(p)

    // Assess
    expect(second.rows).toEqual(first.rows)
    expect(syntheticCloses(50, 1)).toEqual(syntheticCloses(50, 1))
    expect(syntheticCloses(50, 1)).not.toEqual(syntheticCloses(50, 2))
  })

  it('solves linear systems and recovers a noiseless linear relation', () => {
    // Prepare: ret = 0.5 + 2·x0 − 1·x1 (x standardized inside the fit)
    const a = Float64Array.from([0, 2, 1, 1, 1, 0, 3, 0, 1])
    const b = Float64Array.from([3, 3, 7])
    const n = 200
    const features = new Float64Array(n * 2)
    const rets = new Float64Array(n)
    for (let o = 0; o < n; o++) {
      features[o * 2] = Math.sin(o)
      features[o * 2 + 1] = Math.cos(o * 0.7)
      rets[o] = 0.5 + 2 * Math.sin(o) - Math.cos(o * 0.7)
    }
    const train = Array.from({ length: 150 }, (_, i) => i)

    // Act
    const x = solve(a, b, 3)
    const forecast = fitRidge({ features, rets, lags: 2 }, train, 0)

    // Assess
    expect([...x].map((v) => Number(v.toFixed(10)))).toEqual([2, 1, 1])
    for (let o = 150; o < n; o++) expect(forecast(o)).toBeCloseTo(rets[o] as number, 9)
  })

  it('annualizes Sharpe with the population std, 0 when flat', () => {
    // Prepare
    const pnl = [0.01, -0.01, 0.02, 0]

    // Act
    const value = sharpe(pnl)

    // Assess
    const mean = 0.005
    const std = Math.sqrt((0.005 ** 2 * 2 + 0.015 ** 2 + 0.015 ** 2) / 4)
    expect(value).toBeCloseTo((mean / std) * Math.sqrt(252), 12)
    expect(sharpe([0.01, 0.01])).toBe(0)
    expect(sharpe([])).toBe(0)
  })

  it('reads closes from a CSV file and uses all of them', async () => {
    // Prepare
    const closes = syntheticCloses(120, 3)
    const file = join(dir, 'prices.csv')
    writeFileSync(file, `date,Close\n${[...closes].map((c, i) => `d${i},${c}`).join('\n')}\n`)
    const p = paramsSchema.parse({ prices: file, groups: 4, testGroups: 2, bars: 999 })

    // Act
    const source = job.atoms(p)
    const read = readCloses(file)

    // Assess
    expect([...read]).toEqual([...closes])
    expect(source.count).toBe(6)
    expect(source.at(0).test.length + source.at(0).train.length).toBeLessThanOrEqual(
      120 - 1 - p.lags,
    )
  })

  it('names the file and the fix when the CSV has no close column', () => {
    // Prepare
    const file = join(dir, 'no-close.csv')
    writeFileSync(file, 'date,open\nd0,1\n')

    // Act
    const act = () => readCloses(file)

    // Assess
    expect(act).toThrow(UsageError)
    expect(act).toThrow(
      `${file} has no close column (its columns: date, open). Add a header line with a column named close.`,
    )
  })
})
