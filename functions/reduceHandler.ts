/**
 * The reduce function: combines the partials into the result, errors table,
 * run stats and summary. Thin: parse the event, call `reduceCloud`, return.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import { functionStore } from '../src/aws/lambda/clients.js'
import { logKeysOf } from '../src/aws/lambda/logKeys.js'
import { type ReduceResult, reduceCloud } from '../src/aws/lambda/reduceStep.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { jobStepEventSchema, parseEvent } from '../src/contracts/parse.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

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
