import pMap from 'p-map'
import type { WorkerEvent } from '../../contracts/events.js'
import type { CloudSettings } from '../../contracts/settings.js'
import type { Manifest } from '../../core/manifest.js'
import type { Dispatch } from '../../core/schedule.js'
import { isRetryableAwsError, type RetryOptions, withRetry } from '../retry.js'
import type { WorkerInvoker } from './invoke.js'
import { cloudProgressIntervalMs } from './progressReports.js'

/** Options of {@link dispatchMolecules}. */
export interface DispatchOptions {
  invokeWorker: WorkerInvoker
  /** Invocations in flight at once. */
  concurrency: number
  /** Retry of throttled or failed invocations. @default 8 tries, 50 ms to 5 s backoff with full jitter */
  retry?: RetryOptions
  /** @default Date.now */
  now?: () => number
}

/** What {@link dispatchMolecules} did. */
export interface DispatchReport {
  /** Accepted invocations, with the time each was sent. */
  invoked: { moleculeId: number; attempt: number; at: number }[]
  /** Invocations that still failed with a retryable error after every try. */
  failed: { dispatch: Dispatch; error: string }[]
  /** Retries over all molecules. */
  retries: number
  /** Epoch ms when the first invocation was sent, and when the last was accepted. */
  firstInvokeAt: number | null
  lastInvokeAt: number | null
}

/** The worker event of one molecule of a job. */
export function workerEventFor(manifest: Manifest, cloud: CloudSettings, d: Dispatch): WorkerEvent {
  return {
    jobId: manifest.jobId,
    bundleKey: cloud.bundleKey,
    sha256: cloud.sha256,
    params: manifest.params,
    moleculeId: d.moleculeId,
    start: d.start,
    end: d.end,
    attempt: d.attempt,
    ...(manifest.options.retryAtoms
      ? { retryAtoms: true, maxAttempts: manifest.options.maxAttempts }
      : {}),
    ...progressOfSettings(cloud),
  }
}

/** The worker event's progress interval under `cloud`'s budget (none when its share is 0). */
function progressOfSettings(cloud: CloudSettings): { progressIntervalMs?: number } {
  const ms = cloudProgressIntervalMs(cloud)
  return ms === undefined ? {} : { progressIntervalMs: ms }
}

/**
 * Invoke the worker once per dispatch with bounded concurrency (p-map),
 * retrying throttling and server errors with backoff and jitter. An error
 * retrying cannot cure (a missing function, access denied, an event too large)
 * rejects at once; one that outlasts its retries is reported in `failed`, for
 * the caller to record as a crashed attempt (the tally re-dispatches it).
 */
export async function dispatchMolecules(
  dispatches: readonly Dispatch[],
  eventFor: (d: Dispatch) => WorkerEvent,
  options: DispatchOptions,
): Promise<DispatchReport> {
  const now = options.now ?? Date.now
  const report: DispatchReport = {
    invoked: [],
    failed: [],
    retries: 0,
    firstInvokeAt: null,
    lastInvokeAt: null,
  }
  const retry: RetryOptions = {
    ...options.retry,
    onRetry: (error, n, ms) => {
      report.retries++
      options.retry?.onRetry?.(error, n, ms)
    },
  }
  await pMap(
    dispatches,
    async (d) => {
      const at = now()
      report.firstInvokeAt ??= at
      try {
        await withRetry(() => options.invokeWorker(eventFor(d)), retry)
      } catch (error) {
        if (!(options.retry?.retryable ?? isRetryableAwsError)(error)) throw error
        report.failed.push({ dispatch: d, error: (error as Error).message ?? String(error) })
        return
      }
      report.invoked.push({ moleculeId: d.moleculeId, attempt: d.attempt, at })
      report.lastInvokeAt = Math.max(report.lastInvokeAt ?? 0, now())
    },
    { concurrency: options.concurrency },
  )
  return report
}
