/**
 * The reduce function: combines the partials into the result, errors table,
 * run stats and summary. Thin: `reduceCloud` does the work.
 */
import { functionStore } from '../src/aws/lambda/clients.js'
import { fanoutHandler } from '../src/aws/lambda/handler.js'
import { type ReduceDeps, reduceCloud } from '../src/aws/lambda/reduceStep.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { jobStepEventSchema } from '../src/contracts/parse.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

/** Reduces the job of the last tally's output. */
export const handler = fanoutHandler({
  name: 'reduce',
  schema: jobStepEventSchema,
  deps: (): ReduceDeps => {
    const store = functionStore(readFunctionEnv(process.env))
    return { store, loadBundle: new BundleCache({ store }).loader }
  },
  run: (event, deps) => reduceCloud({ jobId: event.jobId }, deps),
  describe: (result) => [`reduced: ${result.status}`, { ...result }],
})
