import type { Job } from '../core/job.js'
import type { Manifest } from '../core/manifest.js'
import type { Progress, prepareResume } from '../core/schedule.js'
import type { JobBundle } from '../runtime/bundle.js'
import type { ReduceOutcome } from '../runtime/reduce.js'
import type { ResultStore } from '../store/ResultStore.js'

/** The steps of a run, in order; `estimating` and `staging` only when a run has them. */
export const PROGRESS_PHASES = [
  'bundling',
  'planning',
  'estimating',
  'staging',
  'dispatching',
  'running',
  'reducing',
] as const
/** One of {@link PROGRESS_PHASES}. */
export type ProgressPhase = (typeof PROGRESS_PHASES)[number]

/**
 * A progress event: a phase began (`phase`), running molecules reported atoms
 * done (`atoms`, a few times a second at most), or a molecule finished,
 * failed or is retried. The counts are the job's at that moment (0 until
 * the job is planned).
 */
export interface ProgressEvent extends Progress {
  /** Milliseconds since the executor started (since the run started, for phases before it). */
  elapsedMs: number
  /** The molecule this event is about (-1 for none). */
  moleculeId: number
  kind:
    | 'phase'
    | 'atoms'
    | 'molecule-done'
    | 'molecule-retry'
    | 'molecule-failed'
    | 'molecule-copy'
    | 'stopping'
  /** The phase that began, for `phase` events. */
  phase?: ProgressPhase
  /** What the phase is about (the job file, the molecule count and why), for `phase` events. */
  detail?: string
  /**
   * Atoms run so far, those of running molecules included (each molecule
   * counted once, at the most any of its open executions reported; an
   * execution that crashed no longer counts, as its atoms run again).
   */
  atomsRun: number
  /** On cloud targets: what the job has cost so far, running executions included, USD. */
  costUsd?: number
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
  /**
   * The run's molecule count and why (a flag, the estimate's suggestion, the
   * default), said as the dispatching phase begins: `detail`; and the count an
   * executor that cuts again (the cloud's plan step) must cut when fanout
   * chose it: `molecules`.
   */
  cut?: { detail: string; molecules?: number }
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
