import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { describeValue, UsageError } from '../core/errors.js'
import { PARTITION_SCHEMES } from '../core/types.js'
import type { ProgressEvent } from '../executors/Executor.js'
import { parseDuration } from './duration.js'
import type { StagingEvent } from './stagingEvents.js'

/** Where a job runs: this machine's threads, an emulated or LocalStack endpoint, or AWS. */
export const TARGETS = ['local', 'localstack', 'aws'] as const
/** One of {@link TARGETS}. */
export type Target = (typeof TARGETS)[number]

/** Where past jobs are looked up: `fanout jobs`, `openJob`, `listJobs`. */
export interface TargetOptions {
  /** @default 'local' */
  target?: Target
  /** fanout's working directory (bundles, local jobs, deploy records). @default '.fanout' */
  root?: string
  /** The CloudFormation stack of a cloud target, when no deploy record names it. @default 'Fanout' */
  stackName?: string
}

/** Options of `plan()`: how to cut the job, as `fanout plan` takes them. */
export interface PlanOptions extends TargetOptions {
  /**
   * The job's params: an object validated by the job's schema, or
   * `key=value` strings converted to the types the schema expects (as
   * `--param` does). @default the schema's defaults
   */
  params?: Record<string, unknown> | readonly string[]
  /** Worker threads locally; the molecule-count hint in the cloud. @default the core count */
  workers?: number
  /** How many molecules to cut. @default workers × 4 */
  molecules?: number
  /** Cut `ceil(N / K)` molecules instead. */
  atomsPerMolecule?: number
  /** @default 'linear' */
  partition?: (typeof PARTITION_SCHEMES)[number]
}

/** How a run meets faults: retries, tolerance, stragglers, hangs (`fanout run`'s recovery flags). */
export interface RecoveryOptions {
  /** Runs again of a molecule whose execution crashed, hung, was throttled or failed its write. @default 2 */
  retries?: number
  /** Also run again a molecule some of whose atoms threw (its last attempt keeps what it got). @default false */
  retryAtoms?: boolean
  /**
   * Percent of atoms that may fail with the job still succeeding (its result
   * then lists the failed atoms). Given, it also stops a job early once more
   * than that failed. @default 0 (and no early stop)
   */
  tolerateFailures?: number
  /** Start a backup copy of a straggler (see the README). @default true on cloud targets, false locally */
  speculate?: boolean
  /**
   * Dollars the run may spend (locally: what Lambda would bill). A start whose
   * estimate's upper bound is over it is refused (unless `force`); while it
   * runs, nothing starts that would pass it: the job stops, resumable.
   */
  maxCostUsd?: number
  /** No molecule starts after this: epoch ms, a Date, or a duration from now (`30m`). */
  deadline?: number | Date | string
  /**
   * A molecule execution running longer is a hang: stopped, then retried. A
   * number is milliseconds; a string a duration (`600` seconds, `90s`, `30m`).
   * @default 15 min (Lambda's timeout)
   */
  timeout?: number | string
}

/** Options of `run()`: those of `fanout run`, as typed fields. */
export interface RunOptions extends PlanOptions, RecoveryOptions {
  /** The job's id and directory name. @default `<job>-<yyyymmdd-hhmmss>-<4 hex>` */
  jobId?: string
  /** Start even though the estimate's upper bound is over `maxCostUsd` (the cap still holds). @default false */
  force?: boolean
  /** Called as molecules finish, fail or are retried. */
  onProgress?: (event: ProgressEvent) => void
  /** Abort the run: no new molecule starts, running ones are cancelled, partials are kept. */
  signal?: AbortSignal
  /** Stop the run gently: no new molecule starts, running ones finish; the job ends interrupted (resumable). */
  stopSignal?: AbortSignal
  /** Called as data params are staged for a cloud target: hashed, uploaded (with bytes so far), skipped. */
  onStaging?: (event: StagingEvent) => void
}

/** Options of `resume()`: where the job is, and how to run what is left. */
export interface ResumeOptions extends TargetOptions, RecoveryOptions {
  /** Resume even though the job's file changed since (the job's original bundle runs). @default false */
  force?: boolean
  /** Worker threads locally. @default the core count */
  workers?: number
  onProgress?: (event: ProgressEvent) => void
  signal?: AbortSignal
  stopSignal?: AbortSignal
}

const positiveInt = (name: string) =>
  z.unknown().transform((v, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      ctx.addIssue({
        code: 'custom',
        message: `Expected ${name} to be an integer from 1 and up, got ${describeValue(v)}`,
      })
      return z.NEVER
    }
    return v
  })

const oneOf = <T extends readonly string[]>(name: string, values: T) =>
  z.enum(values as unknown as [string, ...string[]], {
    error: (issue) =>
      `Expected ${name} to be one of ${values.join(', ')}, got ${describeValue(issue.input)}`,
  }) as unknown as z.ZodType<T[number]>

/** The options every run/plan/open call accepts, checked once at the edge (unknown keys are errors). */
const optionsSchema = z
  .object({
    target: oneOf('target', TARGETS).default('local'),
    root: z.string().min(1).default('.fanout'),
    stackName: z.string().min(1).optional(),
    params: z.union([z.record(z.string(), z.unknown()), z.array(z.string())]).optional(),
    workers: positiveInt('workers').optional(),
    molecules: positiveInt('molecules').optional(),
    atomsPerMolecule: positiveInt('atomsPerMolecule').optional(),
    partition: oneOf('partition', PARTITION_SCHEMES).default('linear'),
    jobId: z.string().optional(),
    onProgress: z.function().optional(),
    signal: z.instanceof(AbortSignal).optional(),
    stopSignal: z.instanceof(AbortSignal).optional(),
    retries: z
      .unknown()
      .transform((v, ctx) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 9) {
          ctx.addIssue({
            code: 'custom',
            message: `Expected retries to be an integer from 0 to 9, got ${describeValue(v)}`,
          })
          return z.NEVER
        }
        return v
      })
      .optional(),
    retryAtoms: z.boolean().optional(),
    tolerateFailures: z
      .unknown()
      .transform((v, ctx) => {
        if (typeof v !== 'number' || !(v >= 0 && v <= 100)) {
          ctx.addIssue({
            code: 'custom',
            message: `Expected tolerateFailures to be a percentage from 0 to 100, got ${describeValue(v)}`,
          })
          return z.NEVER
        }
        return v
      })
      .optional(),
    speculate: z.boolean().optional(),
    timeout: z.union([z.number(), z.string()]).optional(),
    force: z.boolean().optional(),
    maxCostUsd: z
      .unknown()
      .transform((v, ctx) => {
        if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
          ctx.addIssue({
            code: 'custom',
            message: `Expected maxCostUsd to be a number of dollars above 0, got ${describeValue(v)}`,
          })
          return z.NEVER
        }
        return v
      })
      .optional(),
    deadline: z.union([z.number(), z.date(), z.string()]).optional(),
    onStaging: z.function().optional(),
  })
  .strict()

/** {@link RunOptions} with every default filled in. */
export interface ResolvedOptions {
  target: Target
  root: string
  stackName: string | undefined
  params: Record<string, unknown> | readonly string[] | undefined
  workers: number
  /** True when `workers` was given (a cloud target then takes it as its molecule-count hint). */
  workersGiven: boolean
  molecules: number | undefined
  atomsPerMolecule: number | undefined
  partition: (typeof PARTITION_SCHEMES)[number]
  jobId: string | undefined
  onProgress: ((event: ProgressEvent) => void) | undefined
  signal: AbortSignal | undefined
  stopSignal: AbortSignal | undefined
  /** The recovery options, resolved: `maxAttempts` = retries + 1, fractions, ms. */
  recovery: {
    maxAttempts: number
    retryAtoms: boolean
    tolerateFailures: number | undefined
    speculate: boolean
    timeoutMs: number | undefined
    maxCostUsd: number | undefined
    /** Epoch ms. */
    deadline: number | undefined
  }
  force: boolean
  onStaging: ((event: StagingEvent) => void) | undefined
}

/**
 * Check a call's options: unknown keys, wrong types and conflicting counts
 * are a {@link UsageError} that names every bad option.
 */
export function resolveOptions(options: RunOptions | undefined, api: string): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options ?? {})
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown option${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')} (known: ${Object.keys(optionsSchema.shape).join(', ')})`
        : i.message,
    )
    throw new UsageError(`${api}: ${lines.join('; ')}`)
  }
  const o = parsed.data
  if (o.molecules !== undefined && o.atomsPerMolecule !== undefined) {
    throw new UsageError(`${api}: give either molecules or atomsPerMolecule, not both`)
  }
  return {
    target: o.target,
    root: o.root,
    stackName: o.stackName,
    params: o.params as ResolvedOptions['params'],
    workers: o.workers ?? availableParallelism(),
    workersGiven: o.workers !== undefined,
    molecules: o.molecules,
    atomsPerMolecule: o.atomsPerMolecule,
    partition: o.partition,
    jobId: o.jobId,
    onProgress: o.onProgress as ResolvedOptions['onProgress'],
    signal: o.signal,
    stopSignal: o.stopSignal,
    recovery: {
      maxAttempts: (o.retries ?? DEFAULT_RETRIES) + 1,
      retryAtoms: o.retryAtoms ?? false,
      tolerateFailures: o.tolerateFailures === undefined ? undefined : o.tolerateFailures / 100,
      speculate: o.speculate ?? o.target !== 'local',
      timeoutMs: timeoutOf(o.timeout),
      maxCostUsd: o.maxCostUsd,
      deadline: deadlineOf(o.deadline),
    },
    force: o.force ?? false,
    onStaging: o.onStaging as ResolvedOptions['onStaging'],
  }
}

/** Runs again of a molecule whose execution failed, unless `retries` says otherwise. */
export const DEFAULT_RETRIES = 2

function timeoutOf(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) {
      throw new UsageError(
        `Expected timeout to be a positive number of ms, got ${describeValue(value)}`,
      )
    }
    return Math.round(value)
  }
  return parseDuration(value, 'timeout')
}

function deadlineOf(
  value: number | Date | string | undefined,
  what = 'deadline',
): number | undefined {
  if (value === undefined) return undefined
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  const at = Date.parse(value)
  // an ISO date, else a duration from now
  return /^\d{4}-\d\d-\d\d/.test(value) && Number.isFinite(at)
    ? at
    : Date.now() + parseDuration(value, what)
}
