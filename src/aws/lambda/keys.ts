/**
 * Keys of the cloud path, next to those of `store/layout.ts`:
 *
 * ```
 * bundles/<sha256>.mjs                       the job bundle, content-addressed
 * jobs/<jobId>/dispatch.json                 plan's dispatch timing
 * jobs/<jobId>/crashes/<6 digits>-<n>.json   a worker attempt that threw before storing its partial
 * ```
 *
 * @module
 */

import { jobPrefix, MOLECULE_ID_DIGITS } from '../../store/layout.js'

/** `bundles/<sha256>.mjs`: where a job bundle is stored, by the sha256 of its bytes. */
export function bundleKeyOf(sha256: string): string {
  return `bundles/${sha256}.mjs`
}

/** `jobs/<jobId>/dispatch.json`: when plan invoked the molecules ({@link DispatchRecord}). */
export function dispatchKey(jobId: string): string {
  return `${jobPrefix(jobId)}dispatch.json`
}

/** `jobs/<jobId>/crashes/`: list it to see attempts that crashed. */
export function crashesPrefix(jobId: string): string {
  return `${jobPrefix(jobId)}crashes/`
}

/**
 * `jobs/<jobId>/crashes/<moleculeId, 6 digits>-<attempt>.json`.
 *
 * @example
 * ```ts
 * crashKey('j1', 3, 2) // 'jobs/j1/crashes/000003-2.json'
 * ```
 */
export function crashKey(jobId: string, moleculeId: number, attempt: number): string {
  return `${crashesPrefix(jobId)}${String(moleculeId).padStart(MOLECULE_ID_DIGITS, '0')}-${attempt}.json`
}

const CRASH_KEY = /^jobs\/[^/]+\/crashes\/(\d{6,})-(\d+)\.json$/

/** The molecule id and attempt of a crash key, or `undefined` for any other key. */
export function crashFromKey(key: string): { moleculeId: number; attempt: number } | undefined {
  const match = CRASH_KEY.exec(key)
  return match ? { moleculeId: Number(match[1]), attempt: Number(match[2]) } : undefined
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
