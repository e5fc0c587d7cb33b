/**
 * The commands that read past jobs (`jobs`, `status`, `result`, `logs`) on
 * the local target, and `init`, as a new user tries them.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fixtureJob,
  jobDir,
  makeTempDir,
  REPO,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

let cwd: string

beforeAll(async () => {
  cwd = await makeTempDir('fanout-jobs-')
  const ok = await runCli(
    ['run', fixtureJob('squares.ts'), '--param', 'atoms=12', '--job-id', 'sq', '--no-progress'],
    { cwd },
  )
  if (ok.code !== 0) throw new Error(ok.stderr)
  await runCli(['run', fixtureJob('failing-atoms.ts'), '--job-id', 'bad', '--no-progress'], { cwd })
}, 60_000)

afterAll(async () => {
  await stopAllClis()
  await removeTempDir(cwd)
})

describe('fanout jobs', () => {
  it('lists the local jobs newest first, with status and atom counts', async () => {
    const table = await runCli(['jobs'], { cwd })
    expect(table.code).toBe(0)
    const lines = table.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^JOB +STATUS +TARGET +ATOMS OK +FAILED +STARTED \(UTC\) +WALL$/)
    expect(lines[1]).toMatch(
      /^bad +failed +local +17\/20 +3 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[\d.]+ m?s$/,
    )
    expect(lines[2]).toMatch(/^sq +succeeded +local +12\/12 +0 /)
    const json = await runCli(['jobs', '--json'], { cwd })
    const jobs = JSON.parse(json.stdout) as { id: string; atomsFailed: number }[]
    expect(jobs.map((j) => [j.id, j.atomsFailed])).toEqual([
      ['bad', 3],
      ['sq', 0],
    ])
  })

  it('says so when a target has no jobs', async () => {
    const empty = await makeTempDir('fanout-jobs-empty-')
    const r = await runCli(['jobs'], { cwd: empty })
    expect(r).toMatchObject({ code: 0, stdout: 'fanout: no jobs on --target local\n' })
    await removeTempDir(empty)
  })
})

describe('fanout result', () => {
  it("prints the job's summary and writes its table with --out", async () => {
    const out = join(cwd, 'sq.csv')
    const r = await runCli(['result', 'sq', '--out', out], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('fanout: job sq (local) succeeded')
    expect(r.stdout).toContain('atoms     12 (12 ok, 0 failed)')
    expect(r.stdout).toContain(`result    ${join(jobDir(cwd, 'sq'), 'result.parquet')} (12 rows)`)
    expect(r.stdout).toContain("reduce    { rows: 12, sum: 506, bigSum: '660' }")
    expect(readFileSync(out, 'utf8').split('\n').slice(0, 2)).toEqual([
      'atom,square,label,big',
      '0,0,a0,0',
    ])
  })

  it('refuses an id of another target, and a bad --out before reading anything', async () => {
    const r = await runCli(['result', 'nope'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^fanout: no job nope on --target local \(/)
    const bad = await runCli(['result', 'sq', '--out', 'x.xlsx'], { cwd })
    expect(bad).toMatchObject({ code: 2, stdout: '' })
    expect(bad.stderr).toBe('fanout: --out must end in .parquet, .csv or .jsonl, got "x.xlsx"\n')
  })
})

describe('fanout logs and status on a local job', () => {
  it('shows the atom errors by cause and names the errors file that exists', async () => {
    const r = await runCli(['logs', 'bad'], { cwd })
    expect(r.code).toBe(0)
    const errors = join(jobDir(cwd, 'bad'), 'errors.parquet')
    expect(existsSync(errors)).toBe(true)
    expect(r.stdout).toBe(
      [
        'fanout: job bad ran locally; its atom errors, by cause (local runs have no function logs):',
        '  3 × UnluckyError: atom 3 is unlucky (atoms 3, 10, 17)',
        `  every error with its stack: ${errors}`,
        '',
      ].join('\n'),
    )
  })

  it('names no errors file when no atom failed', async () => {
    const r = await runCli(['logs', 'sq'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('fanout: job sq ran locally and no atom failed')
    expect(r.stdout).not.toContain('errors.parquet')
  })

  it('status reads the local job by default', async () => {
    const r = await runCli(['status', 'sq'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('fanout: job sq (local) succeeded')
  })
})

describe('fanout init', () => {
  it('writes a job project whose job type-checks and runs', async () => {
    // Prepare
    const dir = join(cwd, 'my-sweeps')
    // Act: init with this checkout as the fanout dependency, then install (from the npm cache where it can)
    const init = await runCli(['init', dir, '--fanout', `file:${REPO}`], { cwd, root: false })
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('npx fanout run jobs/sweep.ts')
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    expect(pkg.dependencies).toEqual({ fanout: `file:${REPO}` })
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      {
        cwd: dir,
        stdio: 'pipe',
      },
    )
    // Assess: the user's own tsc finds fanout's types; the job runs
    execFileSync(join(dir, 'node_modules', '.bin', 'tsc'), ['--noEmit'], {
      cwd: dir,
      stdio: 'pipe',
    })
    const run = execFileSync(
      process.execPath,
      [
        join(dir, 'node_modules', '.bin', 'fanout'),
        'run',
        'jobs/sweep.ts',
        '--workers',
        '1',
        '--json',
        '--no-progress',
      ],
      { cwd: dir, encoding: 'utf8' },
    )
    expect(JSON.parse(run)).toMatchObject({ status: 'succeeded', atoms: 9, rows: 9 })
    // and it overwrites nothing the second time
    const again = await runCli(['init', dir], { cwd, root: false })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain(
      'already has package.json, tsconfig.json, jobs/sweep.ts, .gitignore',
    )
  }, 120_000)
})
