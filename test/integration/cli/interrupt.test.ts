/**
 * A killed run, and its resume. One SIGINT: no new molecule starts, the
 * running ones finish; two: they are cancelled at once. Either way the CLI
 * marks the job interrupted, prints the resume command and exits 130, leaving
 * only whole partials and no temp files. SIGKILL: no clean-up is possible,
 * yet every partial present is whole (writes are atomic) and `status` shows
 * the job interrupted (its owner pid is dead). `fanout resume` completes each
 * to the rows of a clean run.
 *
 * The slow fixture blocks 100 ms per atom and 5 s on atom 0: on 2 workers one
 * worker is held by molecule 0 while the other finishes a 200 ms molecule after
 * another, so when the first partial appears neither worker is writing (the
 * signal lands ~200 ms away from the next write).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import {
  type CliResult,
  columnOf,
  fixtureJob,
  jobDir,
  listFiles,
  makeTempDir,
  readManifest,
  readTable,
  removeTempDir,
  runCli,
  startCli,
  stopAllClis,
  waitFor,
  withTempCwd,
} from '../../helpers/cli.js'
import { isAlive } from '../../helpers/process.js'

const SLOW = [
  'run',
  fixtureJob('slow.ts'),
  '--param',
  'atoms=41',
  '--param',
  'ms=100',
  '--param',
  'firstMs=5000',
  '--workers',
  '2',
  '--molecules',
  '20',
]

/** The whole partial files (`NNNNNN.parquet`) of a job, once there is at least one. */
function partialFiles(cwd: string, jobId: string): string[] | undefined {
  let names: string[]
  try {
    names = readdirSync(join(jobDir(cwd, jobId), 'partials'))
  } catch {
    return undefined
  }
  const whole = names.filter((n) => /^\d{6}\.parquet$/.test(n))
  return whole.length > 0 ? whole : undefined
}

/** Start the slow job, wait for its first partial, send `signals` (100 ms apart), wait for the exit. */
async function killAfterFirstPartial(
  cwd: string,
  jobId: string,
  ...signals: NodeJS.Signals[]
): Promise<CliResult> {
  const cli = startCli([...SLOW, '--job-id', jobId], { cwd })
  await waitFor(`a partial of ${jobId}`, async () => {
    if (cli.child.exitCode !== null) throw new Error(`the run ended early:\n${cli.stderr()}`)
    return partialFiles(cwd, jobId)
  })
  for (const [k, signal] of signals.entries()) {
    if (k > 0) await new Promise((r) => setTimeout(r, 100))
    process.kill(cli.pid, signal)
  }
  return cli.done
}

/** `fanout resume <jobId>` to the end, then the job's rows, which must be a clean run's. */
async function expectResumesToCleanRun(cwd: string, jobId: string): Promise<void> {
  const resumed = await runCli(['resume', jobId, '--no-progress', '--json'], {
    cwd,
    timeoutMs: 60_000,
  })
  expect(resumed.code, resumed.stderr).toBe(0)
  expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', atoms: 41, rows: 41 })
  const table = await readTable(join(jobDir(cwd, jobId), 'result.parquet'))
  const atoms = Array.from({ length: 41 }, (_, i) => i)
  expect(columnOf(table, 'atom')).toEqual(atoms)
  expect(columnOf(table, 'twice')).toEqual(atoms.map((i) => 2 * i))
  expect(readManifest(cwd, jobId)).toMatchObject({ status: 'succeeded', resumes: 1 })
}

/**
 * Decode every file under partials/ (those `include` keeps) and check each
 * holds exactly its molecule's rows; returns the file names.
 */
async function expectWholePartials(
  cwd: string,
  jobId: string,
  manifest: Manifest,
  include: (file: string) => boolean = () => true,
): Promise<string[]> {
  const dir = join(jobDir(cwd, jobId), 'partials')
  const files = readdirSync(dir).filter(include)
  expect(files.length).toBeGreaterThan(0)
  for (const file of files) {
    const table = await readTable(join(dir, file))
    const id = Number(file.slice(0, 6))
    const molecule = manifest.molecules[id]
    expect(molecule, file).toBeDefined()
    const atoms = Array.from(
      { length: (molecule?.end ?? 0) - (molecule?.start ?? 0) },
      (_, k) => (molecule?.start ?? 0) + k,
    )
    expect(columnOf(table, 'atom'), file).toEqual(atoms)
    expect(columnOf(table, 'twice'), file).toEqual(atoms.map((i) => 2 * i))
  }
  return files
}

describe('fanout run interrupted with one SIGINT', () => {
  let cwd: string
  let result: CliResult
  const jobId = 'sigint'

  beforeAll(async () => {
    cwd = await makeTempDir()
    // Act (shared): interrupt the slow job once its first partial exists
    result = await killAfterFirstPartial(cwd, jobId, 'SIGINT')
  }, 60_000)

  afterAll(async () => {
    await stopAllClis()
    await removeTempDir(cwd)
  })

  it('says running molecules finish, exits 130 with the resume command, and its process is gone', () => {
    // Assess
    expect(result.code, result.stderr).toBe(130)
    expect(result.signal).toBeNull()
    expect(result.stderr).toContain(
      'fanout: stopping: no new molecules start; the running ones finish and keep their partials (Ctrl-C again to cancel them now)',
    )
    expect(result.stderr).toContain(
      'fanout: job sigint interrupted; nothing written is lost. Continue it with: fanout resume sigint',
    )
    expect(result.stdout).toBe('')
    expect(isAlive(result.pid)).toBe(false)
  })

  it("marks the job 'interrupted', with the molecules that ran finished: whole partials, no temp files, no result", async () => {
    // Prepare
    const manifest = readManifest(cwd, jobId)

    // Act
    const files = listFiles(jobDir(cwd, jobId))
    const partials = await expectWholePartials(cwd, jobId, manifest)

    // Assess: molecule 0 (5 s) was running at the signal and finished
    expect(manifest.status).toBe('interrupted')
    expect(manifest.molecules[0]?.status).toBe('done')
    expect(manifest.molecules.filter((m) => m.status === 'running')).toEqual([])
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([])
    expect(files).not.toContain('result.parquet')
    expect(partials.length).toBeLessThan(20)
    for (const file of partials) {
      expect(manifest.molecules[Number(file.slice(0, 6))]?.status, file).toBe('done')
    }
  })

  it('shows as resumable, and resumes to the result of a clean run', async () => {
    const jobs = await runCli(['jobs', '--json'], { cwd })
    expect(JSON.parse(jobs.stdout)).toMatchObject([
      { id: jobId, status: 'interrupted', resumable: true },
    ])
    await expectResumesToCleanRun(cwd, jobId)
  }, 90_000)
})

describe('fanout run interrupted with two SIGINTs', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it('cancels the running molecules at once, keeps what was written, and resumes to a clean run', async () => {
    // Act
    const started = Date.now()
    const result = await killAfterFirstPartial(cwd, 'twice', 'SIGINT', 'SIGINT')

    // Assess: molecule 0's 5 s atom was cut short
    expect(result.code, result.stderr).toBe(130)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(result.stderr).toContain(
      'fanout: stopping now: the running molecules are cancelled; partials written so far are kept',
    )
    const manifest = readManifest(cwd, 'twice')
    expect(manifest.status).toBe('interrupted')
    expect(manifest.molecules[0]?.status).toBe('pending')
    expect(manifest.molecules[0]?.attempts[0]).toMatchObject({ interrupted: true })
    await expectWholePartials(cwd, 'twice', manifest, (f) => !f.startsWith('.tmp-'))
    await expectResumesToCleanRun(cwd, 'twice')
  }, 120_000)
})

describe('fanout run killed with SIGKILL', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it('leaves every partial present whole, is shown interrupted, and resumes to a clean run', async () => {
    // Prepare
    const jobId = 'sigkill'

    // Act
    const result = await killAfterFirstPartial(cwd, jobId, 'SIGKILL')

    // Assess
    expect(result.signal).toBe('SIGKILL')
    expect(isAlive(result.pid)).toBe(false)
    const manifest = readManifest(cwd, jobId)
    // nothing could record the end of the run, but the owner's pid is dead
    expect(manifest.status).toBe('running')
    expect(manifest.owner?.pid).toBe(result.pid)
    const status = await runCli(['status', jobId], { cwd })
    expect(status.stdout).toContain(`fanout: job ${jobId} (local) interrupted`)
    expect(status.stdout).toContain(`resume     fanout resume ${jobId}`)
    // a temp file may survive a SIGKILL; the store never lists it as a partial
    const partials = await expectWholePartials(cwd, jobId, manifest, (f) => !f.startsWith('.tmp-'))
    expect(partials.length).toBeGreaterThan(0)
    await expectResumesToCleanRun(cwd, jobId)
  }, 120_000)
})
