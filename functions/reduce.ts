/**
 * The reduce function: combines the partials into the result, errors table,
 * run stats and summary. Thin: parse the event, call `reduceCloud`, return.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import { BundleCache } from '../src/cloud/bundleCache.js'
import { functionStore } from '../src/cloud/clients.js'
import { readFunctionEnv } from '../src/cloud/env.js'
import { jobStepEventSchema, parseEvent } from '../src/cloud/events.js'
import { logKeysOf } from '../src/cloud/logKeys.js'
import { type ReduceResult, reduceCloud } from '../src/cloud/reduce.js'

const logger = new Logger({ serviceName: 'fanout-reduce' })

let deps: Parameters<typeof reduceCloud>[1] | undefined
function dependencies() {
  if (!deps) {
    const env = readFunctionEnv(process.env)
    const store = functionStore(env)
    deps = { store, loadBundle: new BundleCache({ store }).loader }
  }
  return deps
}

/** Reduces the job of the last tally's output. */
export const handler = middy(async (raw: unknown): Promise<ReduceResult> => {
  logger.appendKeys(logKeysOf(raw))
  try {
    const event = parseEvent(jobStepEventSchema, raw, 'reduce')
    const result = await reduceCloud({ jobId: event.jobId }, dependencies())
    logger.info(`reduced: ${result.status}`, { ...result })
    return result
  } catch (error) {
    logger.error('reduce failed', error as Error)
    throw error
  }
}).use(injectLambdaContext(logger, { resetKeys: true }))
