/**
 * `fanout/runner` from code, on the local target: run, plan, openJob,
 * listJobs and the job handle, as a research script uses them.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LimitReachedError, RunInterruptedError, UsageError } from '../../../src/core/errors.js'
import { defineJob } from '../../../src/core/job.js'
import { range } from '../../../src/core/sources.js'
import type { ProgressEvent } from '../../../src/executors/Executor.js'
import { listJobs, openJob, plan, run } from '../../../src/runner/index.js'
import { fixtureJob, makeTempDir, removeTempDir } from '../../helpers/cli.js'

const SQUARES = fixtureJob('squares.ts')
const FAILING = fixtureJob('failing-atoms.ts')
let root: string
let dir: string

beforeAll(async () => {
  dir = await makeTempDir('fanout-api-')
  root = join(dir, '.fanout')
})

afterAll(async () => {
  await removeTempDir(dir)
})

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('run()', () => {
  it('runs a job module on worker threads and hands back its rows, summary and stats', async () => {
    // Act
    const events: ProgressEvent[] = []
    const job = await run<{ square: number; label: string }>(SQUARES, {
      root,
      workers: 2,
      molecules: 5,
      params: { atoms: 30 },
      jobId: 'squares-1',
      onProgress: (e) => events.push(e),
    })
    // Assess
    expect(job.id).toBe('squares-1')
    expect(job.status).toBe('succeeded')
    expect(job.failed).toBe(false)
    expect(job.manifest.molecules).toHaveLength(5)
    const rows = await collect(job.rows())
    expect(rows.map((r) => r.atom)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(rows[7]).toMatchObject({ atom: 7, square: 49, label: 'a7' })
    expect(job.summary).toEqual({ rows: 30, sum: 8555, bigSum: 4350n })
    expect(job.stats?.rows).toBe(30)
    expect(events.filter((e) => e.kind === 'molecule-done')).toHaveLength(5)
    expect(events.at(-1)?.moleculesDone).toBe(5)
  })

  it('takes a file: URL, and params as --param strings', async () => {
    const job = await run(pathToFileURL(SQUARES), {
      root,
      workers: 1,
      params: ['atoms=4'],
      jobId: 'squares-url',
    })
    expect((await collect(job.rows())).map((r) => r.square)).toEqual([0, 1, 4, 9])
  })

  it('resolves when atoms fail, and the handle says which', async () => {
    const job = await run(FAILING, { root, workers: 1, jobId: 'failing-1' })
    expect(job.status).toBe('failed')
    expect(job.failed).toBe(true)
    const errors = await collect(job.errors())
    expect(errors.map((e) => [e.atom, e.name, e.message])).toEqual([
      [3, 'UnluckyError', 'atom 3 is unlucky'],
      [10, 'UnluckyError', 'atom 10 is unlucky'],
      [17, 'UnluckyError', 'atom 17 is unlucky'],
    ])
    expect((await collect(job.rows())).length).toBe(17)
  })

  it('writes the result as CSV, JSON Lines or Parquet by the extension', async () => {
    const job = await run(SQUARES, { root, workers: 1, params: { atoms: 3 }, jobId: 'w' })
    const csv = await job.write(join(dir, 'out', 'squares.csv'))
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe('atom,square,label,big')
    const jsonl = await job.write(join(dir, 'out', 'squares.jsonl'))
    expect(readFileSync(jsonl, 'utf8').trim().split('\n')).toHaveLength(3)
    await expect(job.write(join(dir, 'out', 'squares.xlsx'))).rejects.toThrow(UsageError)
  })

  it('refuses a job object or a function, saying why a module is needed', async () => {
    const inline = defineJob({ atoms: () => range(3), run: (i: number) => ({ i }) })
    for (const bad of [inline, () => ({}), undefined]) {
      const error = await run(bad as never, { root }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UsageError)
      expect((error as Error).message).toMatch(
        /^run takes the job's module, not .*: fanout bundles the module and sends it to worker threads and Lambda functions/,
      )
      expect((error as Error).message).toContain("run(new URL('./sweep.ts', import.meta.url))")
    }
  })

  it('rejects unknown options, bad counts and params that fail the schema, before any work', async () => {
    await expect(run(SQUARES, { root, wokers: 2 } as never)).rejects.toThrow(
      /^run: unknown option wokers \(known: target, root, /,
    )
    await expect(run(SQUARES, { root, workers: 0 })).rejects.toThrow(
      'run: Expected workers to be an integer from 1 and up, got 0 (number)',
    )
    await expect(run(SQUARES, { root, params: { atoms: 'many' } })).rejects.toThrow(
      /the job's params do not validate:\n {2}atoms: /,
    )
    await expect(run(SQUARES, { root, jobId: 'squares-1' })).rejects.toThrow(
      /^job id squares-1 is taken: /,
    )
  })

  it('rejects with RunInterruptedError when its signal aborts, keeping what was written', async () => {
    const controller = new AbortController()
    const pending = run(fixtureJob('slow.ts'), {
      root,
      workers: 2,
      jobId: 'aborted',
      signal: controller.signal,
      onProgress: () => controller.abort(),
    })
    await expect(pending).rejects.toBeInstanceOf(RunInterruptedError)
    const job = await openJob('aborted', { root })
    expect(job.status).toBe('interrupted')
  })
})

describe('run() under a budget', () => {
  it('refuses a start over maxCostUsd, and with force rejects with LimitReachedError, resumable', async () => {
    // Act: the estimate of 4 molecules is far over a millionth of a dollar
    const refused = run(SQUARES, { root, workers: 2, molecules: 4, maxCostUsd: 0.000001 })
    // its error is caught at once: it may end before `refused` is awaited
    const forced = run(SQUARES, {
      root,
      workers: 2,
      molecules: 4,
      maxCostUsd: 0.000001,
      force: true,
      jobId: 'capped-api',
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    // Assess
    await expect(refused).rejects.toThrow(/over --max-cost \$0\.000001: nothing was started/)
    await expect(refused).rejects.toBeInstanceOf(UsageError)
    const error = await forced
    expect(error).toBeInstanceOf(LimitReachedError)
    expect(error).toMatchObject({ limit: 'cost-cap', jobId: 'capped-api' })
    expect((await openJob('capped-api', { root })).status).toBe('cost-cap')
  })
})

describe('plan()', () => {
  it('reports atoms and molecules without running any atom', async () => {
    const p = await plan(SQUARES, { root, workers: 2, params: { atoms: 10 } })
    expect(p).toMatchObject({
      job: 'squares',
      atoms: 10,
      molecules: 8,
      scheme: 'linear',
      workers: 2,
      sizes: { min: 1, max: 2 },
    })
    expect(p.boundaries).toEqual([0, 2, 3, 4, 5, 7, 8, 9, 10])
    expect(p.bundle.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('openJob() and listJobs()', () => {
  it('opens a past job and streams its rows from the partials, even without the result file', async () => {
    rmSync(join(root, 'jobs', 'squares-1', 'result.parquet'))
    const job = await openJob('squares-1', { root })
    expect(job.status).toBe('succeeded')
    // the summary comes back as JSON: a bigint becomes a string
    expect(job.summary).toEqual({ rows: 30, sum: 8555, bigSum: '4350' })
    expect((await collect(job.rows())).map((r) => r.atom)).toHaveLength(30)
    expect(existsSync(join(root, 'jobs', 'squares-1', 'result.parquet'))).toBe(false)
  })

  it('lists every job of the target, newest first', async () => {
    const jobs = await listJobs({ root })
    expect(jobs.map((j) => j.id)).toEqual(
      expect.arrayContaining(['squares-1', 'squares-url', 'failing-1', 'w', 'aborted']),
    )
    const times = jobs.map((j) => j.startedAt)
    expect([...times].sort().reverse()).toEqual(times)
    expect(jobs.find((j) => j.id === 'failing-1')).toMatchObject({
      status: 'failed',
      target: 'local',
      atoms: 20,
      atomsOk: 17,
      atomsFailed: 3,
    })
  })

  it('names the target when it holds no such job', async () => {
    await expect(openJob('nope', { root })).rejects.toThrow(
      /^no job nope on --target local \(.* holds no manifest\)\. Job ids belong to a target/,
    )
  })
})
