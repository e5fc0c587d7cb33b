/**
 * The worker function: runs one molecule and stores its partial. Thin: parse
 * the event, call `runWorker`, log, return.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import { functionStore } from '../src/aws/lambda/clients.js'
import { logKeysOf } from '../src/aws/lambda/logKeys.js'
import { runWorker, type WorkerOutcome } from '../src/aws/lambda/workerStep.js'
import { workerEventSchema } from '../src/contracts/events.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { parseEvent } from '../src/contracts/parse.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

const logger = new Logger({ serviceName: 'fanout-worker' })

/** Built on the first invocation and kept for the container's life. */
let deps: { store: ReturnType<typeof functionStore>; bundles: BundleCache } | undefined
function dependencies() {
  if (!deps) {
    const env = readFunctionEnv(process.env)
    const store = functionStore(env)
    deps = { store, bundles: new BundleCache({ store }) }
  }
  return deps
}

/** Runs the molecule of a {@link workerEventSchema} event. */
export const handler = middy(async (raw: unknown) => {
  logger.appendKeys(logKeysOf(raw))
  try {
    const event = parseEvent(workerEventSchema, raw, 'worker')
    const { store, bundles } = dependencies()
    const outcome: WorkerOutcome = await runWorker(event, { store, loadBundle: bundles.loader })
    logger.info(`molecule ${outcome.status}`, {
      status: outcome.status,
      start: event.start,
      end: event.end,
      loadMs: Math.round(outcome.loadMs),
      ...(outcome.stats
        ? {
            durationMs: Math.round(outcome.stats.durationMs),
            billedMs: outcome.stats.billedMs,
            atomsOk: outcome.stats.atomsOk,
            atomsFailed: outcome.stats.atomsFailed,
            rows: outcome.stats.rows,
          }
        : {}),
    })
    return { status: outcome.status, stats: outcome.stats }
  } catch (error) {
    logger.error('molecule failed', error as Error)
    throw error
  }
}).use(injectLambdaContext(logger, { resetKeys: true }))
