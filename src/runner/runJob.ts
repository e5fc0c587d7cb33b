import { resolve } from 'node:path'
import { capShares, formatUsd } from '../core/caps.js'
import { RunInterruptedError, UsageError } from '../core/errors.js'
import { createManifest } from '../core/manifest.js'
import { partition } from '../core/partition.js'
import type { Row } from '../core/types.js'
import type { ProgressPhase } from '../executors/Executor.js'
import { phaseEvent } from '../executors/phaseEvent.js'
import { jobPrefix, validateJobId } from '../store/layout.js'
import { claimManifest } from '../store/manifests.js'
import type { ResultStore } from '../store/ResultStore.js'
import { type Backend, openBackend } from './backends.js'
import {
  cloudCutOf,
  type EstimateOptions,
  estimateJob,
  estimateRequested,
  type JobEstimate,
} from './estimateJob.js'
import { JobHandle } from './JobHandle.js'
import { writeEstimate } from './jobCost.js'
import { jobFileOf } from './jobModule.js'
import { moleculeChoice } from './moleculeChoice.js'
import { type ResolvedOptions, resolveOptions } from './options.js'
import {
  newJobId,
  type PlanCallOptions,
  type PlanInfo,
  type PlanRequest,
  planInfoOf,
  planJob,
  type RunCallOptions,
} from './planJob.js'
import { checkRoot } from './root.js'

function jobIdTaken(store: ResultStore, jobId: string): UsageError {
  return new UsageError(
    `job id ${jobId} is taken: ${store.describe(jobPrefix(jobId))} already holds a job. Choose another job id (fanout keeps every job's files).`,
  )
}

async function assertJobIdFree(store: ResultStore, jobId: string): Promise<void> {
  if ((await store.list(jobPrefix(jobId))).length > 0) throw jobIdTaken(store, jobId)
}

/** The manifest fields of the recovery options (only those set). */
export function recoveryFields(r: ResolvedOptions['recovery']) {
  return {
    ...(r.retryAtoms ? { retryAtoms: true } : {}),
    ...(r.tolerateFailures !== undefined ? { tolerateFailures: r.tolerateFailures } : {}),
    speculate: r.speculate,
    ...(r.timeoutMs !== undefined ? { timeoutMs: r.timeoutMs } : {}),
    ...(r.maxCostUsd !== undefined ? { maxCostUsd: r.maxCostUsd } : {}),
    ...(r.deadline !== undefined ? { deadline: r.deadline } : {}),
  }
}

/** The executor options of a call's progress callback and signals. */
export function executeOptionsOf(o: Pick<ResolvedOptions, 'onProgress' | 'signal' | 'stopSignal'>) {
  return {
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.stopSignal ? { stopSignal: o.stopSignal } : {}),
  }
}

/** Run `fn`, naming `jobId` in the interruption it may end with (for the resume hint). */
export async function executeWithId<T>(fn: () => Promise<T>, jobId: string): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof RunInterruptedError && error.jobId === undefined) {
      throw new RunInterruptedError(error.message, { cause: error.cause, jobId })
    }
    throw error
  }
}

/** The plan request of a run or a plan call. */
function planRequestOf(jobFile: string, o: ResolvedOptions, root: string): PlanRequest {
  return {
    jobFile,
    params: o.params,
    workers: o.workers,
    molecules: o.molecules,
    atomsPerMolecule: o.atomsPerMolecule,
    scheme: o.partition,
    root,
  }
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
  options?: RunCallOptions,
): Promise<JobHandle<R>> {
  const jobFile = jobFileOf(job, 'run')
  const { estimate, onEstimate, ...runOptions } = options ?? {}
  const o = resolveOptions(runOptions, 'run')
  // a cost cap wants the estimate (also locally) unless it is turned off outright
  const wanted = estimate ?? (o.recovery.maxCostUsd !== undefined ? true : undefined)
  const cost: CostHooks = { estimate: estimateRequested(wanted, o.target, 'run'), onEstimate }
  if (o.jobId !== undefined) validateJobId(o.jobId)
  const root = resolve(o.root)
  checkRoot(root)
  const backend = await openBackend(backendRequest(o, root))
  try {
    return await runOn<R>(backend, jobFile, o, root, cost)
  } finally {
    await backend.close()
  }
}

/** The cost estimate of a run: what to estimate with, and who to tell. */
interface CostHooks {
  estimate: EstimateOptions | undefined
  onEstimate: ((estimate: JobEstimate) => void) | undefined
}

async function runOn<R extends Row>(
  backend: Backend,
  jobFile: string,
  o: ResolvedOptions,
  root: string,
  cost: CostHooks,
): Promise<JobHandle<R>> {
  const { store, executor } = backend
  if (o.jobId !== undefined) await assertJobIdFree(store, o.jobId)
  // threads start loading fanout's runtime while the job is bundled and planned
  backend.warmUp()
  const planStarted = performance.now()
  const phase = (name: ProgressPhase, detail?: string) =>
    o.onProgress?.(phaseEvent(name, undefined, performance.now() - planStarted, detail))
  phase('bundling', jobFile)
  const planned = await planJob({
    ...planRequestOf(jobFile, o, root),
    onReady: (bundle, params) => {
      phase('planning')
      backend.prepareJob?.(bundle.path, jobFile, params)
    },
  })
  const planMs = performance.now() - planStarted
  const jobId = o.jobId ?? newJobId(planned.jobName)
  await assertJobIdFree(store, jobId)
  // the estimate, once the data is checked and before anything is uploaded or runs; a cost
  // cap needs one, and refuses a start that could pass it
  const cap = o.recovery.maxCostUsd
  const cloudCut = cloudCutOf(o)
  let estimated: JobEstimate | undefined
  const estimateFirst = async () => {
    if (cost.estimate) {
      phase('estimating', 'timing a sample of atoms here, scaled to Lambda')
      // at the deployed worker's memory unless --memory says otherwise
      const memoryMb = cost.estimate.memoryMb ?? backend.workerMemoryMb
      const e = await estimateJob(
        planned,
        memoryMb === undefined ? cost.estimate : { ...cost.estimate, memoryMb },
        cloudCut,
      )
      estimated = e
      cost.onEstimate?.(e)
      if (cap !== undefined && e.usd.high > cap && !o.force) {
        throw new UsageError(
          `the estimate is ${formatUsd(e.usd.low)} to ${formatUsd(e.usd.high)} (mid ${formatUsd(e.usd.mid)}), over --max-cost $${cap}: nothing was started. Raise --max-cost, make the job smaller, or pass --force to start anyway (the cap still stops the run before it passes $${cap}).`,
        )
      }
    }
    if (o.target !== 'local') phase('staging')
  }
  // data params: checked, and staged in the stack's bucket for a cloud target (part 6)
  let params = planned.params
  if (backend.stageData) {
    params = await backend.stageData(planned, {
      ...(o.onStaging ? { onStaging: o.onStaging } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      beforeUpload: estimateFirst,
    })
  } else await estimateFirst()
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
    maxAttempts: o.recovery.maxAttempts,
    recovery: {
      ...recoveryFields(o.recovery),
      // the cap budgets each molecule at the estimate's high share until molecules have ended,
      // and holds back what the plan, tallies and reduce will cost
      ...(cap !== undefined && estimated ? capShares(estimated) : {}),
    },
  })
  // claim the id: of two runs racing for it, exactly one writes the first manifest
  if (o.target === 'local' && !(await claimManifest(store, manifest))) {
    throw jobIdTaken(store, jobId)
  }
  // stored beside the job for the summary and the report
  if (estimated) await writeEstimate(store, jobId, estimated)
  const outcome = await executeWithId(
    () =>
      executor.run(
        {
          manifest,
          bundle: planned.bundle,
          job: planned.job,
          store,
          cut: moleculeChoice(o, planned, cloudCut, estimated),
        },
        executeOptionsOf(o),
      ),
    jobId,
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
 * timing a sample for `weighted` when the job has no `cost`). On a cloud
 * target (or with `estimate`), also the cost estimate on Lambda
 * (`info.estimate`): a sample of atoms timed here, scaled to Lambda.
 *
 * @throws {@link UsageError} for bad input, as {@link run}
 * @example
 * ```ts
 * const p = await plan('sweep.ts', { target: 'aws', estimate: { memoryMb: 1024 } })
 * console.log(p.estimate?.usd)
 * ```
 */
export async function plan(job: string | URL, options?: PlanCallOptions): Promise<PlanInfo> {
  const jobFile = jobFileOf(job, 'plan')
  const { estimate, ...planOptions } = options ?? {}
  const o = resolveOptions(planOptions, 'plan')
  const estimateOptions = estimateRequested(estimate, o.target, 'plan')
  const root = resolve(o.root)
  checkRoot(root)
  // a cloud target shows the cut its plan step will make (the cloud's molecule-count hint)
  const workers = cloudCutOf(o)?.workers ?? o.workers
  const planned = await planJob({ ...planRequestOf(jobFile, o, root), workers })
  if (!estimateOptions) return planInfoOf(planned, jobFile, workers)
  const cut = cloudCutOf(o)
  const estimated = await estimateJob(planned, estimateOptions, cut)
  // with no count given, a cloud run cuts the estimate's balanced suggestion: show that cut
  const choice = moleculeChoice(o, planned, cut, estimated)
  const molecules = choice.molecules
  const shown =
    molecules === undefined || molecules === planned.boundaries.length - 1
      ? planned
      : {
          ...planned,
          boundaries: partition({
            numAtoms: planned.numAtoms,
            scheme: planned.scheme === 'weighted' ? 'linear' : planned.scheme,
            workers: 1,
            molecules,
          }),
        }
  return {
    ...planInfoOf(shown, jobFile, workers),
    estimate: estimated,
    ...(molecules === undefined ? {} : { moleculesFrom: "the estimate's balanced suggestion" }),
  }
}
