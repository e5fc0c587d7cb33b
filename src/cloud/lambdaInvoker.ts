import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda'
import type { WorkerEvent } from '../core/cloudEvents.js'
import { UsageError } from '../core/errors.js'
import { hasEnvironmentCredentials, TEST_CREDENTIALS } from '../store/S3ResultStore.js'
import { DispatchError } from './errors.js'

/** Starts one worker invocation for a molecule, asynchronously; resolves once it is accepted. */
export type WorkerInvoker = (event: WorkerEvent) => Promise<void>

/** Largest event of an asynchronous Lambda invocation, bytes (1 MB). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024

/** Options of {@link lambdaClientFor}. */
export interface LambdaClientForOptions {
  /** A Lambda-compatible endpoint. @default `AWS_ENDPOINT_URL_LAMBDA` or `AWS_ENDPOINT_URL` from `env`, else AWS's own */
  endpoint?: string | undefined
  /** @default `AWS_REGION`, `AWS_DEFAULT_REGION` from `env`, else 'us-east-1' */
  region?: string | undefined
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** SDK attempts per request, with the SDK's adaptive retry mode (client-side rate limiting). @default 3 */
  maxAttempts?: number
  /** Most open sockets, so `dispatchConcurrency` invocations can be in flight at once. @default 1000 */
  maxSockets?: number
}

/** The options {@link lambdaClientFor} builds its client with. */
export function lambdaClientConfig(options: LambdaClientForOptions = {}): LambdaClientConfig {
  const env = options.env ?? process.env
  const endpoint =
    options.endpoint || env.AWS_ENDPOINT_URL_LAMBDA || env.AWS_ENDPOINT_URL || undefined
  const maxSockets = options.maxSockets ?? 1000
  const config: LambdaClientConfig = {
    region: options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'adaptive',
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets },
      httpsAgent: { keepAlive: true, maxSockets },
    },
  }
  if (endpoint) {
    config.endpoint = endpoint
    if (!hasEnvironmentCredentials(env)) config.credentials = { ...TEST_CREDENTIALS }
  }
  return config
}

/**
 * A Lambda client for dispatching: adaptive retry mode (the SDK slows down
 * when throttled), keep-alive sockets enough for a wide dispatch.
 *
 * @example
 * ```ts
 * const lambda = lambdaClientFor({ endpoint: 'http://127.0.0.1:4566' })
 * ```
 */
export function lambdaClientFor(options: LambdaClientForOptions = {}): LambdaClient {
  return new LambdaClient(lambdaClientConfig(options))
}

/**
 * A {@link WorkerInvoker} over a Lambda function: `Invoke` with
 * `InvocationType: 'Event'` (Lambda queues the event and answers 202).
 * Throttling surfaces as the SDK's error (TooManyRequestsException) for the
 * caller's retry; an event over 1 MB is refused before sending.
 *
 * @throws {@link DispatchError} when Lambda answers anything but 202
 * @example
 * ```ts
 * const invokeWorker = lambdaInvoker(lambdaClientFor(), 'fanout-worker')
 * await invokeWorker(event)
 * ```
 */
export function lambdaInvoker(client: LambdaClient, functionName: string): WorkerInvoker {
  const encoder = new TextEncoder()
  return async (event) => {
    const payload = encoder.encode(JSON.stringify(event))
    if (payload.byteLength > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new UsageError(
        `the worker event of molecule ${event.moleculeId} is ${payload.byteLength} bytes, over Lambda's ${MAX_ASYNC_PAYLOAD_BYTES}-byte limit for asynchronous invocations: the job's params are too large; keep large inputs in S3 and load them in the job's setup`,
      )
    }
    const out = await client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }),
    )
    if (out.StatusCode !== 202) {
      throw new DispatchError(
        event.moleculeId,
        event.attempt,
        `invoking ${functionName} for molecule ${event.moleculeId} (attempt ${event.attempt}) answered ${out.StatusCode}${out.FunctionError ? ` (${out.FunctionError})` : ''}, not 202`,
      )
    }
  }
}
