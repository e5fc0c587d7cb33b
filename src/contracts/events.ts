import { z } from 'zod'
import { PARTITION_SCHEMES } from '../core/types.js'
import { cloudSettingsSchema } from './settings.js'

/**
 * The events that travel between the cloud CLI, the state machine and the
 * Lambda functions. One zod `.strict()` schema per surface, parsed once at the
 * edge (the handler), so a typo in a field is an error, not a silent default.
 */

const positiveInt = z.number().int().min(1)

/** How the plan function should cut atoms into molecules (same options as the local CLI). */
export const partitionRequestSchema = z
  .object({
    scheme: z.enum(PARTITION_SCHEMES).default('linear'),
    /** Molecule count hint: molecules default to `workers × 4`. */
    workers: positiveInt.default(64),
    molecules: positiveInt.optional(),
    atomsPerMolecule: positiveInt.optional(),
  })
  .strict()
export type PartitionRequest = z.infer<typeof partitionRequestSchema>

/** The state machine's input, which is the plan function's event. */
export const planEventSchema = z
  .object({
    jobId: z.string().min(1),
    jobName: z.string().min(1),
    jobFile: z.string().min(1),
    params: z.unknown(),
    partition: partitionRequestSchema,
    maxAttempts: positiveInt.max(10).default(3),
    /** The recovery options the manifest keeps (`--retry-atoms`, `--tolerate-failures`, `--speculate`, `--timeout`, `--max-cost`, `--deadline`). */
    recovery: z
      .object({
        retryAtoms: z.boolean().optional(),
        tolerateFailures: z.number().min(0).max(1).optional(),
        speculate: z.boolean().optional(),
        timeoutMs: positiveInt.optional(),
        /** `--max-cost` and `--deadline`, kept so that a resume holds them (the tally reads `cloud`). */
        maxCostUsd: z.number().positive().optional(),
        deadline: z.number().optional(),
        estimatedMoleculeUsd: z.number().min(0).optional(),
        reservedUsd: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    cloud: cloudSettingsSchema,
  })
  .strict()
export type PlanEvent = z.infer<typeof planEventSchema>

/** What plan returns to the state machine (and every later state passes on). */
export const jobRefSchema = z
  .object({
    jobId: z.string().min(1),
    /** Seconds the next Wait state waits. */
    waitSeconds: positiveInt.default(2),
  })
  .strict()
export type JobRef = z.infer<typeof jobRefSchema>

/** One molecule for the worker function: never the atoms, just their range. */
export const workerEventSchema = z
  .object({
    jobId: z.string().min(1),
    bundleKey: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    params: z.unknown(),
    moleculeId: z.number().int().min(0),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
    attempt: positiveInt,
    /** `--retry-atoms`: an attempt with atom errors before the last stores nothing and is run again. */
    retryAtoms: z.boolean().optional(),
    /** The job's attempts per molecule, for `retryAtoms`. */
    maxAttempts: positiveInt.optional(),
    /** Write the atoms done to the attempt's progress object once per this many ms of its run. */
    progressIntervalMs: positiveInt.optional(),
  })
  .strict()
export type WorkerEvent = z.infer<typeof workerEventSchema>

/** The tally's verdict, read by the state machine's Choice state. */
export const tallyResultSchema = z
  .object({
    jobId: z.string(),
    waitSeconds: positiveInt,
    status: z.enum(['running', 'done', 'failure-threshold', 'cost-cap', 'deadline', 'job-error']),
    /** Why the job stops, for the Fail state's cause. */
    cause: z.string().optional(),
    moleculesDone: z.number().int(),
    moleculesFailed: z.number().int(),
    molecules: z.number().int(),
    atomsFailed: z.number().int(),
    costUsd: z.number(),
    redispatched: z.number().int(),
  })
  .strict()
export type TallyResult = z.infer<typeof tallyResultSchema>

/**
 * The tally's and the reduce's event: the plan's `{ jobId, waitSeconds }`, or
 * the previous tally's whole result, as a state machine passes it on.
 */
export const jobStepEventSchema = z.union([jobRefSchema, tallyResultSchema])
export type JobStepEvent = z.infer<typeof jobStepEventSchema>
