import pMap from 'p-map'
import type { TallyResult } from '../../contracts/events.js'
import type { CrashRecord } from '../../contracts/records.js'
import { ManifestError } from '../../core/errors.js'
import type { Manifest } from '../../core/manifest.js'
import { type CrashReport, isOpen, markCrashed, tallyDecision } from '../../core/schedule.js'
import { storedPartials } from '../../runtime/storedPartials.js'
import { crashesPrefix, crashFromKey } from '../../store/layout.js'
import { loadManifest, saveManifest } from '../../store/manifests.js'
import type { ResultStore } from '../../store/ResultStore.js'
import type { RetryOptions } from '../retry.js'
import { dispatchMolecules, workerEventFor } from './dispatch.js'
import type { WorkerInvoker } from './invoke.js'
import { readProgress } from './progressReports.js'

/** What {@link tallyCloud} needs from its surroundings. */
export interface TallyDeps {
  store: ResultStore
  invokeWorker: WorkerInvoker
  /** @default Date.now */
  now?: () => number
  /** Parallel reads of new partials' stats. @default 16 */
  concurrency?: number
  /** Retry of throttled invocations. @default 8 tries, 50 ms to 5 s backoff with full jitter */
  retry?: RetryOptions
}

/** The tally's event: the job, and the wait that preceded this tally (for the adaptive wait). */
export interface TallyRequest {
  jobId: string
  waitSeconds?: number
}

async function newCrashes(
  store: ResultStore,
  manifest: Manifest,
  concurrency: number,
): Promise<CrashReport[]> {
  const keys = await store.list(crashesPrefix(manifest.jobId))
  const current = keys.filter((key) => {
    const c = crashFromKey(key)
    const m = c && manifest.molecules[c.moleculeId]
    return m?.status === 'running' && m.attempts.some((a) => a.attempt === c?.attempt && isOpen(a))
  })
  const crashes = await pMap(
    current,
    async (key) => {
      const c = crashFromKey(key) as { moleculeId: number; attempt: number }
      const bytes = await store.get(key)
      let error = 'the worker crashed'
      let setup = false
      let permanent = false
      try {
        const record = JSON.parse(new TextDecoder().decode(bytes)) as CrashRecord
        error = record.error || error
        setup = record.kind === 'setup'
        permanent = record.kind === 'permanent'
      } catch {
        // an unreadable record still tells that the attempt crashed
      }
      return {
        ...c,
        error: permanent ? error : `worker crashed: ${error}`,
        ...(setup ? { setup } : {}),
        ...(permanent ? { permanent } : {}),
      }
    },
    { concurrency },
  )
  return crashes
}

/**
 * The tally step of a cloud run: read the manifest, find the partials and
 * crash records that appeared since the last tally (reading only the new
 * partials' stats), apply {@link tallyDecision}, re-invoke what it says
 * (molecules whose attempt timed out or crashed, while attempts remain),
 * write the manifest when anything changed, and report.
 *
 * @returns the verdict the state machine's Choice state reads, with the next wait
 * @throws {@link ManifestError} when the job has no manifest or is not a cloud job
 */
export async function tallyCloud(request: TallyRequest, deps: TallyDeps): Promise<TallyResult> {
  const now = deps.now ?? Date.now
  const concurrency = deps.concurrency ?? 16
  const { store } = deps
  const manifest = await loadManifest(store, request.jobId)
  const cloud = manifest.cloud
  if (!cloud) {
    throw new ManifestError(
      manifest.jobId,
      `job ${manifest.jobId} is not a cloud job (its manifest has no cloud settings)`,
    )
  }
  const [donePartials, crashes] = await Promise.all([
    storedPartials(store, manifest, { concurrency }),
    newCrashes(store, manifest, concurrency),
  ])
  const decision = tallyDecision(
    manifest,
    {
      donePartials,
      crashes,
      now: now(),
      ...(request.waitSeconds === undefined ? {} : { previousWaitSeconds: request.waitSeconds }),
    },
    { ...cloud, speculate: manifest.options.speculate ?? false },
  )
  // atoms done by running attempts, from the progress objects due a read (see progressReports.ts)
  let next = await readProgress(store, decision.manifest, cloud, now(), concurrency)
  if (decision.redispatch.length > 0) {
    const report = await dispatchMolecules(
      decision.redispatch,
      (d) => workerEventFor(next, cloud, d),
      {
        invokeWorker: deps.invokeWorker,
        concurrency: cloud.dispatchConcurrency,
        ...(deps.retry ? { retry: deps.retry } : {}),
        now,
      },
    )
    for (const f of report.failed) {
      next = markCrashed(next, f.dispatch.moleculeId, f.dispatch.attempt, f.error, now())
    }
  }
  if (next !== manifest) await saveManifest(store, next)
  const p = decision.progress
  return {
    jobId: manifest.jobId,
    waitSeconds: decision.waitSeconds,
    status: decision.status,
    ...(decision.cause === undefined ? {} : { cause: decision.cause }),
    moleculesDone: p.moleculesDone,
    moleculesFailed: p.moleculesFailed,
    molecules: p.molecules,
    atomsFailed: p.atomsFailed,
    costUsd: decision.costUsd,
    redispatched: decision.redispatch.length,
  }
}
