import type { Job } from '../core/job.js'
import type { Manifest } from '../core/manifest.js'
import type { Progress, prepareResume } from '../core/schedule.js'
import type { JobBundle } from '../runtime/bundle.js'
import type { ReduceOutcome } from '../runtime/reduce.js'
import type { ResultStore } from '../store/ResultStore.js'

/** A progress event: the job's counts after a molecule finished or failed. */
export interface ProgressEvent extends Progress {
  /** Milliseconds since the executor started. */
  elapsedMs: number
  /** The molecule this event is about. */
  moleculeId: number
  kind: 'molecule-done' | 'molecule-retry' | 'molecule-failed' | 'molecule-copy' | 'stopping'
  /** Why a molecule is retried or failed, for `molecule-retry` and `molecule-failed`. */
  reason?: string
}

/** Everything an executor needs to run a planned job. */
export interface ExecutePlan {
  manifest: Manifest
  bundle: JobBundle
  /** The job as loaded in this process (for `reduce` and in-process runs). */
  job: Job
  store: ResultStore
  /** The manifest is a resumed job's ({@link prepareResume}): run only its pending molecules. */
  resume?: boolean
}

/** Options of {@link Executor.run}. */
export interface ExecuteOptions {
  onProgress?: (event: ProgressEvent) => void
  /** Abort the run: no new molecule starts, running ones are stopped, partials are kept. */
  signal?: AbortSignal
  /**
   * Stop the run gently: no new molecule starts, running ones finish and store
   * their partials, then the run ends interrupted (resumable).
   */
  stopSignal?: AbortSignal
}

/** What a finished run hands back. */
export interface RunOutcome extends ReduceOutcome {
  manifest: Manifest
  wallMs: number
  /** Where the wall time went: running molecules (dispatch to last partial), and reducing. */
  phases: { moleculesMs: number; reduceMs: number }
}

/** Runs a planned job's molecules somewhere and combines their partials. */
export interface Executor {
  readonly target: Manifest['target']
  run(plan: ExecutePlan, options?: ExecuteOptions): Promise<RunOutcome>
}
