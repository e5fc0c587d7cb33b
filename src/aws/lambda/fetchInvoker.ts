import { AwsHttpError } from '../errors.js'
import { type AwsFetchConnection, awsErrorCode } from '../signedFetch.js'
import { encodeWorkerEvent, type WorkerInvoker } from './invoke.js'

/**
 * A {@link WorkerInvoker} over signed `fetch`: Lambda's `Invoke` API with
 * `X-Amz-Invocation-Type: Event` (202 when accepted), without loading the AWS
 * SDK — plan's cold start and its dispatch loop are the hot path of a job's
 * start. Throttling (429) and server errors surface as errors with the SDK's
 * shape (`name`, `$metadata.httpStatusCode`) for the caller's retry policy.
 *
 * @example
 * ```ts
 * const invokeWorker = fetchInvoker(fetchConnection(connection, 'lambda', { tries: 1 }), 'fanout-worker')
 * ```
 */
export function fetchInvoker(connection: AwsFetchConnection, functionName: string): WorkerInvoker {
  const base = connection.endpoint ?? `https://lambda.${connection.region}.amazonaws.com`
  const url = `${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`
  return async (event) => {
    const res = await connection.client.fetch(url, {
      method: 'POST',
      body: encodeWorkerEvent(event),
      headers: { 'X-Amz-Invocation-Type': 'Event', 'Content-Type': 'application/json' },
    })
    const body = await res.text()
    if (res.status !== 202) {
      const code = awsErrorCode(
        body,
        res.status === 429 ? 'TooManyRequestsException' : `Http${res.status}`,
        res.headers,
      )
      throw new AwsHttpError(
        code,
        res.status,
        `invoking ${functionName} for molecule ${event.moleculeId} (attempt ${event.attempt}) answered ${res.status} ${code}, not 202`,
      )
    }
  }
}
