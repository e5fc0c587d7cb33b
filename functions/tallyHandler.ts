/**
 * The tally function: counts partials, re-invokes late or crashed molecules,
 * decides whether the job is done or must stop. Thin: `tallyCloud` does the
 * work and returns its verdict for the state machine's Choice state.
 */
import {
  functionConnection,
  functionStore,
  functionWorkerInvoker,
} from '../src/aws/lambda/clients.js'
import { fanoutHandler } from '../src/aws/lambda/handler.js'
import { type TallyDeps, tallyCloud } from '../src/aws/lambda/tallyStep.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { jobStepEventSchema } from '../src/contracts/parse.js'

/** Tallies the job of a plan's or a previous tally's output. */
export const handler = fanoutHandler({
  name: 'tally',
  schema: jobStepEventSchema,
  deps: (): TallyDeps => {
    const env = readFunctionEnv(process.env, ['FANOUT_WORKER_FUNCTION'])
    const connection = functionConnection(env)
    return {
      store: functionStore(env, connection),
      invokeWorker: functionWorkerInvoker(env, connection),
    }
  },
  run: (event, deps) => tallyCloud({ jobId: event.jobId, waitSeconds: event.waitSeconds }, deps),
  describe: (result) => [`tally: ${result.status}`, { ...result }],
})
