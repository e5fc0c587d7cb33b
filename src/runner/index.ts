// fanout's Node-side library API (`fanout/runner`): run jobs on any target from
// code, and read past jobs. The CLI is a thin layer over these functions.

export { DataError } from '../core/data/errors.js'
export {
  FanoutError,
  JobCodeError,
  JobLoadError,
  LimitReachedError,
  ManifestError,
  RunInterruptedError,
  UsageError,
} from '../core/errors.js'
export type { Estimate, Range } from '../core/estimate.js'
export type { JobStatus, Manifest } from '../core/manifest.js'
export type { PriceTable } from '../core/prices.js'
export type { Suggestion } from '../core/suggest.js'
export type { ProgressEvent } from '../executors/Executor.js'
export type { RunStats } from '../runtime/reduce.js'
export type { EstimateOptions, JobEstimate } from './estimateJob.js'
export type { AtomErrorRecord, ResultRow } from './JobHandle.js'
export { JobHandle } from './JobHandle.js'
export type { JobInfo } from './jobs.js'
export { listJobs, openJob } from './jobs.js'
export type {
  PlanOptions,
  RecoveryOptions,
  ResumeOptions,
  RunOptions,
  Target,
  TargetOptions,
} from './options.js'
export { TARGETS } from './options.js'
export type { PlanCallOptions, PlanInfo } from './planJob.js'
export { resume } from './resumeJob.js'
export { plan, run } from './runJob.js'
export type { StagingEvent } from './stagingEvents.js'
