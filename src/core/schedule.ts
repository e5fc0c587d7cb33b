/**
 * The scheduling decisions, kept pure so that the local executor's loop and
 * the cloud tally make them the same way: attempts and molecule states
 * (`attempts.ts`), progress and job status (`progress.ts`), backup copies of
 * stragglers (`speculation.ts`), and the tally (`tally.ts`).
 *
 * @module
 */
export {
  afterFailure,
  attemptFromReport,
  type Dispatch,
  failuresSince,
  isFailure,
  isOpen,
  markCancelled,
  markCrashed,
  markDone,
  markInterrupted,
  markStarted,
  markStartedMany,
  nextAttempt,
  openAttempts,
  type PartialReport,
  pendingDispatches,
  prepareResume,
  resumedAt,
  shouldCommit,
  timedOutAttempts,
} from './attempts.js'
export {
  effectiveStatus,
  finalStatus,
  isFinished,
  isResumable,
  type OwnerCheck,
  type Progress,
  progressOf,
  runningMolecules,
  toleranceOf,
} from './progress.js'
export { DEFAULT_SPECULATION, type SpeculationRule, speculativeDispatches } from './speculation.js'
export {
  type CrashReport,
  MAX_WAIT_SECONDS,
  nextWaitSeconds,
  type TallyDecision,
  type TallyInput,
  type TallySettings,
  type TallyStatus,
  tallyDecision,
} from './tally.js'
