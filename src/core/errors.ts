/**
 * The one base error of fanout. Every error fanout raises on purpose is a
 * `FanoutError`; subclasses carry the data a caller needs to react.
 *
 * @example
 * ```ts
 * try { await run() } catch (e) { if (e instanceof FanoutError) console.error(e.message) }
 * ```
 */
export class FanoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A user mistake: bad flag, bad param, bad job module. The message says what and how to fix it. */
export class UsageError extends FanoutError {}

/** The job module is missing, does not bundle, or exports no job. */
export class JobLoadError extends UsageError {
  readonly jobFile: string
  constructor(jobFile: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.jobFile = jobFile
  }
}

/**
 * The job's own code threw while fanout planned it (`atoms`, `cost`, `setup`):
 * the user's error, reported with the user's message.
 */
export class JobCodeError extends UsageError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'JobCodeError'
  /** Which of the job's functions threw. */
  readonly phase: 'atoms' | 'setup' | 'cost' | 'run' | 'reduce'
  constructor(phase: JobCodeError['phase'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.phase = phase
  }
}

/** The one line that names what the job's code threw: `TypeError: x is not a function`. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return `${describeValue(error)} (thrown, not an Error)`
}

/** A partition request that makes no sense (0 molecules, a negative size, ...). */
export class PartitionError extends UsageError {}

/** A row returned by `run` that fanout cannot store (a nested object, a function, ...). */
export class RowShapeError extends FanoutError {
  readonly atom: number
  readonly field: string
  constructor(atom: number, field: string, message: string) {
    super(message)
    this.atom = atom
    this.field = field
  }
}

/** A molecule whose execution itself failed (its worker died), after all its attempts. */
export class MoleculeFailedError extends FanoutError {
  readonly moleculeId: number
  readonly attempt: number
  constructor(moleculeId: number, attempt: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.moleculeId = moleculeId
    this.attempt = attempt
  }
}

/** The result store holds something that contradicts the request (an existing job id, a corrupt file). */
export class StoreError extends FanoutError {}

/** A job's manifest is missing, not JSON, or not a fanout manifest of this job. */
export class ManifestError extends StoreError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'ManifestError'
  readonly jobId: string
  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.jobId = jobId
  }
}

/** A partial that is missing, unreadable, or whose rows do not match its molecule. */
export class PartialError extends StoreError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'PartialError'
  /** Where the partial is (a path or an s3:// URL). */
  readonly location: string
  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.location = location
  }
}

/** The job's `reduce` threw, or the partials cannot be combined; the job fails. */
export class ReduceFailedError extends FanoutError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'ReduceFailedError'
}

/** A run that stopped at its `--max-cost` or `--deadline`: every partial is kept; resume with a higher limit. */
export class LimitReachedError extends FanoutError {
  /** Kept literal, so that minified bundles report it too. */
  override readonly name = 'LimitReachedError'
  readonly limit: 'cost-cap' | 'deadline'
  readonly jobId: string | undefined
  constructor(limit: 'cost-cap' | 'deadline', message: string, jobId?: string) {
    super(message)
    this.limit = limit
    this.jobId = jobId
  }
}

/** A run stopped by its AbortSignal (Ctrl-C); partials written so far are kept. */
export class RunInterruptedError extends FanoutError {
  /** The job that was interrupted, when known: `fanout resume <jobId>` continues it. */
  readonly jobId: string | undefined
  constructor(message: string, options?: { cause?: unknown; jobId?: string | undefined }) {
    super(message, options)
    this.jobId = options?.jobId
  }
}

/** Describe a value for an error message: `0 (number)`, `"x" (string)`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return `${JSON.stringify(value)} (string)`
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name ?? 'object'
    return `an object (${name})`
  }
  return `${String(value)} (${typeof value})`
}

/** A prices file (`--prices file.json`) that is not JSON, has an unknown key, or leaves a price out. */
export class PriceFileError extends UsageError {
  /** The file, as the user named it. */
  readonly file: string
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.file = file
  }
}
