/**
 * Chaos on the local executor (FANOUT_FAULTS): with 20% crashes, 5% hangs,
 * 5% throttles and 5% S3 failures, a sweep completes and equals a clean run
 * row for row; with no retries it fails listing the missing atoms, and
 * `fanout resume` completes it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  columnOf,
  fixtureJob,
  jobDir,
  makeTempDir,
  plainTable,
  readManifest,
  readTable,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

// seed 15 gives jobs chaos, chaos-1 and chaos-2 every kind of fault in their first attempts
const FAULTS = 'crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=15'
const JOB = fixtureJob('chaos.ts')
const ATOMS = 240
let cwd: string
let clean: Awaited<ReturnType<typeof readTable>>

beforeAll(async () => {
  cwd = await makeTempDir('fanout-chaos-')
  const r = await runCli(['run', JOB, '--job-id', 'clean', '--molecules', '40', '--no-progress'], {
    cwd,
  })
  if (r.code !== 0) throw new Error(r.stderr)
  clean = await readTable(join(jobDir(cwd, 'clean'), 'result.parquet'))
}, 60_000)

afterAll(async () => {
  await stopAllClis()
  await removeTempDir(cwd)
})

async function resultOf(jobId: string) {
  return plainTable(await readTable(join(jobDir(cwd, jobId), 'result.parquet')))
}

describe.each([
  { workers: 2, name: 'worker threads' },
  { workers: 1, name: 'in-process' },
])('chaos on $name', ({ workers }) => {
  it('completes and equals a clean run row for row', async () => {
    // Act
    const jobId = `chaos-${workers}`
    const r = await runCli(
      [
        'run',
        JOB,
        '--job-id',
        jobId,
        '--molecules',
        '40',
        '--workers',
        String(workers),
        '--retries',
        '6',
        '--timeout',
        '2s',
        '--no-progress',
        '--json',
      ],
      { cwd, env: { FANOUT_FAULTS: FAULTS }, timeoutMs: 120_000 },
    )

    // Assess
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', rows: ATOMS, atomsFailed: 0 })
    expect(await resultOf(jobId)).toEqual(plainTable(clean))
    const manifest = readManifest(cwd, jobId)
    const errors = manifest.molecules.flatMap((m) => m.attempts.map((a) => a.error ?? ''))
    // the faults did happen, and each was retried
    expect(errors.some((e) => e.includes('timed out after 2000 ms'))).toBe(true)
    expect(errors.some((e) => e.includes('503 SlowDown (injected fault)'))).toBe(true)
    expect(errors.some((e) => /crash|exited|Terminat/i.test(e))).toBe(true)
    expect(manifest.molecules.every((m) => m.status === 'done')).toBe(true)
  }, 150_000)
})

describe('chaos with a retry budget too small', () => {
  it('fails listing the missing atoms, then resume completes it to the clean result', async () => {
    // Act
    const failed = await runCli(
      [
        'run',
        JOB,
        '--job-id',
        'tight',
        '--molecules',
        '40',
        '--retries',
        '0',
        '--timeout',
        '2s',
        '--no-progress',
      ],
      { cwd, env: { FANOUT_FAULTS: FAULTS }, timeoutMs: 120_000 },
    )
    const manifest = readManifest(cwd, 'tight')
    const lost = manifest.molecules.filter((m) => m.status === 'failed')

    // Assess: failed molecules' atoms are listed as errors, all others kept
    expect(failed.code).toBe(1)
    expect(lost.length).toBeGreaterThan(0)
    const lostAtoms = lost.flatMap((m) =>
      Array.from({ length: m.end - m.start }, (_, k) => m.start + k),
    )
    expect(failed.stderr).toContain(`fanout: ${lostAtoms.length} of ${ATOMS} atoms failed`)
    const errors = await readTable(join(jobDir(cwd, 'tight'), 'errors.parquet'))
    expect(columnOf(errors, 'atom')).toEqual(lostAtoms)
    expect(columnOf(errors, 'name')).toEqual(lostAtoms.map(() => 'MoleculeFailedError'))
    // a failed job leaves no result file: what succeeded stays in its partials
    expect(existsSync(join(jobDir(cwd, 'tight'), 'result.parquet'))).toBe(false)
    const kept = join(cwd, 'tight-kept.parquet')
    expect((await runCli(['result', 'tight', '--out', kept], { cwd })).code).toBe(0)
    expect((await readTable(kept)).numRows).toBe(ATOMS - lostAtoms.length)

    // Act: resume without faults
    const resumed = await runCli(['resume', 'tight', '--no-progress', '--json'], {
      cwd,
      timeoutMs: 120_000,
    })

    // Assess
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', rows: ATOMS })
    expect(await resultOf('tight')).toEqual(plainTable(clean))
  }, 240_000)
})
