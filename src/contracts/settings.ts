import { z } from 'zod'

const positiveInt = z.number().int().min(1)

/** Cloud run settings, kept in the manifest's `cloud` field. */
export const cloudSettingsSchema = z
  .object({
    /** S3 key of the job bundle: `bundles/<sha256>.mjs`. */
    bundleKey: z.string().regex(/^bundles\/[0-9a-f]{64}\.mjs$/),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Parallel async invocations while dispatching. @default 64 */
    dispatchConcurrency: positiveInt.max(1000).default(64),
    /** A molecule not reported this long after its dispatch is re-invoked (up to maxAttempts). */
    moleculeTimeoutMs: positiveInt.default(15 * 60 * 1000 + 30_000),
    /** Seconds between tallies (the state machine's Wait). @default 2 */
    pollSeconds: positiveInt.max(60).default(2),
    /** Epoch ms after which the job stops with a Deadline failure. */
    deadline: z.number().optional(),
    /** Hard dollar cap: nothing starts that would pass it; the job then stops, resumable (CostCap). */
    costCapUsd: z.number().positive().optional(),
    /** The estimate's cost of one molecule, for the cap before any molecule ended. */
    estimatedMoleculeUsd: z.number().min(0).optional(),
    /** The estimate's cost of what no molecule reports (plan, tallies, reduce, transitions), held back from the cap. */
    reservedUsd: z.number().min(0).optional(),
    /** Fraction of atoms that may fail before the job stops early. @default 1 (never stop early) */
    failureTolerance: z.number().min(0).max(1).default(1),
    /**
     * The share of a worker's compute bill its progress reports (one S3 PUT
     * each) may cost; 0 for none. @default 0.01 (see `progressIntervalMs`)
     */
    progressShare: z.number().min(0).max(1).optional(),
    /** Worker memory (MB) and architecture, for the cost estimate. */
    memoryMb: positiveInt.default(1769),
    architecture: z.enum(['arm64', 'x86_64']).default('arm64'),
  })
  .strict()
export type CloudSettings = z.infer<typeof cloudSettingsSchema>
