import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { planCloud } from '../../../../src/aws/lambda/planStep.js'
import { reduceCloud } from '../../../../src/aws/lambda/reduceStep.js'
import { tallyCloud } from '../../../../src/aws/lambda/tallyStep.js'
import { runWorker } from '../../../../src/aws/lambda/workerStep.js'
import type { PlanEvent, WorkerEvent } from '../../../../src/contracts/events.js'
import type { DispatchRecord } from '../../../../src/contracts/records.js'
import { cloudSettingsSchema } from '../../../../src/contracts/settings.js'
import { StoreError, UsageError } from '../../../../src/core/errors.js'
import type { Job } from '../../../../src/core/job.js'
import { parseJobParams } from '../../../../src/core/params.js'
import { bundleJob, type JobBundle } from '../../../../src/runtime/bundle.js'
import { BundleCache } from '../../../../src/runtime/bundleCache.js'
import { readPartial } from '../../../../src/runtime/partials.js'
import { runMolecule } from '../../../../src/runtime/runMolecule.js'
import { FsResultStore } from '../../../../src/store/FsResultStore.js'
import {
  bundleKeyOf,
  dispatchKey,
  errorsTableKey,
  resultKey,
  summaryKey,
} from '../../../../src/store/layout.js'
import { loadManifest } from '../../../../src/store/manifests.js'
import { decodeTable, tableToRows } from '../../../../src/store/parquet.js'

// The cloud path's logic over the filesystem store, with an in-process "Lambda":
// the emulator suite (test/integration/cloud) runs the same over S3.
const fixture = join(import.meta.dirname, '../../../fixtures/jobs/squares.ts')
let dir: string
let store: FsResultStore
let bundles: BundleCache
let bundle: JobBundle

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-cloud-flow-'))
  store = new FsResultStore(join(dir, 'store'))
  bundles = new BundleCache({ store, dir: join(dir, 'tmp') })
  bundle = await bundleJob(fixture, join(dir, 'built'))
  await store.put(bundleKeyOf(bundle.sha256), bundle.code)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let ids = 0
function planEvent(overrides: Partial<PlanEvent> = {}, cloud: object = {}): PlanEvent {
  return {
    jobId: `flow-${++ids}`,
    jobName: 'squares',
    jobFile: 'squares.ts',
    params: { atoms: 20 },
    partition: { scheme: 'linear', workers: 1, molecules: 4 },
    maxAttempts: 2,
    cloud: cloudSettingsSchema.parse({
      bundleKey: bundleKeyOf(bundle.sha256),
      sha256: bundle.sha256,
      ...cloud,
    }),
    ...overrides,
  }
}

/** A worker invoker that queues events, as Lambda's async queue does. */
function queue() {
  const events: WorkerEvent[] = []
  return { events, invokeWorker: async (e: WorkerEvent) => void events.push(e) }
}

const workerDeps = () => ({ store, loadBundle: bundles.loader })

describe('the cloud path over a filesystem store', () => {
  it('plans, runs, tallies and reduces a job to the same rows as one local molecule', async () => {
    // Prepare
    const q = queue()
    const event = planEvent({ params: { atoms: 20, failEvery: 7 } })
    // Act
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    const outcomes = await Promise.all(q.events.map((e) => runWorker(e, workerDeps())))
    const tally = await tallyCloud(ref, { store, invokeWorker: q.invokeWorker })
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(ref).toEqual({ jobId: event.jobId, waitSeconds: 2 })
    expect(q.events.map((e) => [e.moleculeId, e.start, e.end, e.attempt])).toEqual([
      [0, 0, 5, 1],
      [1, 5, 10, 1],
      [2, 10, 15, 1],
      [3, 15, 20, 1],
    ])
    expect(q.events[0]).toMatchObject({ bundleKey: event.cloud.bundleKey, params: event.params })
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored'])
    expect(tally).toMatchObject({
      status: 'done',
      moleculesDone: 4,
      atomsFailed: 3,
      redispatched: 0,
    })
    expect(reduced).toEqual({
      jobId: event.jobId,
      status: 'failed',
      atoms: 20,
      atomsFailed: 3,
      rows: 17,
    })
    // a failed job leaves no result file: its rows are in its partials
    expect(await store.exists(resultKey(event.jobId))).toBe(false)
    const rows: ReturnType<typeof tableToRows> = []
    for (let id = 0; id < 4; id++) {
      rows.push(
        ...tableToRows(
          (await readPartial(store, event.jobId, id))?.table ?? { numRows: 0, columns: [] },
        ),
      )
    }
    expect(rows.map((r) => r.atom)).toEqual([...Array(20).keys()].filter((i) => i % 7 !== 0))
    expect(rows[0]).toEqual({ atom: 1, square: 1, label: 'a1', big: 10n })
    const job = (await import(fixture)).default as Job
    const local = await runMolecule(job, parseJobParams(job, event.params), [0, 20])
    expect(rows).toEqual(tableToRows(local.table))
    const errors = tableToRows(
      (await decodeTable((await store.get(errorsTableKey(event.jobId))) as Uint8Array)).table,
    )
    expect(errors.map((e) => [e.atom, e.name])).toEqual([
      [0, 'RangeError'],
      [7, 'RangeError'],
      [14, 'RangeError'],
    ])
    const summary = JSON.parse(new TextDecoder().decode(await store.get(summaryKey(event.jobId))))
    expect(summary).toEqual({ rows: 17, sum: 2470 - 0 - 49 - 196, bigSum: String(10 * (190 - 21)) })
    const manifest = await loadManifest(store, event.jobId)
    expect(manifest.status).toBe('failed')
    expect(manifest.target).toBe('aws')
    expect(manifest.cloud).toEqual(event.cloud)
    const record = JSON.parse(
      await readFile(join(dir, 'store', dispatchKey(event.jobId)), 'utf8'),
    ) as DispatchRecord
    expect(record).toMatchObject({ molecules: 4, invoked: 4, failed: [], retries: 0 })
    expect(record.lastInvokeAt).toBeGreaterThanOrEqual(record.firstInvokeAt as number)
  })

  it('retries throttled invocations with backoff, and re-dispatches through the tally what never got in', async () => {
    // Prepare: molecule 1 is throttled twice then accepted; molecule 2 is throttled for good in plan
    const q = queue()
    const tries = new Map<number, number>()
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    })
    let planning = true
    const invokeWorker = async (e: WorkerEvent) => {
      const n = (tries.get(e.moleculeId) ?? 0) + 1
      tries.set(e.moleculeId, n)
      if ((e.moleculeId === 1 && n <= 2) || (planning && e.moleculeId === 2)) throw throttled
      await q.invokeWorker(e)
    }
    const event = planEvent()
    const retry = { tries: 3, sleep: async () => undefined }
    // Act
    const ref = await planCloud(event, { store, loadBundle: bundles.loader, invokeWorker, retry })
    planning = false
    const afterPlan = await loadManifest(store, event.jobId)
    const tally = await tallyCloud(ref, { store, invokeWorker, retry })
    // Assess
    expect(tries.get(1)).toBe(3)
    expect(tries.get(2)).toBe(4)
    expect(afterPlan.molecules[2]).toMatchObject({ status: 'pending' })
    expect(afterPlan.molecules[2]?.attempts[0]?.error).toBe('Rate exceeded')
    expect(tally.redispatched).toBe(1)
    expect(q.events.filter((e) => e.moleculeId === 2).map((e) => e.attempt)).toEqual([2])
    const record = JSON.parse(
      new TextDecoder().decode(await store.get(dispatchKey(event.jobId))),
    ) as DispatchRecord
    expect(record).toMatchObject({ molecules: 4, invoked: 3, failed: [2], retries: 4 })
  })

  it('stops at once on an error retrying cannot cure', async () => {
    // Prepare
    const missing = Object.assign(new Error('Function not found'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    })
    // Act
    const plan = planCloud(planEvent(), {
      store,
      loadBundle: bundles.loader,
      invokeWorker: async () => {
        throw missing
      },
    })
    // Assess
    await expect(plan).rejects.toThrow('Function not found')
  })

  it('keeps one row per atom when a molecule is delivered twice', async () => {
    // Prepare
    const q = queue()
    const event = planEvent()
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    const first = q.events[0] as WorkerEvent
    // Act: the same event twice at once (both run), then once more (skipped)
    const twice = await Promise.all([
      runWorker(first, workerDeps()),
      runWorker(first, workerDeps()),
    ])
    const again = await runWorker(first, workerDeps())
    for (const e of q.events.slice(1)) await runWorker(e, workerDeps())
    await tallyCloud(ref, { store, invokeWorker: q.invokeWorker })
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(twice.map((o) => o.status).sort()).toEqual(['duplicate', 'stored'])
    expect(again).toMatchObject({ status: 'skipped', loadMs: 0 })
    expect(reduced).toMatchObject({ status: 'succeeded', rows: 20, atomsFailed: 0 })
  })

  it('records a crashed molecule, so the tally retries it at once and fails it after maxAttempts', async () => {
    // Prepare: a store whose partial writes fail, as an S3 outage would
    const q = queue()
    const event = planEvent({
      params: { atoms: 4 },
      partition: { scheme: 'linear', workers: 1, molecules: 1 },
    })
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    const failing = new Proxy(store, {
      get: (target, prop, receiver) =>
        prop === 'put'
          ? (key: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }) =>
              key.includes('/partials/')
                ? Promise.reject(new StoreError(`cannot write ${key}: 503 SlowDown`))
                : target.put(key, body, options)
          : Reflect.get(target, prop, receiver),
    })
    const broken = () => ({ store: failing, loadBundle: bundles.loader })
    // Act
    await expect(runWorker(q.events[0] as WorkerEvent, broken())).rejects.toThrow('503 SlowDown')
    const t1 = await tallyCloud(ref, { store, invokeWorker: q.invokeWorker })
    await expect(runWorker(q.events[1] as WorkerEvent, broken())).rejects.toThrow('503 SlowDown')
    const t2 = await tallyCloud(
      { ...ref, waitSeconds: t1.waitSeconds },
      { store, invokeWorker: q.invokeWorker },
    )
    const reduced = await reduceCloud(ref, workerDeps())
    // Assess
    expect(t1).toMatchObject({ status: 'running', redispatched: 1 })
    expect(q.events[1]?.attempt).toBe(2)
    expect(t2).toMatchObject({ status: 'done', moleculesFailed: 1, atomsFailed: 4 })
    const m = await loadManifest(store, event.jobId)
    expect(m.molecules[0]?.attempts.map((a) => a.error)).toEqual([
      `worker crashed: StoreError: cannot write jobs/${event.jobId}/partials/000000.parquet: 503 SlowDown`,
      `worker crashed: StoreError: cannot write jobs/${event.jobId}/partials/000000.parquet: 503 SlowDown`,
    ])
    expect(reduced).toMatchObject({ status: 'failed', atomsFailed: 4, rows: 0 })
  })

  it('fails a molecule whose partial is past its limit at once: no Lambda retry, no re-dispatch', async () => {
    // Prepare: a cap of about 100 bytes, which any partial passes
    vi.stubEnv('FANOUT_MAX_PARTIAL_MB', '0.0001')
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })
    const q = queue()
    const event = planEvent({
      params: { atoms: 4 },
      partition: { scheme: 'linear', workers: 1, molecules: 1 },
    })
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    // Act: the worker returns (a throw would make Lambda run it again), the tally decides
    const outcome = await runWorker(q.events[0] as WorkerEvent, workerDeps())
    const t1 = await tallyCloud(ref, { store, invokeWorker: q.invokeWorker })
    // Assess
    expect(outcome).toMatchObject({ status: 'too-large' })
    expect(outcome.error).toMatch(
      /^PartialTooLargeError: molecule 0 \(atoms 0 to 3\) made a partial of/,
    )
    expect(t1).toMatchObject({ status: 'done', redispatched: 0, moleculesFailed: 1 })
    expect(q.events).toHaveLength(1)
    const m = await loadManifest(store, event.jobId)
    expect(m.molecules[0]?.attempts).toHaveLength(1)
    expect(m.molecules[0]?.attempts[0]?.error).toBe(outcome.error)
  })

  it("fails the job once when the job's setup throws, instead of every molecule", async () => {
    // Prepare
    const q = queue()
    const event = planEvent({
      params: { atoms: 8, crashSetup: true },
      partition: { scheme: 'linear', workers: 1, molecules: 4 },
    })
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    // Act
    await expect(runWorker(q.events[0] as WorkerEvent, workerDeps())).rejects.toThrow(
      'setup failed on purpose',
    )
    const t1 = await tallyCloud(ref, { store, invokeWorker: q.invokeWorker })
    // Assess: no retry, no more dispatch; the job failed with the setup's own message
    expect(t1).toMatchObject({ status: 'job-error', redispatched: 0 })
    expect(t1.cause).toBe(
      "worker crashed: JobCodeError: the job's setup(params) threw Error: setup failed on purpose",
    )
    expect(q.events).toHaveLength(4)
    const m = await loadManifest(store, event.jobId)
    expect(m).toMatchObject({ status: 'failed', error: t1.cause })
  })

  it('partitions weighted jobs by timing a sample, as the local planner does', async () => {
    // Prepare
    const q = queue()
    const event = planEvent({ partition: { scheme: 'weighted', workers: 1, molecules: 3 } })
    // Act
    await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
      costSample: 4,
    })
    // Assess
    const m = await loadManifest(store, event.jobId)
    expect(m.partition.scheme).toBe('weighted')
    expect(m.molecules).toHaveLength(3)
    expect(m.partition.boundaries[0]).toBe(0)
    expect(m.partition.boundaries.at(-1)).toBe(20)
  })

  it('resumes its own job when run twice, and refuses a job id taken by another bundle', async () => {
    // Prepare
    const q = queue()
    const event = planEvent()
    await planCloud(event, { store, loadBundle: bundles.loader, invokeWorker: q.invokeWorker })
    // Act
    const again = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    const other = planCloud(
      {
        ...event,
        cloud: { ...event.cloud, sha256: 'd'.repeat(64), bundleKey: bundleKeyOf('d'.repeat(64)) },
      },
      { store, loadBundle: bundles.loader, invokeWorker: q.invokeWorker },
    )
    // Assess
    expect(again.jobId).toBe(event.jobId)
    expect(q.events).toHaveLength(4)
    await expect(other).rejects.toThrow(StoreError)
  })

  it("marks the job failed when the job's reduce throws, and rethrows", async () => {
    // Prepare
    const other = await bundleJob(
      join(import.meta.dirname, '../../../fixtures/jobs/reduce-throws.ts'),
      join(dir, 'built'),
    )
    await store.put(bundleKeyOf(other.sha256), other.code, { ifAbsent: true })
    const q = queue()
    const event = planEvent(
      { params: {}, jobName: 'reduce-throws' },
      { bundleKey: bundleKeyOf(other.sha256), sha256: other.sha256 },
    )
    const ref = await planCloud(event, {
      store,
      loadBundle: bundles.loader,
      invokeWorker: q.invokeWorker,
    })
    for (const e of q.events) await runWorker(e, workerDeps())
    await tallyCloud(ref, { store, invokeWorker: q.invokeWorker })
    // Act
    const reduce = reduceCloud(ref, workerDeps())
    // Assess
    await expect(reduce).rejects.toThrow(/reduce blew up/)
    expect((await loadManifest(store, event.jobId)).status).toBe('failed')
  })

  it('rejects params the job does not accept, naming them', async () => {
    // Act
    const plan = planCloud(planEvent({ params: { atoms: -1 } }), {
      store,
      loadBundle: bundles.loader,
      invokeWorker: async () => undefined,
    })
    // Assess
    await expect(plan).rejects.toThrow(UsageError)
    await expect(
      planCloud(planEvent({ params: { atoms: 'x' } }), {
        store,
        loadBundle: bundles.loader,
        invokeWorker: async () => undefined,
      }),
    ).rejects.toThrow(/the job's params do not validate:\n {2}atoms: /)
  })
})
