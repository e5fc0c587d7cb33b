import { randomBytes } from 'node:crypto'
import { basename, extname, join } from 'node:path'
import type { Job } from '../core/job.js'
import { parseParams } from '../core/params.js'
import type { PartitionScheme } from '../core/types.js'
import { type CostSource, cutMolecules } from '../runtime/atomCosts.js'
import { bundleJob, type JobBundle } from '../runtime/bundle.js'
import { loadJobBundle } from '../runtime/loadJob.js'

/** What `fanout run` and `fanout plan` ask for. */
export interface PlanRequest {
  jobFile: string
  /** `key=value` strings from `--param`. */
  params: readonly string[]
  workers: number
  molecules?: number
  atomsPerMolecule?: number
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
  const params = parseParams(request.params, job.params)
  request.onReady?.(bundle, params)
  const numAtoms = job.atoms(params).count
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
