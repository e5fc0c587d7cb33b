import { dataParamsOf } from '../core/data/params.js'
import { FAULTS_VARIABLE, parseFaults } from '../core/faults.js'
import type { Executor } from '../executors/Executor.js'
import { LocalExecutor } from '../executors/local/LocalExecutor.js'
import { FsResultStore } from '../store/FsResultStore.js'
import type { ResultStore } from '../store/ResultStore.js'
import { AWS_SDK, importOptional } from './optionalDeps.js'
import type { Target } from './options.js'
import type { PlannedJob } from './planJob.js'
import { dataParamValues } from './stagingChecks.js'
import type { StagingEvent } from './stagingEvents.js'

/** What a backend is built from. */
export interface BackendRequest {
  target: Target
  /** The absolute fanout root. */
  root: string
  stackName?: string | undefined
  workers: number
  workersGiven: boolean
  molecules?: number | undefined
  atomsPerMolecule?: number | undefined
}

/** An executor with the store it writes to, and how to release it. */
export interface Backend {
  target: Target
  executor: Executor
  store: ResultStore
  /** Where molecules run, for summaries: worker threads, in-process, Lambda. */
  where: string
  /** The deployed worker's memory, MB (a cloud target): what the estimate prices unless told otherwise. */
  workerMemoryMb?: number
  /** Called before planning: start what takes time (worker threads). */
  warmUp(): void
  /** Called once the job is bundled and its params valid: load it in the workers. */
  prepareJob?(bundlePath: string, jobFile: string, params: unknown): void
  /**
   * Called once the job is planned, before it runs: check its data params,
   * and for a cloud target stage them in the stack's bucket. Returns the
   * params to run with (data params as references for a cloud target).
   */
  stageData?(planned: PlannedJob, options?: StageDataOptions): Promise<unknown>
  close(): Promise<void>
}

/** Options of {@link Backend.stageData}. */
export interface StageDataOptions {
  /** Staging progress: hashing, uploading, skipped (already in the bucket). */
  onStaging?: (event: StagingEvent) => void
  signal?: AbortSignal
  /** Runs once the data is checked, before anything is uploaded (the estimate, and a cap's refusal). */
  beforeUpload?: () => Promise<void>
}

/** The local backend: worker threads (or in-process with 1 worker) over `<root>`. */
export function localBackend(request: BackendRequest): Backend {
  const executor = new LocalExecutor({
    storeRoot: request.root,
    workers: request.workers,
    faults: parseFaults(process.env[FAULTS_VARIABLE]),
  })
  return {
    target: 'local',
    executor,
    store: new FsResultStore(request.root),
    where: request.workers === 1 ? 'in-process (1 worker)' : `on ${request.workers} worker threads`,
    warmUp: () => executor.warmUp(),
    prepareJob: (path, file, params) => executor.prepareJob(path, file, params),
    // locally a data param is its path: check that it names what it should
    stageData: async (planned, options = {}) => {
      dataParamValues(
        (planned.params ?? {}) as Record<string, unknown>,
        dataParamsOf(planned.job.params),
        process.cwd(),
      )
      await options.beforeUpload?.()
      return planned.params
    },
    close: () => executor.close(),
  }
}

/** The backend of a target; the AWS SDK loads only for cloud targets. */
export async function openBackend(request: BackendRequest): Promise<Backend> {
  if (request.target === 'local') return localBackend(request)
  const { cloudBackend } = await importOptional(
    `--target ${request.target}`,
    AWS_SDK,
    () => import('./cloudBackend.js'),
  )
  return cloudBackend(request)
}

/** The store of a target, for jobs run earlier. */
export async function openStore(
  target: Target,
  root: string,
  stackName?: string,
): Promise<{ store: ResultStore; close(): void; cloud?: import('./cloudBackend.js').CloudSite }> {
  if (target === 'local') return { store: new FsResultStore(root), close() {} }
  const { cloudSite } = await importOptional(
    `--target ${target}`,
    AWS_SDK,
    () => import('./cloudBackend.js'),
  )
  const site = await cloudSite(target, root, stackName)
  return { store: site.store, close: () => site.store.client.destroy(), cloud: site }
}
