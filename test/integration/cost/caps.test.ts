/**
 * `--max-cost` and `--deadline` on the local target, through the CLI. A start
 * whose estimate is over the cap is refused with nothing written; a job whose
 * atoms run slower than sampled is stopped at the cap while it runs (what
 * Lambda would bill, running executions included), keeps every partial,
 * exits 75 with the resume command, and a resume with a higher cap completes
 * it to a clean run's rows. A deadline stops new molecules; a resume after it
 * completes the job.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capShares } from '../../../src/core/caps.js'
import { manifestCostUsd } from '../../../src/core/cost.js'
import type { Estimate } from '../../../src/core/estimate.js'
import { priceUsage } from '../../../src/core/prices.js'
import {
  columnOf,
  fixtureJob,
  jobDir,
  jobIds,
  makeTempDir,
  readManifest,
  readTable,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

let cwd: string

beforeAll(async () => {
  cwd = await makeTempDir('fanout-caps-')
})

afterAll(async () => {
  await stopAllClis()
  await removeTempDir(cwd)
})

/** The underestimated job as 4 molecules of 10 atoms × 400 ms. */
const UNDER = ['--param', 'atoms=40', '--param', 'ms=400', '--molecules', '4']

const partials = (jobId: string) =>
  readdirSync(join(jobDir(cwd, jobId), 'partials')).filter((n) => /^\d{6}\.parquet$/.test(n))

async function expectAllRows(
  jobId: string,
  atoms: number,
  column: string,
  f: (i: number) => number,
) {
  const table = await readTable(join(jobDir(cwd, jobId), 'result.parquet'))
  const expected = Array.from({ length: atoms }, (_, i) => i)
  expect(columnOf(table, 'atom')).toEqual(expected)
  expect(columnOf(table, column)).toEqual(expected.map(f))
}

describe('fanout run --max-cost', () => {
  it('refuses a start whose estimate is over the cap, writing nothing', async () => {
    // Act: eight molecules cost at least eight invocation fees ($0.0000016)
    const r = await runCli(
      [
        'run',
        fixtureJob('slow.ts'),
        '--param',
        'atoms=8',
        '--param',
        'ms=1',
        '--molecules',
        '8',
        '--max-cost',
        '0.000001',
        '--no-progress',
      ],
      { cwd },
    )
    // Assess
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/the estimate is \$[\d.]+ to \$[\d.]+ .*over --max-cost \$0\.000001/)
    expect(r.stderr).toContain('nothing was started')
    expect(r.stderr).toContain('--force')
    expect(jobIds(cwd)).toEqual([])
  }, 60_000)

  it('with --force starts, and the cap holds: no molecule starts that would pass it', async () => {
    // Act
    const r = await runCli(
      [
        'run',
        fixtureJob('slow.ts'),
        '--param',
        'atoms=8',
        '--param',
        'ms=1',
        '--molecules',
        '8',
        '--max-cost',
        '0.000001',
        '--force',
        '--job-id',
        'forced',
        '--no-progress',
      ],
      { cwd },
    )
    // Assess
    expect(r.code, r.stderr).toBe(75)
    expect(r.stderr).toContain('job forced stopped at its cost cap')
    expect(readManifest(cwd, 'forced').status).toBe('cost-cap')
    expect(manifestCostUsd(readManifest(cwd, 'forced'))).toBeLessThanOrEqual(0.000001)
  }, 60_000)

  it('stops atoms slower than sampled at the cap, keeps the partials, and resumes with a higher cap', async () => {
    // Prepare: 4 molecules of 10 atoms × 400 ms; the estimate samples them at ~0 ms, so the
    // start is allowed, and each molecule really bills ~4 s at 1769 MB. The cap leaves room,
    // beside what it holds back for the plan, tallies and reduce (the estimate's, which varies
    // with this machine's load), for 2.5 real molecules: the first two end, the third may not
    const planned = await runCli(
      ['plan', fixtureJob('underestimated.ts'), ...UNDER, '--target', 'aws', '--json'],
      { cwd },
    )
    expect(planned.code, planned.stderr).toBe(0)
    const shares = capShares((JSON.parse(planned.stdout) as { estimate: Estimate }).estimate)
    const real = priceUsage({
      lambda: [{ invocations: 1, billedMs: 4000, memoryMb: 1769 }],
      s3Puts: 1,
      s3Gets: 2,
    }).totalUsd
    const cap = Number((shares.reservedUsd + 2.5 * real).toPrecision(3))
    // Act
    const r = await runCli(
      [
        'run',
        fixtureJob('underestimated.ts'),
        ...UNDER,
        '--workers',
        '2',
        '--max-cost',
        String(cap),
        '--job-id',
        'capped',
        '--no-progress',
      ],
      { cwd, timeoutMs: 60_000 },
    )
    // Assess: stopped at the cap, resumable; what it billed stayed within the cap
    expect(r.code, r.stderr).toBe(75)
    expect(r.stderr).toContain('job capped stopped at its cost cap')
    expect(r.stderr).toContain('Every partial is kept')
    expect(r.stderr).toContain('fanout resume capped --max-cost')
    const stopped = readManifest(cwd, 'capped')
    expect(stopped.status).toBe('cost-cap')
    expect(stopped.error).toContain(`cost cap of $${cap}`)
    const done = stopped.molecules.filter((m) => m.status === 'done').length
    expect(done).toBeGreaterThan(0)
    expect(done).toBeLessThan(4)
    expect(partials('capped')).toHaveLength(done)
    // a hard cap: the workers' bill plus what is held back for the orchestration stays within it
    const reserved = stopped.options.reservedUsd ?? 0
    expect(reserved).toBeGreaterThan(0)
    expect(manifestCostUsd(stopped) + reserved).toBeLessThanOrEqual(cap * 1.02)
    expect(readdirSync(jobDir(cwd, 'capped'))).not.toContain('result.parquet')
    // the status says how to go on
    const status = await runCli(['status', 'capped'], { cwd })
    expect(status.stdout).toContain('cost-cap')
    expect(status.stdout).toContain(`fanout resume capped --max-cost <more than $${cap}>`)

    // Act: the same cap again stops at once; a higher one completes the job
    const again = await runCli(['resume', 'capped', '--no-progress'], { cwd, timeoutMs: 60_000 })
    const resumed = await runCli(
      ['resume', 'capped', '--max-cost', '1', '--no-progress', '--json'],
      { cwd, timeoutMs: 60_000 },
    )
    // Assess
    expect(again.code, again.stderr).toBe(75)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', atoms: 40, rows: 40 })
    await expectAllRows('capped', 40, 'squared', (i) => i * i)
    expect(readManifest(cwd, 'capped').options.maxCostUsd).toBe(1)
  }, 120_000)
})

describe('fanout run --deadline', () => {
  it('starts no molecule after the deadline, and a resume completes the job', async () => {
    // Act: 30 molecules of 2 atoms × 200 ms on 2 workers is 6 s of work; the deadline is 2 s
    const r = await runCli(
      [
        'run',
        fixtureJob('slow.ts'),
        '--param',
        'atoms=60',
        '--param',
        'ms=200',
        '--workers',
        '2',
        '--molecules',
        '30',
        '--deadline',
        '2s',
        '--job-id',
        'late',
        '--no-progress',
      ],
      { cwd, timeoutMs: 60_000 },
    )
    // Assess
    expect(r.code, r.stderr).toBe(75)
    expect(r.stderr).toContain('job late stopped at its deadline')
    expect(r.stderr).toContain('fanout resume late (the passed deadline no longer holds')
    const stopped = readManifest(cwd, 'late')
    expect(stopped.status).toBe('deadline')
    const done = stopped.molecules.filter((m) => m.status === 'done').length
    expect(done).toBeLessThan(30)
    // molecules that started before the deadline finished: nothing started after it
    const deadline = stopped.options.deadline ?? 0
    for (const m of stopped.molecules) {
      for (const a of m.attempts) expect(a.startedAt).toBeLessThan(deadline)
    }

    // Act: the deadline passed, so it no longer holds the resume
    const resumed = await runCli(['resume', 'late', '--no-progress', '--json'], {
      cwd,
      timeoutMs: 60_000,
    })
    // Assess
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', rows: 60 })
    await expectAllRows('late', 60, 'twice', (i) => 2 * i)
  }, 120_000)
})
