import type { JobRef, PlanEvent } from '../../contracts/events.js'
import type { DispatchRecord } from '../../contracts/records.js'
import { CLOUD_IN_FLIGHT_SHARE, capBudget, perExecutionUsd } from '../../core/caps.js'
import { manifestCostUsd } from '../../core/cost.js'
import { StoreError, UsageError } from '../../core/errors.js'
import { createManifest, type Manifest } from '../../core/manifest.js'
import { parseJobParams } from '../../core/params.js'
import { markCrashed, markStartedMany, pendingDispatches } from '../../core/schedule.js'
import { cutMolecules } from '../../runtime/atomCosts.js'
import type { BundleLoader } from '../../runtime/bundleCache.js'
import { atomsOf, resolveDataParams } from '../../runtime/data/install.js'
import { bundleKeyOf, dispatchKey, manifestKey, validateJobId } from '../../store/layout.js'
import { claimManifest, loadManifest, saveManifest } from '../../store/manifests.js'
import type { ResultStore } from '../../store/ResultStore.js'
import type { RetryOptions } from '../retry.js'
import { dispatchMolecules, workerEventFor } from './dispatch.js'
import type { WorkerInvoker } from './invoke.js'

/** What {@link planCloud} needs from its surroundings. */
export interface PlanDeps {
  store: ResultStore
  loadBundle: BundleLoader
  invokeWorker: WorkerInvoker
  /** @default Date.now */
  now?: () => number
  /** Recorded in the manifest. @default 'aws' */
  target?: 'localstack' | 'aws'
  /** Retry of throttled invocations. @default 8 tries, 50 ms to 5 s backoff with full jitter */
  retry?: RetryOptions
  /** Atoms timed to estimate costs for `weighted` when the job has no `cost`. @default 32 */
  costSample?: number
}

async function newManifest(event: PlanEvent, deps: PlanDeps, now: number): Promise<Manifest> {
  const { job, bytes } = await deps.loadBundle(event.cloud.bundleKey, event.cloud.sha256)
  const params = parseJobParams(job, await resolveDataParams(event.params, event.jobId))
  const numAtoms = (await atomsOf(job, params)).count
  const { scheme, workers, molecules, atomsPerMolecule } = event.partition
  const { boundaries } = await cutMolecules(job, params, numAtoms, {
    scheme,
    workers,
    molecules,
    atomsPerMolecule,
    costSample: deps.costSample,
  })
  const manifest = createManifest({
    jobId: event.jobId,
    jobName: event.jobName,
    jobFile: event.jobFile,
    target: deps.target ?? 'aws',
    bundle: { sha256: event.cloud.sha256, bytes },
    // the params as sent: worker and reduce validate them with the job's schema, as plan did
    params: event.params ?? {},
    numAtoms,
    scheme,
    boundaries,
    workers,
    maxAttempts: event.maxAttempts,
    ...(event.recovery ? { recovery: event.recovery } : {}),
    now: new Date(now),
  })
  return { ...manifest, cloud: event.cloud, executions: [event.jobId] }
}

/**
 * The plan step of a cloud run (the splitter): load the job bundle, validate
 * the params, count the atoms, partition them with the local executor's code,
 * write the manifest, then invoke the worker once per molecule (bounded
 * concurrency, retry with backoff on throttling), record each as started
 * (attempt 1) and write the manifest again, plus the dispatch timing in
 * `jobs/<jobId>/dispatch.json`.
 *
 * Safe to run twice for one job (a state machine retry): a manifest of the
 * same bundle is resumed and only its pending molecules are invoked; one of
 * another bundle is an error.
 *
 * @returns the job reference and the first wait (`pollSeconds`)
 * @throws {@link UsageError} for params that do not validate or a bad partition request
 * @throws {@link StoreError} when the job id is taken by another job
 */
export async function planCloud(event: PlanEvent, deps: PlanDeps): Promise<JobRef> {
  const now = deps.now ?? Date.now
  const planStartedAt = now()
  const { store } = deps
  const cloud = event.cloud
  validateJobId(event.jobId)
  if (cloud.bundleKey !== bundleKeyOf(cloud.sha256)) {
    throw new UsageError(
      `cloud.bundleKey ${cloud.bundleKey} does not match cloud.sha256: expected ${bundleKeyOf(cloud.sha256)}`,
    )
  }
  let manifest: Manifest
  if (await store.exists(manifestKey(event.jobId))) {
    manifest = await loadManifest(store, event.jobId)
  } else {
    manifest = await newManifest(event, deps, planStartedAt)
    const created = await claimManifest(store, manifest)
    if (!created) manifest = await loadManifest(store, event.jobId)
  }
  if (manifest.bundle.sha256 !== cloud.sha256 || manifest.jobName !== event.jobName) {
    throw new StoreError(
      `job id ${event.jobId} is taken by another job (${manifest.jobName}, bundle ${manifest.bundle.sha256.slice(0, 12)}) at ${store.describe(manifestKey(event.jobId))}; start the job under a new id`,
    )
  }
  const settings = manifest.cloud ?? cloud

  // under --max-cost or --deadline, only what the budget allows now; the tally dispatches the rest
  const spent = manifestCostUsd(manifest)
  const budget = capBudget(
    manifest,
    planStartedAt,
    {
      maxCostUsd: settings.costCapUsd,
      deadline: settings.deadline,
      reservedUsd: settings.reservedUsd,
      // running Lambdas cannot be stopped: at most half of what is left is in flight
      inFlightShare: CLOUD_IN_FLIGHT_SHARE,
    },
    spent,
    perExecutionUsd(manifest, spent, settings.estimatedMoleculeUsd),
  )
  const dispatches = pendingDispatches(manifest).slice(
    0,
    Number.isFinite(budget.allowed) ? budget.allowed : undefined,
  )
  const report = await dispatchMolecules(dispatches, (d) => workerEventFor(manifest, settings, d), {
    invokeWorker: deps.invokeWorker,
    concurrency: settings.dispatchConcurrency,
    ...(deps.retry ? { retry: deps.retry } : {}),
    now,
  })
  const done = now()
  manifest = markStartedMany(manifest, report.invoked, done)
  for (const f of report.failed) {
    manifest = markCrashed(manifest, f.dispatch.moleculeId, f.dispatch.attempt, f.error, done)
  }
  if (manifest.status === 'planned') manifest = { ...manifest, status: 'running' }
  await saveManifest(store, manifest)

  const first = report.firstInvokeAt
  const last = report.lastInvokeAt
  const dispatchMs = first !== null && last !== null ? last - first : 0
  const record: DispatchRecord = {
    jobId: manifest.jobId,
    molecules: dispatches.length,
    invoked: report.invoked.length,
    failed: report.failed.map((f) => f.dispatch.moleculeId),
    retries: report.retries,
    concurrency: settings.dispatchConcurrency,
    planStartedAt,
    firstInvokeAt: first,
    lastInvokeAt: last,
    dispatchMs,
    invocationsPerSecond:
      dispatchMs > 0 ? Math.round((report.invoked.length / dispatchMs) * 1000 * 10) / 10 : 0,
  }
  // a resumed plan with nothing left to invoke keeps the first plan's record
  if (dispatches.length > 0 || !(await store.exists(dispatchKey(manifest.jobId)))) {
    await store.put(dispatchKey(manifest.jobId), `${JSON.stringify(record, null, 2)}\n`)
  }
  return { jobId: manifest.jobId, waitSeconds: settings.pollSeconds }
}
