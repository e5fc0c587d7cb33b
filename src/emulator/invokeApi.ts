/**
 * The wire shapes of Lambda's Invoke API as the emulator serves it: the
 * parsed request, Lambda's payload quotas, the checks Lambda makes before it
 * runs anything, and the HTTP answers (results, function errors, service
 * errors with `x-amzn-ErrorType`).
 */
import { randomUUID } from 'node:crypto'
import type { InvocationOutcome } from './FunctionPool.js'

/** Lambda's payload quotas. */
export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
export const ASYNC_PAYLOAD_LIMIT = 1024 * 1024
/** How much of the log `X-Amz-Log-Type: Tail` returns. */
const LOG_TAIL_BYTES = 4096

/** The invocation types Lambda knows. */
export const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const

/** What the gateway needs to answer an HTTP request. */
export interface HttpReply {
  status: number
  headers: Record<string, string>
  body: string
}

/** One Invoke call, as parsed from `POST /2015-03-31/functions/{name}/invocations`. */
export interface InvokeRequest {
  /** The function name, ARN or partial ARN (decoded). */
  functionName: string
  qualifier?: string
  /** `X-Amz-Invocation-Type`. @default 'RequestResponse' */
  invocationType?: string
  /** `X-Amz-Log-Type`: `Tail` returns the last 4 KB of the log in `X-Amz-Log-Result`. */
  logType?: string
  /** `X-Amz-Client-Context` (base64 JSON). */
  clientContext?: string
  /** The caller's `Authorization` header: its region and access key select moto's backend. */
  authorization?: string
  payload: Buffer
}

/** A JSON answer (a string body is sent as is). */
export function jsonReply(
  status: number,
  headers: Record<string, string>,
  body: unknown,
): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }
}

/**
 * A Lambda service error (not a function error): `x-amzn-ErrorType` plus `{ Type, message }`.
 *
 * @example
 * ```ts
 * serviceError(429, 'TooManyRequestsException', 'Rate Exceeded.')
 * ```
 */
export function serviceError(
  status: number,
  type: string,
  message: string,
  requestId: string = randomUUID(),
  extra: Record<string, unknown> = {},
): HttpReply {
  return jsonReply(
    status,
    { 'x-amzn-errortype': type, 'x-amzn-requestid': requestId },
    { Type: status >= 500 ? 'Service' : 'User', message, ...extra },
  )
}

/** The facts about a function that {@link checkInvocation} needs. */
export interface InvocationTarget {
  functionName: string
  runtime: string
  packageType: string
}

/**
 * Lambda's checks before a run, in its order: a Node.js zip function, a
 * payload within the quota of the invocation type, a payload that is JSON.
 * Returns the error answer, or undefined when the invocation may run.
 */
export function checkInvocation(
  target: InvocationTarget,
  type: string,
  payload: Buffer,
  requestId: string,
): HttpReply | undefined {
  if (!target.runtime.startsWith('nodejs') || target.packageType !== 'Zip') {
    return serviceError(
      502,
      'InvalidRuntimeException',
      `fanout's emulator runs Node.js zip functions only; ${target.functionName} is ${target.packageType} ${target.runtime || '(no runtime)'}`,
      requestId,
    )
  }
  const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT
  if (payload.length > limit) {
    return serviceError(
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      requestId,
    )
  }
  const text = payload.toString('utf8')
  if (text.trim() === '') return undefined
  try {
    JSON.parse(text)
  } catch (error) {
    return serviceError(
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(error as Error).message}`,
      requestId,
    )
  }
  return undefined
}

/**
 * The answer to a synchronous invocation: the result, or the function error
 * with `X-Amz-Function-Error: Unhandled`; the log tail when it was asked for.
 */
export function outcomeReply(
  outcome: InvocationOutcome,
  headers: Record<string, string>,
): HttpReply {
  const out: Record<string, string> = { ...headers }
  if (outcome.logLines) {
    const tail = Buffer.from(`${outcome.logLines.join('\n')}\n`)
    out['x-amz-log-result'] = tail
      .subarray(Math.max(0, tail.length - LOG_TAIL_BYTES))
      .toString('base64')
  }
  if (outcome.error) {
    out['x-amz-function-error'] = 'Unhandled'
    return jsonReply(200, out, outcome.error)
  }
  const body = outcome.payload ?? 'null'
  if (Buffer.byteLength(body) > SYNC_PAYLOAD_LIMIT) {
    out['x-amz-function-error'] = 'Unhandled'
    return jsonReply(200, out, {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).`,
    })
  }
  return jsonReply(200, out, body)
}
