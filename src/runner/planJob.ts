import { randomBytes } from 'node:crypto'
import { basename, extname, join } from 'node:path'
import { UsageError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { parseParams } from '../core/params.js'
import { partition } from '../core/partition.js'
import type { PartitionScheme } from '../core/types.js'
import { interpolateCosts, sampleIndices } from '../core/weightedParts.js'
import { bundleJob, type JobBundle } from '../runtime/bundle.js'
import { loadJobBundle } from '../runtime/loadJob.js'
import { prepare } from '../runtime/runMolecule.js'

/** How long one sample point of the weighted scheme is timed, and over how many atoms at most. */
const SAMPLE_RUN_MS = 2
const SAMPLE_RUN_MAX = 64
/** The whole sampling stops after this long; costs are interpolated from what was timed. */
const SAMPLE_BUDGET_MS = 5000

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
  costSource?: 'cost function' | 'measured sample'
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

/** Per-atom costs for the weighted scheme: the job's `cost`, or atoms timed on a sample. */
async function atomCosts(job: Job, params: unknown, numAtoms: number, sample: number) {
  const { promise } = prepare(job, params)
  const { source, state } = await promise
  if (job.cost) {
    const costs = new Float64Array(numAtoms)
    for (let i = 0; i < numAtoms; i++) {
      const c = job.cost(source.at(i), i)
      if (!Number.isFinite(c) || c < 0) {
        throw new UsageError(`cost(atom ${i}) returned ${c}; a cost must be a finite number ≥ 0`)
      }
      costs[i] = c
    }
    return { costs, costSource: 'cost function' as const }
  }
  // Time each sample point over a short run of consecutive atoms (until about
  // 2 ms pass), so atoms of a few microseconds are not lost in timer noise.
  const samples: { index: number; cost: number }[] = []
  const budgetEnd = performance.now() + SAMPLE_BUDGET_MS
  for (const index of sampleIndices(numAtoms, sample)) {
    const t0 = performance.now()
    let count = 0
    for (let i = index; i < numAtoms && count < SAMPLE_RUN_MAX; i++) {
      try {
        await job.run(source.at(i), { index: i, moleculeId: -1, attempt: 0, params, state })
      } catch {
        // a failing atom still tells how long it took
      }
      count++
      if (performance.now() - t0 >= SAMPLE_RUN_MS) break
    }
    samples.push({ index, cost: (performance.now() - t0) / count })
    if (performance.now() > budgetEnd) break
  }
  return { costs: interpolateCosts(numAtoms, samples), costSource: 'measured sample' as const }
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
  let costs: Float64Array | undefined
  let costSource: PlannedJob['costSource']
  if (request.scheme === 'weighted' && numAtoms > 0) {
    ;({ costs, costSource } = await atomCosts(job, params, numAtoms, request.costSample ?? 32))
  }
  const boundaries = partition({
    numAtoms,
    scheme: request.scheme,
    workers: request.workers,
    molecules: request.molecules,
    atomsPerMolecule: request.atomsPerMolecule,
    costs,
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
