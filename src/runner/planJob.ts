import { randomBytes } from 'node:crypto'
import { basename, extname, join } from 'node:path'
import { describeThrown, JobCodeError, UsageError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { parseParams, validateParams } from '../core/params.js'
import type { PartitionScheme } from '../core/types.js'
import { type CostSource, cutMolecules } from '../runtime/atomCosts.js'
import { bundleJob, type JobBundle } from '../runtime/bundle.js'
import { atomsOf } from '../runtime/data/install.js'
import { loadJobBundle } from '../runtime/loadJob.js'
import type { EstimateOptions, JobEstimate } from './estimateJob.js'
import type { JobHandle } from './JobHandle.js'
import type { PlanOptions, RunOptions } from './options.js'

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
  if (request.scheme === 'weighted' && numAtoms > MAX_WEIGHTED_ATOMS) {
    throw new UsageError(
      `--partition weighted keeps one cost per atom in memory, for at most ${MAX_WEIGHTED_ATOMS.toLocaleString('en-US')} atoms; this job has ${numAtoms.toLocaleString('en-US')}: use --partition linear or nested`,
    )
  }
  const { boundaries, costSource } = await cutMolecules(job, params, numAtoms, {
    scheme: request.scheme,
    workers: request.workers,
    molecules: request.molecules,
    atomsPerMolecule: request.atomsPerMolecule,
    costSample: request.costSample,
  })
  checkSizes(boundaries, numAtoms)
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
  /** What the job is predicted to cost on Lambda: on cloud targets, or when `estimate` was asked for. */
  estimate?: JobEstimate
  /** Why this many molecules, when a cloud run takes the estimate's suggestion. */
  moleculesFrom?: string
}

/**
 * Options of `plan()`: {@link PlanOptions}, and whether and how to estimate
 * the cost on Lambda — by default on the cloud targets, never locally;
 * `estimate: true` (or options) estimates also for `target: 'local'`,
 * `estimate: false` never.
 */
export interface PlanCallOptions extends PlanOptions {
  estimate?: boolean | EstimateOptions
}

/**
 * Options of `run()`: {@link RunOptions}, and the cost estimate made before
 * the run starts (stored as `jobs/<jobId>/estimate.json`, so the summary and
 * the report show the prediction beside the measured cost) — by default on
 * the cloud targets, never locally; `estimate: true` (or options) also
 * locally, `estimate: false` never.
 */
export interface RunCallOptions extends RunOptions {
  estimate?: boolean | EstimateOptions
  /** Called with the estimate before any molecule runs. */
  onEstimate?: (estimate: JobEstimate) => void
}

/** The handle type `run()` resolves to (re-exported for callers of {@link RunCallOptions}). */
export type RunHandle = JobHandle

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

/** The most atoms one molecule may hold: its rows are built in memory by one worker. */
export const MAX_ATOMS_PER_MOLECULE = 10_000_000
/** The most molecules one job may have: the manifest keeps one record per molecule. */
export const MAX_MOLECULES = 100_000
/** The most atoms `--partition weighted` cuts: it keeps one cost per atom. */
export const MAX_WEIGHTED_ATOMS = 10_000_000

const fmt = (n: number) => n.toLocaleString('en-US')

/**
 * Refuse, before anything runs, a cut that would not run in bounded memory.
 *
 * @throws {@link UsageError} naming the limit and the flag that fixes it
 */
export function checkSizes(boundaries: readonly number[], numAtoms: number): void {
  const molecules = boundaries.length - 1
  if (molecules > MAX_MOLECULES) {
    throw new UsageError(
      `${fmt(molecules)} molecules is more than fanout runs in one job (${fmt(MAX_MOLECULES)}, one manifest record each): cut fewer, e.g. --molecules ${fmt(MAX_MOLECULES)}`,
    )
  }
  let largest = 0
  for (let i = 0; i < molecules; i++) {
    largest = Math.max(largest, (boundaries[i + 1] as number) - (boundaries[i] as number))
  }
  if (largest <= MAX_ATOMS_PER_MOLECULE) return
  const needed = Math.ceil(numAtoms / MAX_ATOMS_PER_MOLECULE)
  if (needed > MAX_MOLECULES) {
    throw new UsageError(
      `the job has ${fmt(numAtoms)} atoms, more than fanout runs in one job (${fmt(MAX_MOLECULES)} molecules of at most ${fmt(MAX_ATOMS_PER_MOLECULE)} atoms): make each atom do more work, or split the job`,
    )
  }
  throw new UsageError(
    `a molecule would hold ${fmt(largest)} atoms; fanout runs at most ${fmt(MAX_ATOMS_PER_MOLECULE)} atoms per molecule (each molecule's rows are built in memory): cut more molecules, e.g. --molecules ${needed} or --atoms-per-molecule ${MAX_ATOMS_PER_MOLECULE}`,
  )
}
