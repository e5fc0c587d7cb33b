import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy, { type MiddyfiedHandler } from '@middy/core'
import type { z } from 'zod'
import { parseEvent } from '../../contracts/parse.js'
import { logKeysOf } from './logKeys.js'

/** A line to log: its message and fields. */
export type LogLine = [message: string, fields?: Record<string, unknown>]

/** What {@link fanoutHandler} needs to know of one function. */
export interface FanoutHandlerSpec<S extends z.ZodType, D, R> {
  /** The function: `plan`, `worker`, `tally` or `reduce`. Names its logger's service (`fanout-<name>`) and its bad events. */
  name: string
  /** The event's schema, parsed once at the edge (a bad event throws `EventValidationError`). */
  schema: S
  /**
   * Builds the function's clients and caches on its first invocation, kept for
   * the container's life. Lazy, so that a bad environment fails (and logs) an
   * invocation, with the event's keys, instead of the import.
   */
  deps: (logger: Logger) => D
  /** The function's work, in src/: the handler does nothing else. */
  run: (event: z.output<S>, deps: D) => Promise<R>
  /** The line logged when `run` resolves. @default `[`${name} done`]` */
  describe?: (result: R, event: z.output<S>, ms: number) => LogLine
}

/**
 * One Lambda handler skeleton for fanout's functions: a Powertools logger
 * whose every line carries the event's `jobId`, `moleculeId` and `attempt`
 * (read before validation, so a bad event's line has them too); the event
 * parsed with its schema; the dependencies built once; a success line; and on
 * failure an error line, then the error rethrown as is, so that Lambda's
 * `errorType` is fanout's class name (each kept literal in the bundle) for the
 * state machine's Retry and Catch to match.
 *
 * @example
 * ```ts
 * export const handler = fanoutHandler({
 *   name: 'reduce',
 *   schema: jobStepEventSchema,
 *   deps: () => ({ store: functionStore(readFunctionEnv(process.env)) }),
 *   run: (event, deps) => reduceCloud({ jobId: event.jobId }, deps),
 *   describe: (result) => [`reduced: ${result.status}`, { ...result }],
 * })
 * ```
 */
export function fanoutHandler<S extends z.ZodType, D, R>(
  spec: FanoutHandlerSpec<S, D, R>,
): MiddyfiedHandler<unknown, R> {
  const logger = new Logger({ serviceName: `fanout-${spec.name}` })
  let deps: D | undefined
  return middy(async (raw: unknown): Promise<R> => {
    logger.appendKeys(logKeysOf(raw))
    try {
      const event = parseEvent(spec.schema, raw, spec.name)
      deps ??= spec.deps(logger)
      const started = performance.now()
      const result = await spec.run(event, deps)
      const ms = Math.round(performance.now() - started)
      const [message, fields] = spec.describe?.(result, event, ms) ?? [`${spec.name} done`]
      logger.info(message, { ms, ...fields })
      return result
    } catch (error) {
      logger.error(`${spec.name} failed`, error as Error)
      throw error
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }))
}
