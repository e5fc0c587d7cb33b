import { FanoutError } from '../core/errors.js'

/**
 * The local emulator cannot start, stop or serve: moto missing or of another
 * version, a port in use, the build missing, a process that died. The message
 * says what happened and what to do.
 */
export class EmulatorError extends FanoutError {}

/** A Lambda deployment package that fanout's zip reader cannot read (corrupt, encrypted, unsafe paths). */
export class ZipError extends EmulatorError {}
