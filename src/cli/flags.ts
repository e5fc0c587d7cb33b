import { z } from 'zod'
import { describeValue, UsageError } from '../core/errors.js'
import { PARTITION_SCHEMES } from '../core/types.js'
import { parseDuration } from '../runner/duration.js'
import { TARGETS } from '../runner/options.js'

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

const count = (flag: string, min: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
    z.unknown().superRefine((v, ctx) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
        ctx.addIssue({
          code: 'custom',
          message: `Expected ${flag} to be an integer from ${min} and up, got ${describeValue(v)}`,
        })
      }
    }),
  ) as unknown as z.ZodType<number>

const percent = (flag: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string' && /^\d+(\.\d+)?%?$/.test(v.trim())
        ? Number(v.trim().replace('%', ''))
        : v,
    z.unknown().superRefine((v, ctx) => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 100)) {
        ctx.addIssue({
          code: 'custom',
          message: `Expected ${flag} to be a percentage from 0 to 100 (e.g. 5 or 5%), got ${describeValue(v)}`,
        })
      }
    }),
  ) as unknown as z.ZodType<number>

const dollars = (flag: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string' && /^\s*\$?\d+(\.\d+)?\s*$/.test(v)
        ? Number(v.trim().replace('$', ''))
        : v,
    z.unknown().superRefine((v, ctx) => {
      if (typeof v !== 'number' || !(v > 0)) {
        ctx.addIssue({
          code: 'custom',
          message: `Expected ${flag} to be an amount of dollars above 0 (e.g. 5 or 0.50), got ${describeValue(v)}`,
        })
      }
    }),
  ) as unknown as z.ZodType<number>

/** `--deadline`: an ISO date, or a duration from now, checked here so the error names the flag. */
const deadline = (flag: string) =>
  z.string().superRefine((v, ctx) => {
    if (/^\d{4}-\d\d-\d\d/.test(v)) {
      if (!Number.isFinite(Date.parse(v))) {
        ctx.addIssue({
          code: 'custom',
          message: `Expected ${flag} to be a valid date, got ${describeValue(v)}`,
        })
      }
      return
    }
    try {
      parseDuration(v, flag)
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message })
    }
  })

/** The flags `fanout run` and `fanout plan` share, parsed once at the edge. */
export const runFlagsSchema = z
  .object({
    param: z.array(z.string()).default([]),
    workers: positiveInt('--workers').optional(),
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
      .enum(TARGETS, {
        error: (issue) =>
          `--target must be one of ${TARGETS.join(', ')}; got ${JSON.stringify(issue.input)}`,
      })
      .default('local'),
    stackName: z.string().optional(),
    jobId: z.string().optional(),
    root: z.string().default('.fanout'),
    json: z.boolean().default(false),
    progress: z.boolean().default(true),
    retries: count('--retries', 0).optional(),
    retryAtoms: z.boolean().optional(),
    tolerateFailures: percent('--tolerate-failures').optional(),
    speculate: z.boolean().optional(),
    timeout: z.string().optional(),
    maxCost: dollars('--max-cost').optional(),
    deadline: deadline('--deadline').optional(),
    force: z.boolean().optional(),
  })
  .strict()
export type RunFlags = z.infer<typeof runFlagsSchema>

/** Validate commander's option object; throws a {@link UsageError} naming every bad flag. */
export function parseRunFlags(raw: Record<string, unknown>): RunFlags {
  const parsed = runFlagsSchema.safeParse(raw)
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'))
  }
  if (parsed.data.molecules !== undefined && parsed.data.atomsPerMolecule !== undefined) {
    throw new UsageError('give either --molecules or --atoms-per-molecule, not both')
  }
  return parsed.data
}

/** The runner options the shared flags of `fanout run` and `fanout plan` make. */
export function runnerOptionsOf(flags: RunFlags) {
  return {
    params: flags.param,
    target: flags.target,
    root: flags.root,
    partition: flags.partition,
    ...(flags.stackName ? { stackName: flags.stackName } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.molecules !== undefined ? { molecules: flags.molecules } : {}),
    ...(flags.atomsPerMolecule !== undefined ? { atomsPerMolecule: flags.atomsPerMolecule } : {}),
    ...(flags.jobId !== undefined ? { jobId: flags.jobId } : {}),
    ...(flags.force !== undefined ? { force: flags.force } : {}),
    ...recoveryOf(flags),
  }
}

/** The recovery options the flags give (only those given: the runner has the defaults). */
export function recoveryOf(flags: Partial<RunFlags>) {
  return {
    ...(flags.retries !== undefined ? { retries: flags.retries } : {}),
    ...(flags.retryAtoms !== undefined ? { retryAtoms: flags.retryAtoms } : {}),
    ...(flags.tolerateFailures !== undefined ? { tolerateFailures: flags.tolerateFailures } : {}),
    ...(flags.speculate !== undefined ? { speculate: flags.speculate } : {}),
    ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}),
    ...(flags.maxCost !== undefined ? { maxCostUsd: flags.maxCost } : {}),
    ...(flags.deadline !== undefined ? { deadline: flags.deadline } : {}),
  }
}
