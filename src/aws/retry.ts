import { describeValue } from '../core/errors.js'

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
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
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
])

/**
 * True for errors that another try may cure: throttling (429,
 * TooManyRequestsException, ThrottlingException, SlowDown), server errors
 * (5xx), and dropped connections. False for the rest (a missing function,
 * access denied, a bad request), which retrying cannot fix.
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

/**
 * Run `fn`, retrying errors that {@link RetryOptions.retryable} accepts with
 * exponential backoff and full jitter (try `n` waits a random time below
 * `min(maxDelayMs, baseDelayMs × 2^(n-1))`), up to `tries` tries; the last
 * error is thrown as is.
 *
 * @example
 * ```ts
 * await withRetry(() => lambda.send(command), { tries: 6 })
 * ```
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const tries = positiveInteger(options.tries ?? 8, 'tries')
  const base = options.baseDelayMs ?? 50
  const max = options.maxDelayMs ?? 5000
  const retryable = options.retryable ?? isRetryableAwsError
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const random = options.random ?? Math.random
  for (let n = 1; ; n++) {
    try {
      return await fn()
    } catch (error) {
      if (n >= tries || !retryable(error)) throw error
      const delayMs = Math.round(random() * Math.min(max, base * 2 ** (n - 1)))
      options.onRetry?.(error, n, delayMs)
      await sleep(delayMs)
    }
  }
}
