/**
 * `fanout run examples/ma-crossover.ts` end to end, as a user runs it: the
 * summary, the result table against an independent reference implementation
 * of the formulas, the progress lines without a TTY, and `--json`.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomWalk } from '../../../examples/ma-crossover.js'
import {
  type CliResult,
  columnOf,
  fixtureJob,
  jobDir,
  jobIds,
  MA_CROSSOVER,
  makeTempDir,
  readManifest,
  readTable,
  removeTempDir,
  runCli,
  stopAllClis,
  withTempCwd,
} from '../../helpers/cli.js'

const BARS = 2000
const SIDE = 6
const SEED = 7 // the example's default seed
const SMALL = ['--param', `bars=${BARS}`, '--param', `side=${SIDE}`]

/** The grid of the issue: fast = 5 … 5+side−1 (outer axis), slow = 20 + 4·b (inner axis). */
function expectedGrid(side: number): { fast: number; slow: number }[] {
  const pairs: { fast: number; slow: number }[] = []
  for (let a = 0; a < side; a++) {
    for (let b = 0; b < side; b++) pairs.push({ fast: 5 + a, slow: 20 + 4 * b })
  }
  return pairs
}

/**
 * The crossover Sharpe ratio straight from the formulas, written
 * naively (a direct mean per SMA, two-pass population std), independent of the
 * example's prefix sums.
 */
function referenceSharpe(p: Float64Array, fast: number, slow: number): number {
  const n = p.length
  const at = (t: number) => p[t] as number
  const sma = (w: number, t: number): number | undefined => {
    if (t < w - 1) return undefined
    let sum = 0
    for (let k = t - w + 1; k <= t; k++) sum += at(k)
    return sum / w
  }
  const pnl: number[] = []
  for (let t = 0; t <= n - 2; t++) {
    const r = Math.log(at(t + 1) / at(t))
    const f = sma(fast, t)
    const s = sma(slow, t)
    const position = f !== undefined && s !== undefined && f > s ? 1 : 0
    pnl.push(position * r)
  }
  const mean = pnl.reduce((acc, x) => acc + x, 0) / pnl.length
  const variance = pnl.reduce((acc, x) => acc + (x - mean) ** 2, 0) / pnl.length
  const std = Math.sqrt(variance)
  return std === 0 ? 0 : (mean / std) * Math.sqrt(252)
}

describe('fanout run examples/ma-crossover.ts', () => {
  let cwd: string
  let run: CliResult
  let jobId: string

  beforeAll(async () => {
    cwd = await makeTempDir()
    // Act (shared by the tests below): one small run on 2 worker threads, progress on
    run = await runCli(['run', MA_CROSSOVER, ...SMALL, '--workers', '2'], { cwd })
    jobId = jobIds(cwd)[0] ?? '(none)'
  })

  afterAll(async () => {
    await stopAllClis()
    await removeTempDir(cwd)
  })

  it('exits 0 and prints a summary naming the job id and where the result is', () => {
    // Prepare
    const resultPath = join(jobDir(cwd, jobId), 'result.parquet')

    // Act
    const ids = jobIds(cwd)

    // Assess
    expect(run.code, run.stderr).toBe(0)
    expect(ids).toEqual([jobId])
    expect(jobId).toMatch(/^ma-crossover-\d{8}-\d{6}-[0-9a-f]{4}$/)
    expect(run.stdout).toContain(`fanout: job ${jobId} succeeded`)
    expect(run.stdout).toContain(`atoms     ${SIDE * SIDE} (${SIDE * SIDE} ok, 0 failed)`)
    expect(run.stdout).toContain(`result    ${resultPath} (${SIDE * SIDE} rows)`)
    expect(run.stdout).toContain('errors    none')
    expect(existsSync(resultPath)).toBe(true)
  })

  it('writes side² rows ordered by atom, fast on the outer axis and slow on the inner', async () => {
    // Prepare
    const grid = expectedGrid(SIDE)

    // Act
    const table = await readTable(join(jobDir(cwd, jobId), 'result.parquet'))

    // Assess
    expect(table.numRows).toBe(SIDE * SIDE)
    expect(table.columns.map((c) => c.name)).toEqual(['atom', 'fast', 'slow', 'sharpe'])
    expect(columnOf(table, 'atom')).toEqual(grid.map((_, i) => i))
    expect(columnOf(table, 'fast')).toEqual(grid.map((g) => g.fast))
    expect(columnOf(table, 'slow')).toEqual(grid.map((g) => g.slow))
  })

  it('computes every sharpe as the naive reference implementation of the formulas does', async () => {
    // Prepare
    const prices = randomWalk(BARS, SEED)
    const expected = expectedGrid(SIDE).map((g) => referenceSharpe(prices, g.fast, g.slow))

    // Act
    const sharpe = columnOf(await readTable(join(jobDir(cwd, jobId), 'result.parquet')), 'sharpe')

    // Assess
    expect(sharpe).toHaveLength(expected.length)
    expect(expected.some((s) => s !== 0)).toBe(true)
    sharpe.forEach((value, i) => {
      expect(value as number, `atom ${i}`).toBeCloseTo(expected[i] as number, 12)
    })
  })

  it("prints reduce's best pair: the reference's highest sharpe, first in atom order", () => {
    // Prepare
    const prices = randomWalk(BARS, SEED)
    const grid = expectedGrid(SIDE)
    let best = 0
    const sharpes = grid.map((g) => referenceSharpe(prices, g.fast, g.slow))
    sharpes.forEach((s, i) => {
      if (s > (sharpes[best] as number)) best = i
    })

    // Act
    const match =
      /reduce\s+\{ best: \{ fast: (\d+), slow: (\d+), sharpe: (\S+) \}, pairs: (\d+) \}/.exec(
        run.stdout,
      )

    // Assess
    expect(match, run.stdout).not.toBeNull()
    expect(Number(match?.[1])).toBe(grid[best]?.fast)
    expect(Number(match?.[2])).toBe(grid[best]?.slow)
    expect(Number(match?.[3])).toBeCloseTo(sharpes[best] as number, 12)
    expect(Number(match?.[4])).toBe(SIDE * SIDE)
  })

  it('reports progress without a TTY as plain lines on stderr: the phases, then atoms', () => {
    // Prepare
    const molecules = 2 * 4 // workers × 4

    // Act
    const lines = run.stderr.split('\n').filter((l) => l !== '')

    // Assess
    expect(lines.slice(0, 4)).toEqual([
      `bundling: ${MA_CROSSOVER}`,
      'planning',
      `dispatching: ${molecules} molecules of ${SIDE * SIDE} atoms (2 workers × 4)`,
      'running',
    ])
    expect(lines.at(-1)).toBe('reducing')
    const counts = lines.slice(4, -1)
    expect(counts.length).toBeGreaterThan(0)
    expect(counts.length).toBeLessThanOrEqual(molecules)
    for (const line of counts)
      expect(line).toMatch(/^\d+\.\d% done: \d+\/36 atoms, \d\/8 molecules/)
    expect(counts.at(-1)).toMatch(/^100\.0% done: 36\/36 atoms, 8\/8 molecules/)
    // no bar control sequences
    expect(run.stderr).not.toContain('\u001b[')
  })
})

describe('fanout run --json', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it('prints one JSON line with the counts, wall time and phases', async () => {
    // Prepare
    const args = ['run', MA_CROSSOVER, ...SMALL, '--workers', '1', '--json', '--no-progress']

    // Act
    const result = await runCli(args, { cwd })

    // Assess
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const summary = JSON.parse(lines[0] as string)
    const [jobId] = jobIds(cwd)
    // fields that do not depend on this machine's cores or speed
    expect(summary).toMatchObject({
      jobId,
      status: 'succeeded',
      atoms: SIDE * SIDE,
      atomsOk: SIDE * SIDE,
      atomsFailed: 0,
      rows: SIDE * SIDE,
      molecules: 4, // workers × 4
      moleculesFailed: 0,
      workers: 1,
      result: join(jobDir(cwd, jobId as string), 'result.parquet'),
      errors: null,
      out: null,
      summary: { pairs: SIDE * SIDE },
    })
    expect(summary.wallMs).toBeTypeOf('number')
    expect(summary.wallMs).toBeGreaterThan(0)
    for (const phase of ['planMs', 'moleculesMs', 'reduceMs']) {
      expect(summary.phases[phase], phase).toBeTypeOf('number')
      expect(summary.phases[phase], phase).toBeGreaterThanOrEqual(0)
    }
    expect(summary.phases.moleculesMs + summary.phases.reduceMs).toBeLessThanOrEqual(summary.wallMs)
  })
})

describe('fanout run progress with more than 10 molecules', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it('writes nothing but phase lines and at most one count line per molecule to stderr', async () => {
    // Prepare
    const args = ['run', fixtureJob('slow.ts'), '--param', 'atoms=20', '--param', 'ms=0']

    // Act
    const result = await runCli([...args, '--workers', '2', '--molecules', '20'], { cwd })

    // Assess
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stderr.split('\n').filter((l) => l !== '')
    const counts = lines.filter((l) => /^\d+\.\d% done: \d+\/20 atoms, \d+\/20 molecules/.test(l))
    const phases = lines.filter((l) =>
      /^(bundling|planning|dispatching|running|reducing)\b/.test(l),
    )
    expect(counts.length + phases.length).toBe(lines.length)
    expect(phases).toHaveLength(5)
    expect(counts.length).toBeLessThanOrEqual(20)
    expect(counts.at(-1)).toMatch(/^100\.0% done: 20\/20 atoms, 20\/20 molecules/)
  })
})

describe('fanout run with a partial past its size limit', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it('fails each molecule at its first attempt, saying how many atoms fit', async () => {
    // Prepare: 2 molecules of 20 rows of 64 KB (~1.3 MB each) under a 1 MB cap, and 2 small ones
    const args = ['run', fixtureJob('wide-rows.ts'), '--param', 'atoms=40', '--molecules', '2']

    // Act
    const r = await runCli([...args, '--workers', '2', '--job-id', 'wide', '--no-progress'], {
      cwd,
      env: { FANOUT_MAX_PARTIAL_MB: '1' },
    })

    // Assess: a retry would make the same partial, so there is none
    expect(r.code).toBe(1)
    expect(`${r.stdout}${r.stderr}`).toMatch(/more than the 1 MB cap on one partial/)
    expect(`${r.stdout}${r.stderr}`).toMatch(
      /cut more molecules so each holds fewer rows: --atoms-per-molecule \d+/,
    )
    const manifest = readManifest(cwd, 'wide')
    expect(manifest.molecules.map((m) => m.status)).toEqual(['failed', 'failed'])
    for (const m of manifest.molecules) expect(m.attempts).toHaveLength(1)
  })
})
