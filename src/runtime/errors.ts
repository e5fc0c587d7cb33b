import { FanoutError } from '../core/errors.js'

/**
 * A molecule's partial is larger than one partial may be (the configured cap,
 * and what a Lambda worker can hold and PUT): the molecule fails, and the
 * message says how many molecules to cut instead.
 */
export class PartialTooLargeError extends FanoutError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'PartialTooLargeError'
  readonly moleculeId: number
  /** The encoded partial's size. */
  readonly bytes: number
  /** The largest partial allowed here. */
  readonly limitBytes: number
  constructor(moleculeId: number, bytes: number, limitBytes: number, message: string) {
    super(message)
    this.moleculeId = moleculeId
    this.bytes = bytes
    this.limitBytes = limitBytes
  }
}
