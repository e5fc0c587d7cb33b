import { z } from 'zod'
import { EventValidationError } from '../aws/errors.js'
import { UsageError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { jobRefSchema, tallyResultSchema } from './events.js'

function listIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `  ${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`)
    .join('\n')
}

/**
 * Parse a Lambda event with its schema, once, at the handler's edge.
 *
 * @throws {@link EventValidationError} listing every issue by path
 * @example
 * ```ts
 * const event = parseEvent(workerEventSchema, raw, 'worker')
 * ```
 */
export function parseEvent<S extends z.ZodType>(
  schema: S,
  event: unknown,
  functionName: string,
): z.output<S> {
  const parsed = schema.safeParse(event)
  if (!parsed.success) {
    throw new EventValidationError(
      functionName,
      `the ${functionName} function got an invalid event:\n${listIssues(parsed.error)}\nIt is sent by fanout itself: check that the CLI and the deployed stack are the same version.`,
      { cause: parsed.error },
    )
  }
  return parsed.data
}

/**
 * The tally's and the reduce's event: the plan's `{ jobId, waitSeconds }`, or
 * the previous tally's whole result, as a state machine passes it on.
 */
export const jobStepEventSchema = z.union([jobRefSchema, tallyResultSchema])
export type JobStepEvent = z.infer<typeof jobStepEventSchema>

/**
 * Validate a job's params (JSON, as the CLI sent them) with the job's schema,
 * as plan, worker and reduce each do, so all three see the same values.
 *
 * @throws {@link UsageError} listing every issue by path
 */
export function parseJobParams(job: Job, params: unknown): unknown {
  if (!job.params) return {}
  const parsed = job.params.safeParse(params ?? {})
  if (!parsed.success) {
    throw new UsageError(
      `the job's params do not validate:\n${listIssues(parsed.error as z.ZodError)}\nFix them with --param key=value.`,
      { cause: parsed.error },
    )
  }
  return parsed.data
}
