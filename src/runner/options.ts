import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { describeValue, UsageError } from '../core/errors.js'
import { PARTITION_SCHEMES } from '../core/types.js'
import type { ProgressEvent } from '../executors/Executor.js'
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

/** Options of `run()`: those of `fanout run`, as typed fields. */
export interface RunOptions extends PlanOptions {
  /** The job's id and directory name. @default `<job>-<yyyymmdd-hhmmss>-<4 hex>` */
  jobId?: string
  /** Called as molecules finish, fail or are retried. */
  onProgress?: (event: ProgressEvent) => void
  /** Abort the run: no new molecule starts, running ones stop, partials are kept. */
  signal?: AbortSignal
  /** Called as data params are staged for a cloud target: hashed, uploaded (with bytes so far), skipped. */
  onStaging?: (event: StagingEvent) => void
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
    onStaging: o.onStaging as ResolvedOptions['onStaging'],
  }
}
