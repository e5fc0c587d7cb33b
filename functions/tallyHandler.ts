/**
 * The tally function: counts partials, re-invokes late or crashed molecules,
 * decides whether the job is done or must stop. Thin: parse the event, call
 * `tallyCloud`, return its verdict for the state machine's Choice state.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import { functionStore, functionWorkerInvoker } from '../src/aws/lambda/clients.js'
import { logKeysOf } from '../src/aws/lambda/logKeys.js'
import { tallyCloud } from '../src/aws/lambda/tallyStep.js'
import type { TallyResult } from '../src/contracts/events.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { jobStepEventSchema, parseEvent } from '../src/contracts/parse.js'

const logger = new Logger({ serviceName: 'fanout-tally' })

let deps: Parameters<typeof tallyCloud>[1] | undefined
function dependencies() {
  if (!deps) {
    const env = readFunctionEnv(process.env, ['FANOUT_WORKER_FUNCTION'])
    deps = {
      store: functionStore(env),
      invokeWorker: functionWorkerInvoker(env),
    }
  }
  return deps
}

/** Tallies the job of a plan's or a previous tally's output. */
export const handler = middy(async (raw: unknown): Promise<TallyResult> => {
  logger.appendKeys(logKeysOf(raw))
  try {
    const event = parseEvent(jobStepEventSchema, raw, 'tally')
    const result = await tallyCloud(
      { jobId: event.jobId, waitSeconds: event.waitSeconds },
      dependencies(),
    )
    logger.info(`tally: ${result.status}`, { ...result })
    return result
  } catch (error) {
    logger.error('tally failed', error as Error)
    throw error
  }
}).use(injectLambdaContext(logger, { resetKeys: true }))
