import { randomBytes } from 'node:crypto'
import { basename, extname, join } from 'node:path'
import { describeThrown, JobCodeError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { parseParams, validateParams } from '../core/params.js'
import type { PartitionScheme } from '../core/types.js'
import { type CostSource, cutMolecules } from '../runtime/atomCosts.js'
import { bundleJob, type JobBundle } from '../runtime/bundle.js'
import { atomsOf } from '../runtime/data/install.js'
import { loadJobBundle } from '../runtime/loadJob.js'

/** What `fanout run` and `fanout plan` ask for. */
export interface PlanRequest {
  jobFile: string
  /** An object for the job's schema, or `key=value` strings as `--param` gives them. @default {} */
  params?: Record<string, unknown> | readonly string[] | undefined
  workers: number
  molecules?: number | undefined
  atomsPerMolecule?: number | undefined
  scheme: PartitionScheme
  /** The fanout directory (bundles, jobs). */
  root: string
  /** Atoms timed to estimate costs for `weighted` when the job has no `cost`. @default 32 */
  costSample?: number
  /** Called as soon as the bundle is built and the params are valid (to warm workers up). */
  onReady?: (bundle: JobBundle, params: unknown) => void
}

/** A job ready to run: bundled, loaded, its params validated and its atoms partitioned. */
export interface PlannedJob {
  job: Job
  jobName: string
  bundle: JobBundle
  params: unknown
  numAtoms: number
  scheme: PartitionScheme
  boundaries: number[]
  /** How the weighted costs were obtained, when weighted. */
  costSource?: CostSource
}

/** The job's name: its file name without the extension. */
export function jobNameOf(jobFile: string): string {
  return basename(jobFile, extname(jobFile))
}

/** A fresh job id: `<jobName>-<yyyymmdd-hhmmss>-<4 hex>`. */
export function newJobId(jobName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  const safe = jobName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'job'
  return `${safe}-${stamp}-${randomBytes(2).toString('hex')}`
}

/**
 * Bundle, load and partition a job without running it (beyond timing a
 * sample of atoms for `weighted` when the job gives no `cost`).
 */
export async function planJob(request: PlanRequest): Promise<PlannedJob> {
  const bundle = await bundleJob(request.jobFile, join(request.root, 'bundles'))
  const job = await loadJobBundle(bundle.path, request.jobFile)
  const params = Array.isArray(request.params)
    ? parseParams(request.params as readonly string[], job.params)
    : validateParams(job.params, request.params ?? {})
  request.onReady?.(bundle, params)
  const numAtoms = await countAtoms(job, params, request.jobFile)
  const { boundaries, costSource } = await cutMolecules(job, params, numAtoms, {
    scheme: request.scheme,
    workers: request.workers,
    molecules: request.molecules,
    atomsPerMolecule: request.atomsPerMolecule,
    costSample: request.costSample,
  })
  return {
    job,
    jobName: jobNameOf(request.jobFile),
    bundle,
    params,
    numAtoms,
    scheme: request.scheme,
    boundaries,
    ...(costSource ? { costSource } : {}),
  }
}

/**
 * The job's atom count, from its own `atoms(params)`.
 *
 * @throws {@link JobCodeError} when `atoms` throws or its source reports no usable count
 */
export async function countAtoms(job: Job, params: unknown, jobFile: string): Promise<number> {
  let count: unknown
  try {
    // data sources may fetch first (a listing, a line index): atomsOf waits for them
    count = (await atomsOf(job, params)).count
  } catch (error) {
    // a data source says what is wrong with the data (and what to do): pass that on as is
    if ((error as Error | undefined)?.name === 'DataError') {
      throw new JobCodeError('atoms', `the job's atoms(params): ${(error as Error).message}`, {
        cause: error,
      })
    }
    throw new JobCodeError(
      'atoms',
      `the job's atoms(params) threw ${describeThrown(error)} (in ${jobFile}); fix the job's atoms function`,
      { cause: error },
    )
  }
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new JobCodeError(
      'atoms',
      `the job's atom source reports a count of ${String(count)} (${typeof count}); an atom source's count must be a whole number from 0 (in ${jobFile})`,
    )
  }
  return count
}

/** What `plan()` and `fanout plan` report: the job's atoms and molecules, nothing run. */
export interface PlanInfo {
  /** The job's name (its file name without the extension). */
  job: string
  jobFile: string
  params: unknown
  atoms: number
  molecules: number
  scheme: PartitionScheme
  workers: number
  /** Atoms per molecule. */
  sizes: { min: number; median: number; max: number }
  boundaries: number[]
  costSource?: CostSource
  bundle: { bytes: number; sha256: string }
}

function sizeStats(boundaries: readonly number[]): PlanInfo['sizes'] {
  const sizes: number[] = []
  for (let i = 0; i + 1 < boundaries.length; i++) {
    sizes.push((boundaries[i + 1] as number) - (boundaries[i] as number))
  }
  const sorted = sizes.sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median =
    sorted.length === 0
      ? 0
      : sorted.length % 2
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0 }
}

/** A planned job as {@link PlanInfo}. */
export function planInfoOf(planned: PlannedJob, jobFile: string, workers: number): PlanInfo {
  return {
    job: planned.jobName,
    jobFile,
    params: planned.params,
    atoms: planned.numAtoms,
    molecules: Math.max(planned.boundaries.length - 1, 0),
    scheme: planned.scheme,
    workers,
    sizes: sizeStats(planned.boundaries),
    boundaries: planned.boundaries,
    ...(planned.costSource ? { costSource: planned.costSource } : {}),
    bundle: { bytes: planned.bundle.bytes, sha256: planned.bundle.sha256 },
  }
}
