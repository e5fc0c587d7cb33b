import { tmpdir } from 'node:os'
import type { FunctionEnv } from '../../contracts/functionEnv.js'
import type { ResultStore } from '../../store/ResultStore.js'
import { connectionFor, type TargetConnection } from '../connection.js'
import { S3DataAccess } from '../s3/S3DataAccess.js'
import { S3FetchStore } from '../s3/S3FetchStore.js'
import { normalizePrefix } from '../s3/s3Keys.js'
import { fetchConnection } from '../signedFetch.js'
import { fetchInvoker } from './fetchInvoker.js'
import type { WorkerInvoker } from './invoke.js'

/**
 * What the Lambda functions talk to AWS with: signed `fetch`, not the AWS SDK
 * (loading `@aws-sdk/client-s3` alone costs about 250 ms of every cold start).
 * Endpoints and credentials come from the function's environment, resolved
 * by the same {@link connectionFor} as the CLI's.
 */

/** The connection of a function: its target (`FANOUT_TARGET`) over `env`. */
export function functionConnection(
  env: FunctionEnv,
  processEnv: NodeJS.ProcessEnv = process.env,
): TargetConnection {
  return connectionFor(env.target, processEnv)
}

/** The job store over the stack's bucket. */
export function functionStore(
  env: FunctionEnv,
  connection: TargetConnection = functionConnection(env),
): S3FetchStore {
  return new S3FetchStore(fetchConnection(connection, 's3'), env.bucket, env.prefix)
}

/**
 * The worker invoker. One try inside it: plan's and tally's dispatch retries
 * throttling with the same policy, and counts it.
 */
export function functionWorkerInvoker(
  env: FunctionEnv,
  connection: TargetConnection = functionConnection(env),
): WorkerInvoker {
  return fetchInvoker(
    fetchConnection(connection, 'lambda', { tries: 1 }),
    env.workerFunction as string,
  )
}

/**
 * The data access of a function, installed for the job's data sources and
 * data params: S3 range reads and downloads over signed fetch, into the
 * function's `/tmp`.
 */
export function functionDataAccess(
  env: FunctionEnv,
  store: ResultStore,
  connection: TargetConnection = functionConnection(env),
): S3DataAccess {
  return new S3DataAccess({
    store,
    connection: fetchConnection(connection, 's3'),
    bucket: env.bucket,
    prefix: normalizePrefix(env.prefix),
    tmpDir: env.tmpDir ?? tmpdir(),
    dataBuckets: env.dataBuckets,
  })
}
