import { type Command, Option } from 'commander'
import { z } from 'zod'
import { describeValue, UsageError } from '../core/errors.js'
import { ARCHITECTURES } from '../core/prices.js'
import type { EstimateOptions } from '../runner/estimateJob.js'

const wholeNumber = (flag: string, min: number, max?: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.unknown().superRefine((v, ctx) => {
      if (
        typeof v !== 'number' ||
        !Number.isInteger(v) ||
        v < min ||
        (max !== undefined && v > max)
      ) {
        ctx.addIssue({
          code: 'custom',
          message: `Expected ${flag} to be a whole number from ${min}${max === undefined ? ' and up' : ` to ${max}`}, got ${describeValue(v)}`,
        })
      }
    }),
  ) as unknown as z.ZodType<number>

/** The cost flags of `fanout plan` and `fanout run`, parsed once at the edge. */
export const costFlagsSchema = z
  .object({
    memory: wholeNumber('--memory (MB)', 128, 10_240).optional(),
    architecture: z
      .enum(ARCHITECTURES, {
        error: (i) => `--architecture must be arm64 or x86_64; got ${JSON.stringify(i.input)}`,
      })
      .optional(),
    sample: wholeNumber('--sample', 1).optional(),
    prices: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    concurrency: wholeNumber('--concurrency', 1).optional(),
    /** true: estimate (also locally); false: never; undefined: on cloud targets. */
    estimate: z.boolean().optional(),
    /** `run --report [file]`: true for the default file. */
    report: z.union([z.string().min(1), z.literal(true)]).optional(),
  })
  .strict()
export type CostFlags = z.infer<typeof costFlagsSchema>

/** Add the estimate flags to `fanout plan` or `fanout run`. */
export function addCostFlags(cmd: Command, command: 'plan' | 'run'): Command {
  cmd
    .option(
      '--memory <mb>',
      'Lambda worker memory for the cost figures, MB (default 1769: one vCPU)',
    )
    .addOption(
      new Option(
        '--architecture <arch>',
        'Lambda architecture for the prices (default arm64)',
      ).choices(ARCHITECTURES),
    )
    .option(
      '--sample <n>',
      'atoms timed for the estimate, spread over the whole range (default 32)',
    )
    .option('--prices <file>', 'a prices JSON file (default: built-in list prices of the region)')
    .option('--region <region>', 'the AWS region to price (default AWS_REGION, else us-east-1)')
    .option(
      '--concurrency <n>',
      "the account's Lambda concurrency, for the estimate (default 1000)",
    )
    .option(
      '--estimate',
      command === 'plan'
        ? 'estimate the cost on Lambda also for --target local'
        : 'estimate the cost before starting, also for --target local (default on cloud targets)',
    )
    .option('--no-estimate', 'no cost estimate (no atoms are timed)')
  if (command === 'run') {
    cmd.option(
      '--report [file]',
      'after the run, write the HTML run report (default <root>/jobs/<jobId>/report.html)',
    )
  }
  return cmd
}

/**
 * Take the cost flags out of commander's option object: the rest is for
 * `parseRunFlags`, the cost flags are validated here.
 *
 * @throws {@link UsageError} naming every bad cost flag
 */
export function splitCostFlags(raw: Record<string, unknown>): {
  rest: Record<string, unknown>
  cost: CostFlags
} {
  const keys = Object.keys(costFlagsSchema.shape)
  const rest: Record<string, unknown> = {}
  const mine: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (keys.includes(k)) {
      if (v !== undefined) mine[k] = v
    } else rest[k] = v
  }
  const parsed = costFlagsSchema.safeParse(mine)
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'))
  return { rest, cost: parsed.data }
}

/** The estimate options the cost flags make. */
export function estimateOptionsOf(cost: CostFlags): EstimateOptions {
  return {
    ...(cost.memory !== undefined ? { memoryMb: cost.memory } : {}),
    ...(cost.architecture !== undefined ? { architecture: cost.architecture } : {}),
    ...(cost.sample !== undefined ? { sample: cost.sample } : {}),
    ...(cost.prices !== undefined ? { prices: cost.prices } : {}),
    ...(cost.region !== undefined ? { region: cost.region } : {}),
    ...(cost.concurrency !== undefined ? { concurrency: cost.concurrency } : {}),
  }
}

/** Whether to estimate on `target`: `--estimate` / `--no-estimate`, else on cloud targets only. */
export function wantsEstimate(cost: CostFlags, target: string): boolean {
  return cost.estimate ?? target !== 'local'
}
