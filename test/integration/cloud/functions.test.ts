import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionFor } from '../../../src/aws/connection.js'
import { BundleIntegrityError } from '../../../src/aws/errors.js'
import { fetchInvoker } from '../../../src/aws/lambda/fetchInvoker.js'
import { planCloud } from '../../../src/aws/lambda/planStep.js'
import { reduceCloud } from '../../../src/aws/lambda/reduceStep.js'
import { tallyCloud } from '../../../src/aws/lambda/tallyStep.js'
import { runWorker } from '../../../src/aws/lambda/workerStep.js'
import { S3ResultStore, s3ClientFor } from '../../../src/aws/s3/S3ResultStore.js'
import { fetchConnection } from '../../../src/aws/signedFetch.js'
import type { PlanEvent, TallyResult, WorkerEvent } from '../../../src/contracts/events.js'
import type { DispatchRecord } from '../../../src/contracts/records.js'
import { cloudSettingsSchema } from '../../../src/contracts/settings.js'
import type { Job } from '../../../src/core/job.js'
import { parseJobParams } from '../../../src/core/params.js'
import { freePort, startEmulator, stopEmulator } from '../../../src/emulator/index.js'
import { readFunctionLogs } from '../../../src/emulator/logs.js'
import { bundleJob, type JobBundle } from '../../../src/runtime/bundle.js'
import { BundleCache } from '../../../src/runtime/bundleCache.js'
import { readPartial } from '../../../src/runtime/partials.js'
import { runMolecule } from '../../../src/runtime/runMolecule.js'
import {
  bundleKeyOf,
  dispatchKey,
  errorsTableKey,
  partialsPrefix,
  resultKey,
} from '../../../src/store/layout.js'
import { loadManifest } from '../../../src/store/manifests.js'
import { decodeTable, tableToRows } from '../../../src/store/parquet.js'
import { createLambdaRole } from '../../helpers/emulator.js'
import { createZip } from '../../helpers/zip.js'

// The cloud path's logic (plan, worker, tally, reduce) against fanout's emulator: S3 from moto,
// and in one run, the worker as a real Lambda function behind the gateway, invoked with
// InvocationType Event. The emulator listens on a free port, never 4566.
const region = 'us-east-1'
const bucket = 'fanout-cloud-it'
const workerFunction = 'fanout-worker-it'
const fixture = join(import.meta.dirname, '../../fixtures/jobs/squares.ts')

let dir: string
let stateDir: string
let endpoint: string
let s3: S3Client
let lambda: LambdaClient
let store: S3ResultStore
let bundles: BundleCache
let bundle: JobBundle
let job: Job

/** The worker function's deployment package: functions/workerHandler.ts bundled, @aws-sdk left to the runtime. */
async function workerZip(): Promise<Buffer> {
  const out = await build({
    entryPoints: [join(import.meta.dirname, '../../../functions/workerHandler.ts')],
    bundle: true,
    minify: true,
    keepNames: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'silent',
  })
  return createZip({ 'index.mjs': (out.outputFiles[0] as { contents: Uint8Array }).contents })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-cloud-it-'))
  stateDir = join(dir, 'emulator')
  const emulator = await startEmulator({ port: await freePort(), stateDir, timeoutMs: 60_000 })
  endpoint = emulator.endpoint
  s3 = s3ClientFor(connectionFor('localstack', {}, { endpoint }))
  lambda = new LambdaClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  })
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  store = new S3ResultStore(s3, bucket)
  bundles = new BundleCache({ store, dir: join(dir, 'bundles') })
  bundle = await bundleJob(fixture, join(dir, 'built'))
  await store.put(bundleKeyOf(bundle.sha256), bundle.code, { ifAbsent: true })
  job = (await import(fixture)).default as Job

  const roleArn = await createLambdaRole(endpoint, region, 'fanout-cloud-it-role')
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: workerFunction,
      Runtime: 'nodejs22.x',
      Role: roleArn,
      Handler: 'index.handler',
      Code: { ZipFile: await workerZip() },
      Timeout: 30,
      MemorySize: 512,
      Environment: { Variables: { FANOUT_BUCKET: bucket, FANOUT_TMP: join(dir, 'lambda-tmp') } },
    }),
  )
}, 120_000)

afterAll(async () => {
  s3?.destroy()
  lambda?.destroy()
  if (stateDir) await stopEmulator({ stateDir })
  if (dir) await rm(dir, { recursive: true, force: true })
}, 30_000)

let ids = 0
function planEvent(
  params: Record<string, unknown>,
  molecules: number,
  cloud: Record<string, unknown> = {},
  maxAttempts = 2,
): PlanEvent {
  return {
    jobId: `cloud-it-${++ids}-${Date.now()}`,
    jobName: 'squares',
    jobFile: 'squares.ts',
    params,
    partition: { scheme: 'linear', workers: 1, molecules },
    maxAttempts,
    cloud: cloudSettingsSchema.parse({
      bundleKey: bundleKeyOf(bundle.sha256),
      sha256: bundle.sha256,
      ...cloud,
    }),
  }
}

const workerDeps = () => ({ store, loadBundle: bundles.loader })

/** Rows of the job run locally: one runMolecule over every atom. */
async function localRows(params: Record<string, unknown>) {
  const p = parseJobParams(job, params)
  const local = await runMolecule(job, p, [0, job.atoms(p).count])
  return tableToRows(local.table)
}

async function resultRows(jobId: string) {
  const bytes = await store.get(resultKey(jobId))
  if (!bytes) throw new Error(`no result for ${jobId}`)
  return tableToRows((await decodeTable(bytes)).table)
}

/** The rows a failed job kept: its partials, in molecule order (a failed job has no result file). */
async function keptRows(jobId: string) {
  expect(await store.exists(resultKey(jobId))).toBe(false)
  const manifest = await loadManifest(store, jobId)
  const rows: ReturnType<typeof tableToRows> = []
  for (const m of manifest.molecules) {
    const partial = await readPartial(store, jobId, m.id)
    if (partial) rows.push(...tableToRows(partial.table))
  }
  return rows
}

/** Tally until the job stops, polling with a deadline. */
async function tallyUntilStopped(
  jobId: string,
  invokeWorker: (e: WorkerEvent) => Promise<void>,
  timeoutMs = 60_000,
  pauseMs = 0,
): Promise<TallyResult[]> {
  const deadline = Date.now() + timeoutMs
  const results: TallyResult[] = []
  let waitSeconds: number | undefined
  for (;;) {
    const r = await tallyCloud(
      { jobId, ...(waitSeconds ? { waitSeconds } : {}) },
      { store, invokeWorker },
    )
    results.push(r)
    waitSeconds = r.waitSeconds
    if (r.status !== 'running') return results
    if (Date.now() > deadline) throw new Error(`job ${jobId} still running after ${timeoutMs} ms`)
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
  }
}

describe('the cloud path on the emulator, workers in-process', () => {
  it('plans, runs, tallies and reduces to the rows of the same job run locally', async () => {
    // Prepare
    const params = { atoms: 60 }
    const event = planEvent(params, 6)
    const queued: WorkerEvent[] = []
    const invokeWorker = async (e: WorkerEvent) => void queued.push(e)
    // Act
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker,
      target: 'localstack',
    })
    await Promise.all(queued.map((e) => runWorker(e, workerDeps())))
    const tallies = await tallyUntilStopped(ref.jobId, invokeWorker)
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(queued).toHaveLength(6)
    expect(tallies.at(-1)).toMatchObject({ status: 'done', moleculesDone: 6, redispatched: 0 })
    expect(reduced).toEqual({
      jobId: ref.jobId,
      status: 'succeeded',
      atoms: 60,
      atomsFailed: 0,
      rows: 60,
    })
    expect(await resultRows(ref.jobId)).toEqual(await localRows(params))
    const manifest = await loadManifest(store, ref.jobId)
    expect(manifest).toMatchObject({ status: 'succeeded', target: 'localstack', numAtoms: 60 })
    expect((await store.list(partialsPrefix(ref.jobId))).length).toBe(6)
  })

  it('keeps one row per atom when a molecule is delivered twice', async () => {
    // Prepare
    const params = { atoms: 30 }
    const queued: WorkerEvent[] = []
    const invokeWorker = async (e: WorkerEvent) => void queued.push(e)
    const ref = await planCloud(planEvent(params, 3), {
      store,
      loadBundle: bundles.loader,
      invokeWorker,
    })
    const dup = queued[1] as WorkerEvent
    // Act: molecule 1 twice at once, then once more after it is stored
    const outcomes = await Promise.all([
      ...queued.map((e) => runWorker(e, workerDeps())),
      runWorker(dup, workerDeps()),
    ])
    const late = await runWorker({ ...dup, attempt: 2 }, workerDeps())
    await tallyUntilStopped(ref.jobId, invokeWorker)
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(
      outcomes
        .filter((o) => o.moleculeId === 1)
        .map((o) => o.status)
        .sort(),
    ).toEqual(['duplicate', 'stored'])
    expect(late.status).toBe('skipped')
    expect(reduced.rows).toBe(30)
    const rows = await resultRows(ref.jobId)
    expect(new Set(rows.map((r) => r.atom)).size).toBe(30)
    expect(rows).toEqual(await localRows(params))
  })

  it('re-dispatches a molecule that never reported with attempt 2 after its timeout', async () => {
    // Prepare: the first delivery of molecule 1 is lost
    const params = { atoms: 20 }
    const delivered: WorkerEvent[] = []
    let dropped = 0
    const invokeWorker = async (e: WorkerEvent) => {
      if (e.moleculeId === 1 && e.attempt === 1) {
        dropped++
        return
      }
      delivered.push(e)
      await runWorker(e, workerDeps())
    }
    const event = planEvent(params, 4, { moleculeTimeoutMs: 1 })
    // Act
    const ref = await planCloud(event, { store, loadBundle: bundles.loader, invokeWorker })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const tallies = await tallyUntilStopped(ref.jobId, invokeWorker)
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(dropped).toBe(1)
    expect(delivered.filter((e) => e.moleculeId === 1).map((e) => e.attempt)).toEqual([2])
    expect(tallies[0]?.redispatched).toBe(1)
    expect(tallies.at(-1)?.status).toBe('done')
    const manifest = await loadManifest(store, ref.jobId)
    expect(manifest.molecules[1]?.attempts.map((a) => a.attempt)).toEqual([1, 2])
    expect(manifest.molecules[1]?.attempts[0]?.error).toMatch(/^no partial 1 ms after attempt 1/)
    expect(reduced).toMatchObject({ status: 'succeeded', rows: 20 })
    expect(await resultRows(ref.jobId)).toEqual(await localRows(params))
  })

  it('fails a molecule that never reports after maxAttempts, with one error row per atom', async () => {
    // Prepare: every delivery of molecule 2 is lost
    const params = { atoms: 20 }
    const invokeWorker = async (e: WorkerEvent) => {
      if (e.moleculeId !== 2) await runWorker(e, workerDeps())
    }
    const event = planEvent(params, 4, { moleculeTimeoutMs: 1 }, 2)
    // Act
    const ref = await planCloud(event, { store, loadBundle: bundles.loader, invokeWorker })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const tallies = await tallyUntilStopped(ref.jobId, invokeWorker, 60_000, 5)
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(tallies.at(-1)).toMatchObject({ status: 'done', moleculesFailed: 1, atomsFailed: 5 })
    expect(reduced).toMatchObject({ status: 'failed', atomsFailed: 5, rows: 15 })
    const manifest = await loadManifest(store, ref.jobId)
    expect(manifest.molecules[2]).toMatchObject({ status: 'failed' })
    expect(manifest.molecules[2]?.attempts.map((a) => a.attempt)).toEqual([1, 2])
    const errors = tableToRows(
      (await decodeTable((await store.get(errorsTableKey(ref.jobId))) as Uint8Array)).table,
    )
    expect(errors.map((e) => [e.atom, e.name])).toEqual(
      [10, 11, 12, 13, 14].map((atom) => [atom, 'MoleculeFailedError']),
    )
  })

  it('stops with failure-threshold when more atoms fail than tolerated', async () => {
    // Prepare: every 2nd atom throws; 10% tolerated
    const queued: WorkerEvent[] = []
    const invokeWorker = async (e: WorkerEvent) => void queued.push(e)
    const event = planEvent({ atoms: 20, failEvery: 2 }, 4, { failureTolerance: 0.1 })
    const ref = await planCloud(event, { store, loadBundle: bundles.loader, invokeWorker })
    // Act: only the first molecule reports
    await runWorker(queued[0] as WorkerEvent, workerDeps())
    const tally = await tallyCloud(ref, { store, invokeWorker })
    // Assess
    expect(tally.status).toBe('failure-threshold')
    expect(tally.cause).toBe('3 of 20 atoms failed (15%), more than the failure tolerance of 10%')
    expect((await loadManifest(store, ref.jobId)).status).toBe('failed')
  })

  it('refuses a bundle whose bytes do not hash to the sha256 its key names', async () => {
    // Prepare: a job, and its molecule 0 sent with a bundle stored under another hash's key
    const fake = '0'.repeat(64)
    await store.put(bundleKeyOf(fake), bundle.code)
    const planned = planEvent({ atoms: 3 }, 1)
    await planCloud(
      { ...planned, jobId: 'cloud-it-tampered' },
      {
        store,
        loadBundle: bundles.loader,
        invokeWorker: async () => {},
      },
    )
    const event: WorkerEvent = {
      jobId: 'cloud-it-tampered',
      bundleKey: bundleKeyOf(fake),
      sha256: fake,
      params: { atoms: 3 },
      moleculeId: 0,
      start: 0,
      end: 3,
      attempt: 1,
    }
    // Act
    const run = runWorker(event, {
      store,
      loadBundle: new BundleCache({ store, dir: join(dir, 'b2') }).loader,
    })
    // Assess
    await expect(run).rejects.toThrow(BundleIntegrityError)
    expect(await store.exists('jobs/cloud-it-tampered/partials/000000.parquet')).toBe(false)
    expect(await store.exists('jobs/cloud-it-tampered/crashes/000000-1.json')).toBe(true)
  })
})

describe('the cloud path on the emulator, workers as Lambda functions', () => {
  it('dispatches through the gateway with InvocationType Event and reduces to the local rows', async () => {
    // Prepare
    const params = { atoms: 400, failEvery: 97 }
    const event = planEvent(params, 40, { dispatchConcurrency: 16 })
    const invokeWorker = fetchInvoker(
      fetchConnection(connectionFor('localstack', {}, { endpoint }), 'lambda', { tries: 1 }),
      workerFunction,
    )
    // Act
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker,
      target: 'localstack',
    })
    // a duplicate delivery of molecule 0 through Lambda as well
    await invokeWorker({
      jobId: ref.jobId,
      bundleKey: event.cloud.bundleKey,
      sha256: event.cloud.sha256,
      params,
      moleculeId: 0,
      start: 0,
      end: 10,
      attempt: 1,
    })
    const tallies = await tallyUntilStopped(ref.jobId, invokeWorker, 90_000, 200)
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    const record = JSON.parse(
      new TextDecoder().decode(await store.get(dispatchKey(ref.jobId))),
    ) as DispatchRecord
    expect(record).toMatchObject({ molecules: 40, invoked: 40, failed: [] })
    console.log(
      JSON.stringify({
        gatewayDispatch: {
          invocations: record.invoked,
          ms: record.dispatchMs,
          perSecond: record.invocationsPerSecond,
          retries: record.retries,
        },
      }),
    )
    expect(tallies.at(-1)).toMatchObject({ status: 'done', moleculesDone: 40 })
    expect(reduced).toMatchObject({ status: 'failed', atoms: 400, atomsFailed: 5, rows: 395 })
    expect(await keptRows(ref.jobId)).toEqual(await localRows(params))
    const manifest = await loadManifest(store, ref.jobId)
    const billed = manifest.molecules.map((m) => m.attempts.at(-1)?.billedMs ?? 0)
    expect(billed.every((ms) => ms >= 1)).toBe(true)
    const logged = (
      await readFunctionLogs({ stateDir, functionName: workerFunction, contains: ref.jobId })
    )
      .map((e) => e.message)
      .filter((line) => line.includes('"molecule '))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>)
    expect(logged.length).toBeGreaterThanOrEqual(40)
    expect(logged.every((l) => l.jobId === ref.jobId && typeof l.moleculeId === 'number')).toBe(
      true,
    )
    expect(new Set(logged.map((l) => l.moleculeId)).size).toBe(40)
  }, 120_000)

  it('answers a bad event with a clear error, and logs the job and molecule ids on every line', async () => {
    // Prepare
    const bad = { jobId: 'cloud-it-bad', moleculeId: 7, attempt: 1, start: 0 }
    // Act
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: workerFunction,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(bad)),
      }),
    )
    const error = JSON.parse(new TextDecoder().decode(out.Payload)) as {
      errorType: string
      errorMessage: string
    }
    const deadline = Date.now() + 15_000
    let lines: string[] = []
    while (Date.now() < deadline) {
      const events = await readFunctionLogs({
        stateDir,
        functionName: workerFunction,
        contains: 'cloud-it-bad',
      })
      lines = events.map((e) => e.message)
      if (lines.length > 0) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // Assess
    expect(out.FunctionError).toBe('Unhandled')
    expect(error.errorType).toBe('EventValidationError')
    expect(error.errorMessage).toMatch(
      /^the worker function got an invalid event:\n {2}bundleKey: /,
    )
    expect(lines.length).toBeGreaterThan(0)
    const logged = JSON.parse(lines[0]?.slice(lines[0].indexOf('{')) ?? '{}') as Record<
      string,
      unknown
    >
    expect(logged).toMatchObject({
      level: 'ERROR',
      jobId: 'cloud-it-bad',
      moleculeId: 7,
      attempt: 1,
    })
  })
})
