import { z } from 'zod'
import { cloudSettingsSchema } from '../contracts/settings.js'
import { ManifestError } from './errors.js'
import { PARTITION_SCHEMES } from './types.js'
import { firstIssue } from './zodIssues.js'

/** One execution of a molecule. Later parts (retries, speculative copies) add attempts. */
export const attemptSchema = z
  .object({
    attempt: z.number().int().min(1),
    startedAt: z.number(),
    endedAt: z.number().optional(),
    /** Wall time of the molecule in the worker, ms. */
    durationMs: z.number().optional(),
    /** Billed-duration figure: Lambda bills per 1 ms, rounded up. */
    billedMs: z.number().optional(),
    atomsOk: z.number().int().optional(),
    atomsFailed: z.number().int().optional(),
    rows: z.number().int().optional(),
    /** Why the execution itself failed (the worker died), not an atom error. */
    error: z.string().optional(),
    /** A backup copy started for a straggler (`--speculate`). */
    speculative: z.boolean().optional(),
    /** Stopped by fanout because another copy of the molecule stored its partial first. */
    cancelled: z.boolean().optional(),
    /** Cut short by an interruption (Ctrl-C, a killed CLI, a stopped execution): not a failure. */
    interrupted: z.boolean().optional(),
    /** Atoms a running cloud attempt reported done (its progress object, read by the tally). */
    atomsSoFar: z.number().int().min(0).optional(),
    /** How many of the attempt's progress intervals the tally has read up to. */
    reportsRead: z.number().int().min(0).optional(),
  })
  .strict()
export type Attempt = z.infer<typeof attemptSchema>

export const moleculeStateSchema = z
  .object({
    id: z.number().int().min(0),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
    status: z.enum(['pending', 'running', 'done', 'failed']),
    attempts: z.array(attemptSchema),
  })
  .strict()
export type MoleculeState = z.infer<typeof moleculeStateSchema>

export const jobStatusSchema = z.enum([
  'planned',
  'running',
  'succeeded',
  'failed',
  'interrupted',
  /** Stopped at `--max-cost`: the partials are kept; resume with a higher cap. */
  'cost-cap',
  /** Stopped at `--deadline`: the partials are kept; resume with a later deadline. */
  'deadline',
])
export type JobStatus = z.infer<typeof jobStatusSchema>

/** The job's state, kept in `jobs/<jobId>/manifest.json`. */
export const manifestSchema = z
  .object({
    version: z.literal(1),
    jobId: z.string(),
    jobName: z.string(),
    jobFile: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    status: jobStatusSchema,
    target: z.enum(['local', 'localstack', 'aws']),
    bundle: z.object({ sha256: z.string(), bytes: z.number().int() }).strict(),
    params: z.unknown(),
    numAtoms: z.number().int().min(0),
    partition: z
      .object({
        scheme: z.enum(PARTITION_SCHEMES),
        boundaries: z.array(z.number().int()),
      })
      .strict(),
    options: z
      .object({
        workers: z.number().int().min(1),
        /** Executions per molecule before it fails: `--retries` + 1. */
        maxAttempts: z.number().int().min(1),
        /** Run a molecule again when some of its atoms threw (`--retry-atoms`). @default false */
        retryAtoms: z.boolean().optional(),
        /** Fraction of atoms that may fail with the job still succeeding (`--tolerate-failures`). @default 0 */
        tolerateFailures: z.number().min(0).max(1).optional(),
        /** Start backup copies of stragglers (`--speculate`). @default false locally, true in the cloud */
        speculate: z.boolean().optional(),
        /** A molecule execution running longer is a hang: stopped, then retried (`--timeout`). */
        timeoutMs: z.number().int().min(1).optional(),
        /** Dollars the run may spend (`--max-cost`; locally, what Lambda would bill). */
        maxCostUsd: z.number().positive().optional(),
        /** Epoch ms after which no molecule starts (`--deadline`). */
        deadline: z.number().optional(),
        /** The estimate's cost of one molecule, for the cost cap before any molecule ended. */
        estimatedMoleculeUsd: z.number().min(0).optional(),
        /** The estimate's cost of what no molecule reports (plan, tallies, reduce, transitions), held back from the cap. */
        reservedUsd: z.number().min(0).optional(),
      })
      .strict(),
    /** The process that runs a local job, so that a job whose CLI died is not shown `running`. */
    owner: z
      .object({ pid: z.number().int(), host: z.string(), heartbeatAt: z.string() })
      .strict()
      .optional(),
    /** Why the job failed as a whole (its setup threw, its reduce threw), when it did. */
    error: z.string().optional(),
    /** When the job was last resumed: attempts before it do not count against `maxAttempts`. */
    resumedAt: z.string().optional(),
    /** The Step Functions executions of a cloud job, oldest first (a resume starts a new one). */
    executions: z.array(z.string()).optional(),
    /** How many times the job was resumed. */
    resumes: z.number().int().min(0).optional(),
    molecules: z.array(moleculeStateSchema),
    /** Cloud settings (bundle key, timeouts, caps), for jobs run on Lambda. */
    cloud: cloudSettingsSchema.optional(),
  })
  .strict()
export type Manifest = z.infer<typeof manifestSchema>

/** The inputs of {@link createManifest}. */
export interface ManifestInit {
  jobId: string
  jobName: string
  jobFile: string
  target: Manifest['target']
  bundle: Manifest['bundle']
  params: unknown
  numAtoms: number
  scheme: Manifest['partition']['scheme']
  boundaries: readonly number[]
  workers: number
  /** @default 2 */
  maxAttempts?: number
  /** The recovery options (`--retry-atoms`, `--tolerate-failures`, `--speculate`, `--timeout`). */
  recovery?: Omit<Manifest['options'], 'workers' | 'maxAttempts'>
  now?: Date
}

/** A new manifest: every molecule pending, no attempt yet. */
export function createManifest(init: ManifestInit): Manifest {
  const now = (init.now ?? new Date()).toISOString()
  const molecules: MoleculeState[] = []
  for (let i = 0; i + 1 < init.boundaries.length; i++) {
    molecules.push({
      id: i,
      start: init.boundaries[i] as number,
      end: init.boundaries[i + 1] as number,
      status: 'pending',
      attempts: [],
    })
  }
  return {
    version: 1,
    jobId: init.jobId,
    jobName: init.jobName,
    jobFile: init.jobFile,
    createdAt: now,
    updatedAt: now,
    status: 'planned',
    target: init.target,
    bundle: { ...init.bundle },
    params: init.params,
    numAtoms: init.numAtoms,
    partition: { scheme: init.scheme, boundaries: [...init.boundaries] },
    options: { workers: init.workers, maxAttempts: init.maxAttempts ?? 2, ...init.recovery },
    molecules,
  }
}

/**
 * Read a manifest from its JSON text, checked against {@link manifestSchema}:
 * the one way fanout reads a manifest.
 *
 * @param where - where the text came from (a path or an s3:// URL), for messages
 * @param jobId - the job it must belong to, when known
 * @throws {@link ManifestError} naming the file and, for a schema mismatch, the field
 * @example
 * ```ts
 * const m = decodeManifest(await readFile(path), path, 'sweep-1')
 * ```
 */
export function decodeManifest(text: Uint8Array | string, where: string, jobId?: string): Manifest {
  const id = jobId ?? '(unknown)'
  const raw = typeof text === 'string' ? text : new TextDecoder().decode(text)
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (error) {
    const truncated = raw.trimStart().startsWith('{') && !raw.trimEnd().endsWith('}')
    throw new ManifestError(
      id,
      `${where} is ${truncated ? 'truncated' : 'not JSON'} (${(error as Error).message}): it is not a readable fanout manifest. fanout writes manifests atomically, so another program wrote or cut this file; restore it or start the job under a new id.`,
      { cause: error },
    )
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error, '(manifest)')
    const more =
      parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : ''
    throw new ManifestError(
      id,
      `${where} is not a fanout manifest of this version: field ${path}: ${message}${more}`,
      { cause: parsed.error },
    )
  }
  if (jobId !== undefined && parsed.data.jobId !== jobId) {
    throw new ManifestError(
      jobId,
      `${where} is the manifest of job ${parsed.data.jobId}, not of job ${jobId}: the file was copied or moved from another job`,
    )
  }
  return parsed.data
}

/** A manifest as the JSON text fanout stores (pretty, with a final newline). */
export function encodeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}
