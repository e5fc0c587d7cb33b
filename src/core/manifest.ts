import { z } from 'zod'
import { cloudSettingsSchema } from '../contracts/settings.js'

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

export const jobStatusSchema = z.enum(['planned', 'running', 'succeeded', 'failed', 'interrupted'])
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
        scheme: z.enum(['linear', 'nested', 'nested-upper', 'weighted']),
        boundaries: z.array(z.number().int()),
      })
      .strict(),
    options: z
      .object({
        workers: z.number().int().min(1),
        maxAttempts: z.number().int().min(1),
      })
      .strict(),
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
    options: { workers: init.workers, maxAttempts: init.maxAttempts ?? 2 },
    molecules,
  }
}
