import { ManifestError } from '../../core/errors.js'
import { parseJobParams } from '../../core/params.js'
import { finalStatus } from '../../core/schedule.js'
import type { BundleLoader } from '../../runtime/bundleCache.js'
import { resolveDataParams } from '../../runtime/data/install.js'
import { reduceJob } from '../../runtime/reduce.js'
import { loadManifest, saveManifest } from '../../store/manifests.js'
import type { ResultStore } from '../../store/ResultStore.js'

/** What {@link reduceCloud} needs from its surroundings. */
export interface ReduceDeps {
  store: ResultStore
  loadBundle: BundleLoader
  /** Parallel GETs of partials. @default 16 */
  concurrency?: number
  /** @default Date.now */
  now?: () => number
}

/** What the reduce step returns to the state machine. */
export interface ReduceResult {
  jobId: string
  status: 'succeeded' | 'failed'
  atoms: number
  atomsFailed: number
  rows: number
}

/**
 * The reduce step of a cloud run: the local executor's {@link reduceJob}
 * over the S3 store (bounded parallel GETs), writing the result, the errors
 * table, the run stats and the job's `reduce` output; then the
 * manifest's final status (succeeded only when no atom failed; failed, and
 * the error rethrown, when reducing itself fails).
 *
 * @throws {@link ManifestError} when the job has no manifest or is not a cloud job
 */
export async function reduceCloud(
  request: { jobId: string },
  deps: ReduceDeps,
): Promise<ReduceResult> {
  const { store } = deps
  const now = deps.now ?? Date.now
  const manifest = await loadManifest(store, request.jobId)
  if (!manifest.cloud) {
    throw new ManifestError(
      manifest.jobId,
      `job ${manifest.jobId} is not a cloud job (its manifest has no cloud settings)`,
    )
  }
  const { job } = await deps.loadBundle(manifest.cloud.bundleKey, manifest.cloud.sha256)
  const params = parseJobParams(job, await resolveDataParams(manifest.params, manifest.jobId))
  let outcome: Awaited<ReturnType<typeof reduceJob>>
  try {
    outcome = await reduceJob(
      store,
      { ...manifest, params },
      { job, concurrency: deps.concurrency ?? 16 },
    )
  } catch (error) {
    // the job's reduce threw, or the partials do not combine: the job failed
    await saveManifest(store, {
      ...manifest,
      status: 'failed',
      updatedAt: new Date(now()).toISOString(),
    })
    throw error
  }
  const status = finalStatus(manifest)
  await saveManifest(store, { ...manifest, status, updatedAt: new Date(now()).toISOString() })
  return {
    jobId: manifest.jobId,
    status,
    atoms: outcome.stats.atoms,
    atomsFailed: outcome.stats.atomsFailed,
    rows: outcome.stats.rows,
  }
}
