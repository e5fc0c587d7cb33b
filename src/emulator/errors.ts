import { FanoutError } from '../core/errors.js'

/**
 * The local emulator cannot start, stop or serve: moto missing or of another
 * version, a port in use, the build missing, a process that died. The message
 * says what happened and what to do.
 */
export class EmulatorError extends FanoutError {}

/**
 * A Lambda deployment package that fanout cannot read or will not extract:
 * corrupt, encrypted, an unsupported compression method, an unsafe path or
 * symbolic link, too large.
 */
export class ZipError extends EmulatorError {
  /** The archive entry at fault, when one is. */
  readonly entry: string | undefined
  constructor(message: string, options?: { cause?: unknown; entry?: string }) {
    super(message, options)
    this.entry = options?.entry
  }
}
