/**
 * A killed run. SIGINT: the CLI stops its workers, marks the job interrupted
 * and exits 130, leaving only whole partials and no temp files. SIGKILL: no
 * clean-up is possible, yet every partial present is whole (writes are atomic).
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
  startCli,
  stopAllClis,
  waitFor,
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

/** Start the slow job, wait for its first partial, send `signal`, wait for the exit. */
async function killAfterFirstPartial(
  cwd: string,
  jobId: string,
  signal: NodeJS.Signals,
): Promise<CliResult> {
  const cli = startCli([...SLOW, '--job-id', jobId], { cwd })
  await waitFor(`a partial of ${jobId}`, async () => {
    if (cli.child.exitCode !== null) throw new Error(`the run ended early:\n${cli.stderr()}`)
    return partialFiles(cwd, jobId)
  })
  process.kill(cli.pid, signal)
  return cli.done
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

describe('fanout run interrupted with SIGINT', () => {
  let cwd: string
  let result: CliResult
  const jobId = 'sigint'

  beforeAll(async () => {
    cwd = await makeTempDir()
    // Act (shared): interrupt the slow job once its first partial exists
    result = await killAfterFirstPartial(cwd, jobId, 'SIGINT')
  })

  afterAll(async () => {
    await stopAllClis()
    await removeTempDir(cwd)
  })

  it('exits 130 saying it was interrupted, and its process is gone', () => {
    // Prepare
    const message = 'fanout: interrupted; stopping workers (partials written so far are kept)'

    // Act
    const alive = isAlive(result.pid)

    // Assess
    expect(result.code, result.stderr).toBe(130)
    expect(result.signal).toBeNull()
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
    expect(alive).toBe(false)
  })

  it("marks the job 'interrupted' and leaves whole partials, no temp files, no result", async () => {
    // Prepare
    const manifest = readManifest(cwd, jobId)

    // Act
    const files = listFiles(jobDir(cwd, jobId))
    const partials = await expectWholePartials(cwd, jobId, manifest)

    // Assess
    expect(manifest.status).toBe('interrupted')
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([])
    expect(files).not.toContain('result.parquet')
    expect(files).not.toContain('stats.json')
    expect(partials.length).toBeLessThan(20)
    for (const file of partials) {
      expect(manifest.molecules[Number(file.slice(0, 6))]?.status, file).toBe('done')
    }
  })

  it('records no molecule as running beyond the 2 that the workers held', () => {
    // Prepare
    const manifest = readManifest(cwd, jobId)

    // Act
    const running = manifest.molecules.filter((m) => m.status === 'running')

    // Assess
    expect(running.length).toBeLessThanOrEqual(2)
  })
})

describe('fanout run killed with SIGKILL', () => {
  let cwd: string

  beforeAll(async () => {
    cwd = await makeTempDir()
  })

  afterAll(async () => {
    await stopAllClis()
    await removeTempDir(cwd)
  })

  it('leaves every partial present whole', async () => {
    // Prepare
    const jobId = 'sigkill'

    // Act
    const result = await killAfterFirstPartial(cwd, jobId, 'SIGKILL')

    // Assess
    expect(result.signal).toBe('SIGKILL')
    expect(isAlive(result.pid)).toBe(false)
    const manifest = readManifest(cwd, jobId)
    // nothing could record the end of the run
    expect(manifest.status).toBe('running')
    // a temp file may survive a SIGKILL; the store never lists it as a partial
    const partials = await expectWholePartials(cwd, jobId, manifest, (f) => !f.startsWith('.tmp-'))
    expect(partials.length).toBeGreaterThan(0)
  })
})
