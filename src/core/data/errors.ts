import { FanoutError, UsageError } from '../errors.js'

/**
 * A data source asked for something fanout's runtime must fetch first (a
 * listing, a row index, a Parquet footer): `atoms(params)` is synchronous,
 * so the runtime catches this, awaits {@link NeedDataError.load} and calls
 * `atoms(params)` again. A job never sees it unless it calls a source outside
 * `atoms`, `setup` or `run`.
 */
export class NeedDataError extends FanoutError {
  /** Kept literal, so that minified bundles report it too. */
  override readonly name = 'NeedDataError'
  /** What is being fetched, for messages. */
  readonly what: string
  /** Resolves once the value is ready; the next synchronous read returns it. */
  readonly load: Promise<void>
  constructor(what: string, load: Promise<void>) {
    super(
      `${what} is not loaded yet: data sources are built inside atoms(params), which fanout's runtime calls`,
    )
    this.what = what
    this.load = load
  }
}

/**
 * A data source or data param that cannot work as asked: a file that is not
 * there, a location of the wrong form, a bucket the stack may not read. The
 * message says what to change.
 */
export class DataError extends UsageError {
  /** Kept literal, so that minified bundles report it too (Lambda's errorType, a Catch). */
  override readonly name = 'DataError'
}
