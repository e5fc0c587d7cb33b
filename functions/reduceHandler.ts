/**
 * The reduce function: combines the partials into the result, errors table,
 * run stats and summary. Thin: `reduceCloud` does the work.
 */
import { functionConnection, functionDataAccess, functionStore } from '../src/aws/lambda/clients.js'
import { fanoutHandler } from '../src/aws/lambda/handler.js'
import { type ReduceDeps, reduceCloud } from '../src/aws/lambda/reduceStep.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { jobStepEventSchema } from '../src/contracts/parse.js'
import { installDataAccess } from '../src/core/data/access.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

/** Reduces the job of the last tally's output. */
export const handler = fanoutHandler({
  name: 'reduce',
  schema: jobStepEventSchema,
  deps: (): ReduceDeps => {
    const env = readFunctionEnv(process.env)
    const connection = functionConnection(env)
    const store = functionStore(env, connection)
    installDataAccess(functionDataAccess(env, store, connection))
    return { store, loadBundle: new BundleCache({ store }).loader }
  },
  run: (event, deps) => reduceCloud({ jobId: event.jobId }, deps),
  describe: (result) => [`reduced: ${result.status}`, { ...result }],
})
