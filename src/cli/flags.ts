import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { describeValue, UsageError } from '../core/errors.js'
import { PARTITION_SCHEMES } from '../core/types.js'
import type { PlanRequest } from '../runner/planJob.js'

const positiveInt = (flag: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
    z.unknown().superRefine((v, ctx) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `Expected ${flag} to be an integer from 1 and up, got ${describeValue(v)}`,
        })
      }
    }),
  ) as unknown as z.ZodType<number>

/** The flags `fanout run` and `fanout plan` share, parsed once at the edge. */
export const runOptionsSchema = z
  .object({
    param: z.array(z.string()).default([]),
    workers: positiveInt('--workers').default(availableParallelism()),
    molecules: positiveInt('--molecules').optional(),
    atomsPerMolecule: positiveInt('--atoms-per-molecule').optional(),
    partition: z
      .enum(PARTITION_SCHEMES, {
        error: (issue) =>
          `--partition must be one of ${PARTITION_SCHEMES.join(', ')}; got ${JSON.stringify(issue.input)}`,
      })
      .default('linear'),
    out: z.string().optional(),
    target: z
      .enum(['local', 'localstack', 'aws'], {
        error: (issue) =>
          `--target must be local, localstack or aws; got ${JSON.stringify(issue.input)}`,
      })
      .default('local'),
    jobId: z.string().optional(),
    root: z.string().default('.fanout'),
    json: z.boolean().default(false),
    progress: z.boolean().default(true),
  })
  .strict()
export type RunOptions = z.infer<typeof runOptionsSchema>

/** Validate commander's option object; throws a {@link UsageError} naming every bad flag. */
export function parseRunOptions(raw: Record<string, unknown>): RunOptions {
  const parsed = runOptionsSchema.safeParse(raw)
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'))
  }
  if (parsed.data.molecules !== undefined && parsed.data.atomsPerMolecule !== undefined) {
    throw new UsageError('give either --molecules or --atoms-per-molecule, not both')
  }
  return parsed.data
}

/** The {@link PlanRequest} the shared flags of `fanout run` and `fanout plan` make (no `onReady`). */
export function planRequestOf(jobFile: string, options: RunOptions, root: string): PlanRequest {
  return {
    jobFile,
    params: options.param,
    workers: options.workers,
    molecules: options.molecules,
    atomsPerMolecule: options.atomsPerMolecule,
    scheme: options.partition,
    root,
  }
}
