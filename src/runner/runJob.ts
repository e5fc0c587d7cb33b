import { resolve } from 'node:path'
import { UsageError } from '../core/errors.js'
import { createManifest } from '../core/manifest.js'
import type { Row } from '../core/types.js'
import { jobPrefix, validateJobId } from '../store/layout.js'
import { claimManifest } from '../store/manifests.js'
import type { ResultStore } from '../store/ResultStore.js'
import { type Backend, openBackend } from './backends.js'
import { JobHandle } from './JobHandle.js'
import { jobFileOf } from './jobModule.js'
import {
  type PlanOptions,
  type ResolvedOptions,
  type RunOptions,
  resolveOptions,
} from './options.js'
import { newJobId, type PlanInfo, planInfoOf, planJob } from './planJob.js'
import { checkRoot } from './root.js'

function jobIdTaken(store: ResultStore, jobId: string): UsageError {
  return new UsageError(
    `job id ${jobId} is taken: ${store.describe(jobPrefix(jobId))} already holds a job. Choose another job id (fanout keeps every job's files).`,
  )
}

async function assertJobIdFree(store: ResultStore, jobId: string): Promise<void> {
  if ((await store.list(jobPrefix(jobId))).length > 0) throw jobIdTaken(store, jobId)
}

function backendRequest(o: ResolvedOptions, root: string) {
  return {
    target: o.target,
    root,
    stackName: o.stackName,
    workers: o.workers,
    workersGiven: o.workersGiven,
    molecules: o.molecules,
    atomsPerMolecule: o.atomsPerMolecule,
  }
}

/**
 * Run a job to its end on a target and hand back its {@link JobHandle}: plan
 * (bundle, validate params, cut molecules), run every molecule (worker
 * threads, or Lambda through the deployed stack), combine the partials.
 * Resolves also when atoms failed (`handle.failed`, `handle.errors()`).
 *
 * @param job - the job's module: a path, or a URL such as `new URL('./sweep.ts', import.meta.url)`
 * @throws {@link UsageError} for bad input: a missing job file, bad params or options, a taken job id
 * @throws {@link RunInterruptedError} when `signal` aborts the run (partials written so far are kept)
 * @example
 * ```ts
 * import { run } from 'fanout/runner'
 * const job = await run(new URL('./sweep.ts', import.meta.url), { params: { side: 10 }, workers: 2 })
 * console.log(job.status, job.summary)
 * ```
 */
export async function run<R extends Row = Row>(
  job: string | URL,
  options?: RunOptions,
): Promise<JobHandle<R>> {
  const jobFile = jobFileOf(job, 'run')
  const o = resolveOptions(options, 'run')
  if (o.jobId !== undefined) validateJobId(o.jobId)
  const root = resolve(o.root)
  checkRoot(root)
  const backend = await openBackend(backendRequest(o, root))
  try {
    return await runOn<R>(backend, jobFile, o, root)
  } finally {
    await backend.close()
  }
}

async function runOn<R extends Row>(
  backend: Backend,
  jobFile: string,
  o: ResolvedOptions,
  root: string,
): Promise<JobHandle<R>> {
  const { store, executor } = backend
  if (o.jobId !== undefined) await assertJobIdFree(store, o.jobId)
  // threads start loading fanout's runtime while the job is bundled and planned
  backend.warmUp()
  const planStarted = performance.now()
  const planned = await planJob({
    jobFile,
    params: o.params,
    workers: o.workers,
    molecules: o.molecules,
    atomsPerMolecule: o.atomsPerMolecule,
    scheme: o.partition,
    root,
    onReady: (bundle, params) => backend.prepareJob?.(bundle.path, jobFile, params),
  })
  const planMs = performance.now() - planStarted
  const jobId = o.jobId ?? newJobId(planned.jobName)
  await assertJobIdFree(store, jobId)
  // data params: checked, and staged in the stack's bucket for a cloud target (part 6)
  const params = backend.stageData
    ? await backend.stageData(planned, {
        ...(o.onStaging ? { onStaging: o.onStaging } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      })
    : planned.params
  const manifest = createManifest({
    jobId,
    jobName: planned.jobName,
    jobFile,
    target: o.target,
    bundle: { sha256: planned.bundle.sha256, bytes: planned.bundle.bytes },
    params,
    numAtoms: planned.numAtoms,
    scheme: planned.scheme,
    boundaries: planned.boundaries,
    workers: o.workers,
  })
  // claim the id: of two runs racing for it, exactly one writes the first manifest
  if (o.target === 'local' && !(await claimManifest(store, manifest))) {
    throw jobIdTaken(store, jobId)
  }
  const outcome = await executor.run(
    { manifest, bundle: planned.bundle, job: planned.job, store },
    {
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    },
  )
  return new JobHandle<R>({
    store,
    target: o.target,
    manifest: outcome.manifest,
    outcome,
    timing: { planMs, workers: o.workers },
  })
}

/**
 * What `fanout plan` prints, as data: bundle the job, validate its params,
 * count its atoms and cut its molecules, without running any atom (beyond
 * timing a sample for `weighted` when the job has no `cost`).
 *
 * @throws {@link UsageError} for bad input, as {@link run}
 */
export async function plan(job: string | URL, options?: PlanOptions): Promise<PlanInfo> {
  const jobFile = jobFileOf(job, 'plan')
  const o = resolveOptions(options, 'plan')
  const root = resolve(o.root)
  checkRoot(root)
  const planned = await planJob({
    jobFile,
    params: o.params,
    workers: o.workers,
    molecules: o.molecules,
    atomsPerMolecule: o.atomsPerMolecule,
    scheme: o.partition,
    root,
  })
  return planInfoOf(planned, jobFile, o.workers)
}
