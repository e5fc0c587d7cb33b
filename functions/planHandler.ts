/**
 * The plan function (the splitter): partitions the job, writes its manifest
 * and invokes the worker once per molecule. Thin: `planCloud` does the work
 * and returns the job reference for the state machine.
 */
import {
  functionConnection,
  functionDataAccess,
  functionStore,
  functionWorkerInvoker,
} from '../src/aws/lambda/clients.js'
import { fanoutHandler } from '../src/aws/lambda/handler.js'
import { type PlanDeps, planCloud } from '../src/aws/lambda/planStep.js'
import { planEventSchema } from '../src/contracts/events.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { installDataAccess } from '../src/core/data/access.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

/** Plans a {@link planEventSchema} event and dispatches its molecules. */
export const handler = fanoutHandler({
  name: 'plan',
  schema: planEventSchema,
  deps: (logger): PlanDeps => {
    const env = readFunctionEnv(process.env, ['FANOUT_WORKER_FUNCTION'])
    const connection = functionConnection(env)
    const store = functionStore(env, connection)
    // atoms(params) may list a data bucket or read a staged file's line index
    installDataAccess(functionDataAccess(env, store, connection))
    return {
      store,
      loadBundle: new BundleCache({ store }).loader,
      invokeWorker: functionWorkerInvoker(env, connection),
      target: env.target,
      retry: {
        onRetry: (error, n, delayMs) =>
          logger.warn('invoke throttled, retrying', { try: n, delayMs, error: String(error) }),
      },
    }
  },
  run: planCloud,
  describe: () => ['planned and dispatched'],
})
