import { setTimeout as delay } from 'node:timers/promises'
import pRetry from 'p-retry'
import { describeValue } from '../core/errors.js'

/**
 * fanout's one retry policy for AWS calls: the plan's and tally's dispatch of
 * worker invocations and every request of the functions' signed fetch go
 * through {@link withRetry}. p-retry runs the loop (tries, the abort signal,
 * giving up with the last error); fanout adds which AWS errors are worth
 * another try ({@link isRetryableAwsError}) and the wait between tries:
 * exponential backoff with full jitter, as AWS recommends for throttling.
 */

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Tries in all, the first included. @default 8 */
  tries?: number
  /** The first backoff's ceiling, ms; each retry doubles it. @default 50 */
  baseDelayMs?: number
  /** The largest backoff, ms. @default 5000 */
  maxDelayMs?: number
  /** Which errors are worth another try. @default {@link isRetryableAwsError} */
  retryable?: (error: unknown) => boolean
  /** Called before each retry with the error, the try that failed (from 1) and the delay. */
  onRetry?: (error: unknown, tryNumber: number, delayMs: number) => void
  /** Stops retrying: a wait ends early and the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined
  /** Waits between tries; resolves early when `signal` aborts. @default a timer */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** @default Math.random */
  random?: () => number
}

const RETRYABLE_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'EC2ThrottledException',
  'ServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'SlowDown',
  'RequestTimeout',
  'TimeoutError',
])

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/**
 * True for errors that another try may cure: throttling (429,
 * TooManyRequestsException, ThrottlingException, SlowDown), server errors
 * (5xx), timeouts and dropped connections (also as a fetch error's `cause`).
 * False for the rest (a missing function, access denied, a bad request),
 * which retrying cannot fix.
 *
 * @example
 * ```ts
 * isRetryableAwsError(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })) // true
 * ```
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false
  const e = error as {
    name?: string
    code?: string
    $retryable?: unknown
    $metadata?: { httpStatusCode?: number }
  }
  const status = e.$metadata?.httpStatusCode
  if (status === 429 || (status !== undefined && status >= 500)) return true
  if (e.$retryable) return true
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true
  if (e.code !== undefined && RETRYABLE_CODES.has(e.code)) return true
  // Node's fetch reports a dropped connection as `TypeError: fetch failed` with the socket error as its cause
  const cause = (error as { cause?: unknown }).cause
  return cause !== undefined && cause !== error && isRetryableAwsError(cause)
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Expected ${name} to be an integer from 1 and up, got ${describeValue(value)}`,
    )
  }
  return value
}

/** A timer that ends early, without error, when `signal` aborts; it leaves no listener behind. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {})
  } catch (error) {
    if (!signal?.aborted) throw error
  }
}

/**
 * Run `fn`, retrying errors that {@link RetryOptions.retryable} accepts with
 * exponential backoff and full jitter (after try `n` it waits a random time
 * below `min(maxDelayMs, baseDelayMs × 2^(n-1))`), up to `tries` tries; the
 * last error is thrown as is. `fn` gets the try's number, from 1.
 *
 * @example
 * ```ts
 * await withRetry(() => lambda.send(command), { tries: 6 })
 * ```
 */
export async function withRetry<T>(
  fn: (tryNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const tries = positiveInteger(options.tries ?? 8, 'tries')
  const base = options.baseDelayMs ?? 50
  const max = options.maxDelayMs ?? 5000
  const retryable = options.retryable ?? isRetryableAwsError
  const wait = options.sleep ?? sleep
  const random = options.random ?? Math.random
  const { signal } = options
  return pRetry(fn, {
    retries: tries - 1,
    // p-retry's own wait is off (its jitter is not full jitter): ours runs once
    // p-retry has decided a retry is due, in shouldRetry, below
    minTimeout: 0,
    ...(signal ? { signal } : {}),
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!retryable(error)) return false
      const delayMs = Math.round(random() * Math.min(max, base * 2 ** (attemptNumber - 1)))
      options.onRetry?.(error, attemptNumber, delayMs)
      await wait(delayMs, signal)
      return true
    },
  })
}
