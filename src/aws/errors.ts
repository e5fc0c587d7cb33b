import { FanoutError } from '../core/errors.js'

/** A job bundle whose bytes do not hash to the sha256 its key names, or whose key names another. */
export class BundleIntegrityError extends FanoutError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'BundleIntegrityError'
  readonly key: string
  readonly expected: string
  readonly actual: string
  constructor(key: string, expected: string, actual: string, message: string) {
    super(message)
    this.key = key
    this.expected = expected
    this.actual = actual
  }
}

/** A job bundle that is not in the store. */
export class BundleMissingError extends FanoutError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'BundleMissingError'
  readonly key: string
  constructor(key: string, message: string) {
    super(message)
    this.key = key
  }
}

/** An invocation of the worker that failed after every retry. */
export class DispatchError extends FanoutError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'DispatchError'
  readonly moleculeId: number
  readonly attempt: number
  constructor(moleculeId: number, attempt: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.moleculeId = moleculeId
    this.attempt = attempt
  }
}

/** The state machine's execution ended without success. */
export class ExecutionFailedError extends FanoutError {
  readonly status: string
  readonly error: string | undefined
  constructor(status: string, error: string | undefined, cause: string | undefined) {
    super(
      `the job's execution ${status.toLowerCase()}${error ? `: ${error}` : ''}${cause ? ` (${cause})` : ''}`,
    )
    this.status = status
    this.error = error
  }
}

/**
 * An AWS error answer to a signed-fetch request, shaped like the SDK's errors
 * (`name` is the AWS error code, `$metadata.httpStatusCode` the status) so
 * that one retry policy reads both.
 */
export class AwsHttpError extends FanoutError {
  readonly $metadata: { httpStatusCode: number }
  constructor(code: string, status: number, message: string) {
    super(message)
    // the AWS code, not a class name: what retry policies and Catch clauses match on
    this.name = code
    this.$metadata = { httpStatusCode: status }
  }
}
