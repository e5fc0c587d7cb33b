import { FanoutError, UsageError } from '../core/errors.js'

/** A Lambda event that does not match its schema. The message lists every issue by path. */
export class EventValidationError extends UsageError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'EventValidationError'
  /** The function whose event it is: plan, worker, tally or reduce. */
  readonly functionName: string
  constructor(functionName: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.functionName = functionName
  }
}

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

/** The job's manifest is missing or does not match its schema. */
export class ManifestError extends FanoutError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'ManifestError'
  readonly jobId: string
  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.jobId = jobId
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
