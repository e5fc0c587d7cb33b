/**
 * The worker function: runs one molecule and stores its partial. Thin:
 * `runWorker` does the work; the handler logs its outcome.
 */
import { functionConnection, functionDataAccess, functionStore } from '../src/aws/lambda/clients.js'
import { fanoutHandler } from '../src/aws/lambda/handler.js'
import { runWorker, type WorkerDeps } from '../src/aws/lambda/workerStep.js'
import { workerEventSchema } from '../src/contracts/events.js'
import { readFunctionEnv } from '../src/contracts/functionEnv.js'
import { installDataAccess } from '../src/core/data/access.js'
import { BundleCache } from '../src/runtime/bundleCache.js'

/** Runs the molecule of a {@link workerEventSchema} event. */
export const handler = fanoutHandler({
  name: 'worker',
  schema: workerEventSchema,
  deps: (): WorkerDeps => {
    const env = readFunctionEnv(process.env)
    const connection = functionConnection(env)
    const store = functionStore(env, connection)
    // the job's data params and sources read S3 through it (range GETs, downloads to /tmp)
    installDataAccess(functionDataAccess(env, store, connection))
    return { store, loadBundle: new BundleCache({ store }).loader }
  },
  run: runWorker,
  describe: ({ status, stats, loadMs }, event) => [
    `molecule ${status}`,
    {
      status,
      start: event.start,
      end: event.end,
      loadMs: Math.round(loadMs),
      ...(stats
        ? {
            durationMs: Math.round(stats.durationMs),
            billedMs: stats.billedMs,
            atomsOk: stats.atomsOk,
            atomsFailed: stats.atomsFailed,
            rows: stats.rows,
          }
        : {}),
    },
  ],
})
