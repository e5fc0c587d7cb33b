import type { z } from 'zod'
import { formatIssues } from '../core/zodIssues.js'
import { EventValidationError } from './errors.js'

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
      `the ${functionName} function got an invalid event:\n${formatIssues(parsed.error, '(event)')}\nIt is sent by fanout itself: check that the CLI and the deployed stack are the same version.`,
      { cause: parsed.error },
    )
  }
  return parsed.data
}

export { type JobStepEvent, jobStepEventSchema } from './events.js'
