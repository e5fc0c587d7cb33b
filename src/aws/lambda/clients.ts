import type { FunctionEnv } from '../../contracts/functionEnv.js'
import { S3FetchStore } from '../s3/S3FetchStore.js'
import { awsFetchConnection } from '../signedFetch.js'
import { fetchInvoker } from './fetchInvoker.js'
import type { WorkerInvoker } from './invoke.js'

/**
 * What the Lambda functions talk to AWS with: signed `fetch`, not the AWS SDK
 * (loading `@aws-sdk/client-s3` alone costs about 250 ms of every cold start).
 * Endpoints and credentials come from the function's environment.
 */

/** The job store over the stack's bucket. */
export function functionStore(env: FunctionEnv): S3FetchStore {
  return new S3FetchStore(awsFetchConnection('s3'), env.bucket, env.prefix)
}

/**
 * The worker invoker. No retries inside it: plan's and tally's own backoff
 * handles throttling, and counts it.
 */
export function functionWorkerInvoker(env: FunctionEnv): WorkerInvoker {
  return fetchInvoker(awsFetchConnection('lambda', { retries: 0 }), env.workerFunction as string)
}
