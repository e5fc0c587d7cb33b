/**
 * The plan function (the splitter): partitions the job, writes its manifest
 * and invokes the worker once per molecule. Thin: parse the event, call
 * `planCloud`, return the job reference for the state machine.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import { functionStore, functionWorkerInvoker } from '../src/aws/lambda/clients.js'
import { logKeysOf } from '../src/aws/lambda/logKeys.js'
import { planCloud } from '../src/aws/lambda/planStep.js'
import { type JobRef, planEventSchema } from '../src/contracts/events.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { parseEvent } from '../src/contracts/parse.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

const logger = new Logger({ serviceName: 'fanout-plan' })

let deps: Parameters<typeof planCloud>[1] | undefined
function dependencies() {
  if (!deps) {
    const env = readFunctionEnv(process.env, ['FANOUT_WORKER_FUNCTION'])
    const store = functionStore(env)
    deps = {
      store,
      loadBundle: new BundleCache({ store }).loader,
      invokeWorker: functionWorkerInvoker(env),
      target: env.target,
      retry: {
        onRetry: (error, n, delayMs) =>
          logger.warn('invoke throttled, retrying', { try: n, delayMs, error: String(error) }),
      },
    }
  }
  return deps
}

/** Plans a {@link planEventSchema} event and dispatches its molecules. */
export const handler = middy(async (raw: unknown): Promise<JobRef> => {
  logger.appendKeys(logKeysOf(raw))
  try {
    const event = parseEvent(planEventSchema, raw, 'plan')
    const started = Date.now()
    const ref = await planCloud(event, dependencies())
    logger.info('planned and dispatched', { ms: Date.now() - started })
    return ref
  } catch (error) {
    logger.error('plan failed', error as Error)
    throw error
  }
}).use(injectLambdaContext(logger, { resetKeys: true }))
