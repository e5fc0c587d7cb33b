/**
 * The bad-input corpus (test/fixtures/bad/): every case gets one clear message
 * naming the problem and the fix, a non-zero exit, no result file, and no
 * earlier partial deleted or changed — the test asserts all four. The Lambda
 * events of the corpus (a foreign job id, a molecule range outside the job,
 * a bundle whose hash does not match, an event of the wrong shape) are given
 * to the worker step the functions run.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BundleIntegrityError } from '../../../src/aws/errors.js'
import { runWorker } from '../../../src/aws/lambda/workerStep.js'
import { EventValidationError } from '../../../src/contracts/errors.js'
import { type WorkerEvent, workerEventSchema } from '../../../src/contracts/events.js'
import { parseEvent } from '../../../src/contracts/parse.js'
import { BundleCache } from '../../../src/runtime/bundleCache.js'
import { FsResultStore } from '../../../src/store/FsResultStore.js'
import { bundleKeyOf, partialKey } from '../../../src/store/layout.js'
import { CLI_CASES, job } from '../../fixtures/bad/cases.js'
import {
  jobDir,
  listFiles,
  makeTempDir,
  readManifest,
  removeTempDir,
  runCli,
  snapshotFiles,
  stopAllClis,
} from '../../helpers/cli.js'

let cwd: string
let before: ReturnType<typeof snapshotFiles>

beforeAll(async () => {
  cwd = await makeTempDir('fanout-bad-')
  const earlier = await runCli(
    [
      'run',
      job('params'),
      '--param',
      'n=4',
      '--molecules',
      '2',
      '--job-id',
      'earlier',
      '--no-progress',
    ],
    { cwd },
  )
  if (earlier.code !== 0) throw new Error(earlier.stderr)
  before = snapshotFiles(join(jobDir(cwd, 'earlier'), 'partials'))
}, 60_000)

afterAll(async () => {
  await stopAllClis()
  await removeTempDir(cwd)
})

/** The result files of every job but the earlier one (and `broken`, its copy). */
function resultFiles(): string[] {
  return listFiles(join(cwd, '.fanout', 'jobs')).filter(
    (f) => f.endsWith('result.parquet') && !f.startsWith('earlier/') && !f.startsWith('broken/'),
  )
}

function expectEarlierUntouched(): void {
  expect(snapshotFiles(join(jobDir(cwd, 'earlier'), 'partials'))).toEqual(before)
  expect(readManifest(cwd, 'earlier').status).toBe('succeeded')
}

describe('the bad-input corpus, through the CLI', () => {
  it('has at least 30 cases', () => {
    expect(CLI_CASES.length).toBeGreaterThanOrEqual(30)
  })

  it.each(CLI_CASES)('$name', async (c) => {
    // Prepare
    for (const [file, text] of Object.entries(c.files ?? {})) writeFileSync(join(cwd, file), text)
    const broken = jobDir(cwd, 'broken')
    if (c.prepare && c.prepare !== 'root-file') {
      cpSync(jobDir(cwd, 'earlier'), broken, { recursive: true, force: true })
      const manifest = join(broken, 'manifest.json')
      const text = readFileSync(manifest, 'utf8')
      if (c.prepare === 'truncate-manifest') writeFileSync(manifest, text.slice(0, text.length / 2))
      if (c.prepare === 'garbage-manifest') writeFileSync(manifest, 'hello, this is no manifest')
      // foreign-manifest: the copy keeps the earlier job's manifest, which names job earlier
    }
    if (c.prepare === 'root-file') writeFileSync(join(cwd, 'a-file'), 'not a directory')
    const resultsBefore = resultFiles()

    // Act
    const r = await runCli(c.args, { cwd, root: c.root ?? true, timeoutMs: 60_000 })

    // Assess: the message, the exit code, no result file, no earlier partial touched
    const text = c.stream === 'stderr' ? r.stderr : r.stdout
    for (const says of c.says) {
      if (typeof says === 'string') expect(text).toContain(says)
      else expect(text).toMatch(says)
    }
    expect(r.code, r.stderr).toBe(c.code)
    if (c.code === 2) expect(r.stdout).toBe('')
    expect(r.stderr).not.toContain('unexpected error')
    expect(resultFiles()).toEqual(resultsBefore)
    expectEarlierUntouched()
  })
})

describe('the bad-input corpus, as Lambda events to the worker', () => {
  const store = () => new FsResultStore(join(cwd, '.fanout'))
  const manifest = () => readManifest(cwd, 'earlier')
  const good = (): WorkerEvent => ({
    jobId: 'earlier',
    bundleKey: bundleKeyOf(manifest().bundle.sha256),
    sha256: manifest().bundle.sha256,
    params: { n: 4 },
    moleculeId: 1,
    start: 2,
    end: 4,
    attempt: 2,
  })
  const deps = () => {
    const s = store()
    return {
      store: s,
      loadBundle: new BundleCache({ store: s, dir: join(cwd, 'lambda-tmp') }).loader,
    }
  }

  beforeAll(() => {
    // the bundle where the worker fetches it: the bucket's content-addressed key
    mkdirSync(join(cwd, '.fanout', 'bundles'), { recursive: true })
  })

  it.each([
    {
      name: 'a foreign job id',
      event: () => ({ ...good(), jobId: 'never-ran' }),
      error: EventValidationError,
      says: /the worker got an event for job never-ran, which has no manifest at .*never-ran\/manifest\.json: a foreign or deleted job; nothing was run/,
    },
    {
      name: 'a molecule range outside the job',
      event: () => ({ ...good(), moleculeId: 7, start: 40, end: 44 }),
      error: EventValidationError,
      says: "the worker got molecule 7 of job earlier as atoms [40, 44), but the job's manifest has no molecule 7 (it has 2); nothing was run",
    },
    {
      name: "a range that is not the molecule's",
      event: () => ({ ...good(), start: 1, end: 4 }),
      error: EventValidationError,
      says: "the worker got molecule 1 of job earlier as atoms [1, 4), but the job's manifest has it as [2, 4); nothing was run",
    },
    {
      name: 'a bundle whose hash does not match',
      event: () => ({
        ...good(),
        jobId: 'fresh',
        moleculeId: 0,
        start: 0,
        end: 2,
        bundleKey: bundleKeyOf('0'.repeat(64)),
        sha256: '0'.repeat(64),
      }),
      error: BundleIntegrityError,
      says: 'refusing to run it',
      prepare: async () => {
        // a job with a manifest and no partial yet: a copy of the earlier one, partials removed
        cpSync(jobDir(cwd, 'earlier'), jobDir(cwd, 'fresh'), { recursive: true })
        rmSync(join(jobDir(cwd, 'fresh'), 'partials'), { recursive: true })
        rmSync(join(jobDir(cwd, 'fresh'), 'result.parquet'))
        const m = JSON.parse(readFileSync(join(jobDir(cwd, 'fresh'), 'manifest.json'), 'utf8'))
        writeFileSync(
          join(jobDir(cwd, 'fresh'), 'manifest.json'),
          JSON.stringify({ ...m, jobId: 'fresh' }),
        )
        await store().put(bundleKeyOf('0'.repeat(64)), 'export default 1')
      },
    },
  ])('$name', async (c) => {
    // Prepare
    await c.prepare?.()
    const event = c.event()
    const partialBefore = existsSync(
      join(cwd, '.fanout', partialKey(event.jobId, event.moleculeId)),
    )
    // Act
    const run = runWorker(event as WorkerEvent, deps())
    // Assess
    await expect(run).rejects.toBeInstanceOf(c.error)
    await expect(run).rejects.toThrow(c.says)
    expect(existsSync(join(cwd, '.fanout', partialKey(event.jobId, event.moleculeId)))).toBe(
      partialBefore,
    )
    expect(resultFiles()).toEqual([])
    expectEarlierUntouched()
  })

  it('an event of the wrong shape', () => {
    const bad = { ...good(), moleculeId: -1, attempt: 0, extra: true }
    expect(() => parseEvent(workerEventSchema, bad, 'worker')).toThrow(EventValidationError)
    expect(() => parseEvent(workerEventSchema, bad, 'worker')).toThrow(
      /^the worker function got an invalid event:\n {2}moleculeId: Too small: expected number to be >=0\n {2}attempt: Too small: expected number to be >=1\n {2}\(event\): Unrecognized key: "extra"\nIt is sent by fanout itself: check that the CLI and the deployed stack are the same version\.$/,
    )
    expectEarlierUntouched()
  })
})
