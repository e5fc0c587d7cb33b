/**
 * Records the cloud path writes next to a job's partials, read by the tally,
 * the CLI and the benchmarks.
 *
 * @module
 */

/** What a crash record (`jobs/<jobId>/crashes/<6 digits>-<n>.json`) holds. */
export interface CrashRecord {
  moleculeId: number
  attempt: number
  error: string
  at: number
  /**
   * `setup`: the job's setup threw, which fails the job once instead of every
   * molecule; `permanent`: running the molecule again cannot help (its partial
   * is past the size limit), so it fails at once.
   */
  kind?: 'setup' | 'permanent'
}

/** What `jobs/<jobId>/dispatch.json` holds: how long plan took to invoke every molecule. */
export interface DispatchRecord {
  jobId: string
  /** Molecules plan invoked (or tried to). */
  molecules: number
  /** Invocations acknowledged (202). */
  invoked: number
  /** Molecules whose invocation failed after every retry (the tally re-dispatches them). */
  failed: number[]
  /** Retries after throttling or server errors, over all molecules. */
  retries: number
  concurrency: number
  /** Epoch ms: plan started, the first invoke was sent, the last invoke was acknowledged. */
  planStartedAt: number
  firstInvokeAt: number | null
  lastInvokeAt: number | null
  /** `lastInvokeAt - firstInvokeAt`, ms. */
  dispatchMs: number
  /** Invocations per second over `dispatchMs`. */
  invocationsPerSecond: number
}
