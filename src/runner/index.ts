/**
 * `fanout/runner`: the Node-side library API (run, plan, openJob, listJobs).
 *
 * A minimal version, local target only, written so that the package's install
 * test exercises the `./runner` export for real; it delegates to the code the
 * CLI's `run` uses (planJob, LocalExecutor, reduce). The full runner API
 * (cloud targets, resume, progress events) replaces it.
 */
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError } from '../core/errors.js'
import { createManifest, type JobStatus, type Manifest } from '../core/manifest.js'
import type { PartitionScheme, Row, Scalar } from '../core/types.js'
import type { ProgressEvent } from '../executors/Executor.js'
import { LocalExecutor, readManifest } from '../executors/local/LocalExecutor.js'
import { FsResultStore } from '../store/FsResultStore.js'
import { jobPrefix, manifestKey, resultKey, validateJobId } from '../store/layout.js'
import { decodeTable, tableToRows } from '../store/parquet.js'
import { newJobId, planJob } from './planJob.js'

/** Options of {@link plan} and {@link run}. */
export interface PlanOptions {
  /** The job's params, as `key=value` strings or an object of values. @default {} */
  params?: Readonly<Record<string, Scalar>> | readonly string[]
  /** Worker threads (1 runs molecules in-process). @default the core count */
  workers?: number
  /** Number of molecules. @default chosen from `workers` */
  molecules?: number
  /** Atoms per molecule (instead of `molecules`). @default chosen from `workers` */
  atomsPerMolecule?: number
  /** @default 'linear' */
  partition?: PartitionScheme
  /** fanout's directory (bundles, jobs). @default '.fanout' */
  root?: string
}

/** Options of {@link run}. */
export interface RunOptions extends PlanOptions {
  /** @default 'local' (the only target of this version) */
  target?: 'local'
  /** @default `<job name>-<timestamp>-<4 hex>` */
  jobId?: string
  onProgress?: (event: ProgressEvent) => void
  signal?: AbortSignal
}

/** A job that ran (or is recorded) in a fanout directory. */
export interface JobHandle {
  readonly id: string
  readonly status: JobStatus
  readonly manifest: Manifest
  /** What the job's `reduce` returned (undefined without one, or when not known). */
  readonly summary: unknown
  /** The result rows, in atom order. */
  rows(): AsyncIterable<Row>
}

/** What {@link plan} tells about a job without running it. */
export interface JobPlan {
  jobName: string
  numAtoms: number
  scheme: PartitionScheme
  /** Molecule boundaries: molecule `i` is atoms `[boundaries[i], boundaries[i+1])`. */
  boundaries: number[]
  bundle: { path: string; sha256: string; bytes: number }
}

function jobPath(job: string | URL): string {
  return job instanceof URL ? fileURLToPath(job) : job
}

function paramStrings(params: PlanOptions['params']): string[] {
  if (params === undefined) return []
  if (Array.isArray(params)) return [...(params as readonly string[])]
  return Object.entries(params).map(([key, value]) => `${key}=${String(value)}`)
}

function request(job: string | URL, options: PlanOptions) {
  return {
    jobFile: jobPath(job),
    params: paramStrings(options.params),
    workers: options.workers ?? availableParallelism(),
    molecules: options.molecules,
    atomsPerMolecule: options.atomsPerMolecule,
    scheme: options.partition ?? 'linear',
    root: resolve(options.root ?? '.fanout'),
  }
}

/**
 * Bundle, load and partition a job without running it.
 *
 * @example
 * ```ts
 * const p = await plan('job.ts', { params: { bars: 3000 } })
 * console.log(p.numAtoms, p.boundaries.length - 1)
 * ```
 */
export async function plan(job: string | URL, options: PlanOptions = {}): Promise<JobPlan> {
  const planned = await planJob(request(job, options))
  const { path, sha256, bytes } = planned.bundle
  return {
    jobName: planned.jobName,
    numAtoms: planned.numAtoms,
    scheme: planned.scheme,
    boundaries: planned.boundaries,
    bundle: { path, sha256, bytes },
  }
}

async function* storedRows(store: FsResultStore, jobId: string): AsyncIterable<Row> {
  const bytes = await store.get(resultKey(jobId))
  if (bytes === undefined) return
  yield* tableToRows((await decodeTable(bytes)).table)
}

/**
 * Run a job on this machine's worker threads and resolve when it is done.
 *
 * @example
 * ```ts
 * import { run } from 'fanout/runner'
 * const job = await run(new URL('./job.ts', import.meta.url), { workers: 2 })
 * for await (const row of job.rows()) console.log(row)
 * ```
 */
export async function run(job: string | URL, options: RunOptions = {}): Promise<JobHandle> {
  if ((options.target ?? 'local') !== 'local') {
    throw new UsageError(
      `run() of this version runs --target local only, got target ${JSON.stringify(options.target)}; use \`fanout run --target ${options.target}\``,
    )
  }
  if (options.jobId !== undefined) validateJobId(options.jobId)
  const req = request(job, options)
  const store = new FsResultStore(req.root)
  const executor = new LocalExecutor({ storeRoot: req.root, workers: req.workers })
  try {
    executor.warmUp()
    const planned = await planJob({
      ...req,
      onReady: (bundle, params) => executor.prepareJob(bundle.path, req.jobFile, params),
    })
    const jobId = options.jobId ?? newJobId(planned.jobName)
    const manifest = createManifest({
      jobId,
      jobName: planned.jobName,
      jobFile: req.jobFile,
      target: 'local',
      bundle: { sha256: planned.bundle.sha256, bytes: planned.bundle.bytes },
      params: planned.params,
      numAtoms: planned.numAtoms,
      scheme: planned.scheme,
      boundaries: planned.boundaries,
      workers: req.workers,
    })
    const claimed = await store.put(manifestKey(jobId), `${JSON.stringify(manifest, null, 2)}\n`, {
      ifAbsent: true,
    })
    if (!claimed) {
      throw new UsageError(
        `job id ${jobId} is taken: ${store.describe(jobPrefix(jobId))} already holds a job. Choose another jobId.`,
      )
    }
    const outcome = await executor.run(
      { manifest, bundle: planned.bundle, job: planned.job, store },
      { onProgress: options.onProgress, signal: options.signal },
    )
    const rows = tableToRows(outcome.result)
    return {
      id: jobId,
      status: outcome.manifest.status,
      manifest: outcome.manifest,
      summary: outcome.summary,
      rows: async function* () {
        yield* rows
      },
    }
  } finally {
    await executor.close()
  }
}

/**
 * A job recorded in a fanout directory, by id.
 *
 * @throws {UsageError} when there is no such job
 */
export async function openJob(id: string, options: { root?: string } = {}): Promise<JobHandle> {
  validateJobId(id)
  const store = new FsResultStore(resolve(options.root ?? '.fanout'))
  const manifest = await readManifest(store, id)
  if (!manifest) throw new UsageError(`no job ${id} in ${store.describe('jobs/')}`)
  return {
    id,
    status: manifest.status,
    manifest,
    summary: undefined,
    rows: () => storedRows(store, id),
  }
}

/** The ids of the jobs recorded in a fanout directory, sorted. */
export async function listJobs(options: { root?: string } = {}): Promise<string[]> {
  const store = new FsResultStore(resolve(options.root ?? '.fanout'))
  const ids = new Set<string>()
  for (const key of await store.list('jobs/')) {
    const id = key.split('/')[1]
    if (id && key === manifestKey(id)) ids.add(id)
  }
  return [...ids].sort()
}
