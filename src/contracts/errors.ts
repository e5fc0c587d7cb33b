import { UsageError } from '../core/errors.js'

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
