import type { CloudSettings } from '../contracts/settings.js'
import {
  afterFailure,
  attemptFromReport,
  type Dispatch,
  isOpen,
  markDone,
  markStartedMany,
  type PartialReport,
  pendingDispatches,
  resumedAt,
} from './attempts.js'
import { CLOUD_IN_FLIGHT_SHARE, capBudget, perExecutionUsd } from './caps.js'
import { manifestCostUsd } from './cost.js'
import type { Manifest } from './manifest.js'
import { isFinished, type Progress, progressOf } from './progress.js'
import { speculativeDispatches } from './speculation.js'

/**
 * The cloud tally's decision, made purely from the manifest and what the
 * store holds now: which molecules are done, failed or late, what to invoke
 * again, and whether the job goes on.
 *
 * @module
 */

/** Longest wait between tallies while nothing changes, seconds (unless `pollSeconds` is longer). */
export const MAX_WAIT_SECONDS = 10

/**
 * The next wait between tallies: `pollSeconds` after progress (a molecule
 * ended or failed, or one was re-dispatched), else the
 * previous wait × 1.5 (rounded up) up to {@link MAX_WAIT_SECONDS}. A long job
 * that waits 10 s between tallies adds about 9 history events per loop, so a
 * Step Functions execution stays under its 25,000 events for about 7 hours.
 *
 * @example
 * ```ts
 * nextWaitSeconds(2, 2, false) // 3, then 5, 8, 10, 10, ...
 * nextWaitSeconds(8, 2, true) // 2
 * ```
 */
export function nextWaitSeconds(
  previous: number | undefined,
  pollSeconds: number,
  progressed: boolean,
): number {
  if (progressed || previous === undefined) return pollSeconds
  const cap = Math.max(MAX_WAIT_SECONDS, pollSeconds)
  return Math.min(cap, Math.max(pollSeconds, Math.ceil(previous * 1.5)))
}

/** A worker's report that an attempt failed before storing its partial (its handler threw). */
export interface CrashReport {
  moleculeId: number
  attempt: number
  error: string
  /** The job's setup threw: the job fails once, with this error, instead of every molecule. */
  setup?: boolean
  /** Running the molecule again cannot help (its partial is past the size limit): it fails at once. */
  permanent?: boolean
}

/** The settings a tally decides with: the manifest's `cloud` settings. */
export type TallySettings = Pick<
  CloudSettings,
  'moleculeTimeoutMs' | 'pollSeconds' | 'failureTolerance' | 'memoryMb' | 'architecture'
> &
  Partial<
    Pick<CloudSettings, 'costCapUsd' | 'deadline' | 'estimatedMoleculeUsd' | 'reservedUsd'>
  > & {
    /** Start backup copies of stragglers ({@link speculativeDispatches}). @default false */
    speculate?: boolean
  }

/** What the tally has seen since the manifest was last written. */
export interface TallyInput {
  /** Stats of the partials found in the store, by molecule id (those of done molecules may be left out). */
  donePartials: ReadonlyMap<number, PartialReport>
  /** Crash reports found in the store. @default none */
  crashes?: readonly CrashReport[]
  /** Epoch ms. */
  now: number
  /** The wait before this tally, seconds. @default settings.pollSeconds */
  previousWaitSeconds?: number
}

/** Where a job stands after a tally; all but `running` and `done` stop it. */
export type TallyStatus =
  | 'running'
  | 'done'
  | 'failure-threshold'
  | 'cost-cap'
  | 'deadline'
  | 'job-error'

/** What {@link tallyDecision} decides. */
export interface TallyDecision {
  /** The updated manifest: new partials done, timed-out attempts crashed, re-dispatches started. */
  manifest: Manifest
  /** Molecules to invoke again (already marked started in `manifest`). */
  redispatch: Dispatch[]
  status: TallyStatus
  /** Why the job stops, for a Fail state. */
  cause?: string
  /** Seconds until the next tally ({@link nextWaitSeconds}). */
  waitSeconds: number
  progress: Progress
  costUsd: number
  /** Molecules whose partial this tally saw first. */
  newlyDone: number[]
  /** Molecules whose current attempt timed out or crashed in this tally. */
  lapsed: number[]
  /** Molecules that failed for good in this tally. */
  newlyFailed: number[]
}

function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`
}

/**
 * One tally, decided purely: mark molecules whose partial appeared as done
 * (even a molecule given up on, when a late partial arrives), with the stored
 * attempt's record last among its attempts; an open attempt that crashed, or
 * was dispatched more than `moleculeTimeoutMs` ago without a partial, fails
 * ({@link afterFailure}: the molecule goes back to pending while attempts
 * remain and no other copy runs, else it fails); then decide:
 * - `done` when no molecule is pending or running;
 * - `failure-threshold` when failed atoms / atoms > `failureTolerance`
 *   (strictly: a tolerance of 1 never stops a job);
 * - `cost-cap` / `deadline` when nothing runs, molecules are left, and the
 *   cost so far plus the next molecule would pass `costCapUsd` (or `now` ≥
 *   `deadline`): {@link capBudget}, which also limits what is re-dispatched
 *   while molecules run;
 * - else `running`, and every pending molecule is re-dispatched with its next
 *   attempt, marked started at `now`, and, with `speculate`, stragglers get a
 *   backup copy ({@link speculativeDispatches}).
 *
 * A stopped job's manifest gets status `failed`; nothing is re-dispatched.
 */
export function tallyDecision(
  manifest: Manifest,
  input: TallyInput,
  settings: TallySettings,
): TallyDecision {
  const { now, donePartials } = input
  const maxAttempts = manifest.options.maxAttempts
  const crashes = new Map<string, string>()
  const permanent = new Set<string>()
  for (const c of input.crashes ?? []) {
    crashes.set(`${c.moleculeId}/${c.attempt}`, c.error)
    if (c.permanent) permanent.add(`${c.moleculeId}/${c.attempt}`)
  }
  const newlyDone: number[] = []
  const lapsed: number[] = []
  const newlyFailed: number[] = []
  const since = resumedAt(manifest)
  let next: Manifest = manifest
  for (const m of manifest.molecules) {
    const report = donePartials.get(m.id)
    if (report && m.status !== 'done') {
      newlyDone.push(m.id)
      // the attempt whose partial was stored goes last, even when a later attempt was dispatched
      // meanwhile (a slow attempt 1 that beat its retry): progress reads the last record
      next = markDone(next, m.id, attemptFromReport(report), now)
      continue
    }
    if (m.status !== 'running') continue
    let state = m
    for (const a of m.attempts) {
      if (!isOpen(a)) continue
      const crash = crashes.get(`${m.id}/${a.attempt}`)
      const timedOut = now - a.startedAt > settings.moleculeTimeoutMs
      if (crash === undefined && !timedOut) continue
      const error =
        crash ??
        `no partial ${settings.moleculeTimeoutMs} ms after attempt ${a.attempt} was dispatched`
      // an error that another attempt would meet again fails the molecule now
      const attempts = permanent.has(`${m.id}/${a.attempt}`) ? 0 : maxAttempts
      state = afterFailure(state, { ...a, endedAt: now, error }, attempts, since)
    }
    if (state !== m) {
      lapsed.push(m.id)
      if (state.status === 'failed') newlyFailed.push(m.id)
      next = {
        ...next,
        molecules: next.molecules.map((x) => (x.id === m.id ? state : x)),
        updatedAt: new Date(now).toISOString(),
      }
    }
  }
  const progress = progressOf(next)
  const costUsd = manifestCostUsd(next, {
    memoryMb: settings.memoryMb,
    architecture: settings.architecture,
  })
  const failed = manifest.numAtoms === 0 ? 0 : progress.atomsFailed / manifest.numAtoms
  let status: TallyStatus = 'running'
  let cause: string | undefined
  const setupFailure = (input.crashes ?? []).find((c) => c.setup)
  if (setupFailure) {
    status = 'job-error'
    cause = setupFailure.error
  } else if (isFinished(next)) {
    status = 'done'
  } else if (failed > settings.failureTolerance) {
    status = 'failure-threshold'
    cause = `${progress.atomsFailed} of ${manifest.numAtoms} atoms failed (${percent(failed)}), more than the failure tolerance of ${percent(settings.failureTolerance)}`
  }
  // --max-cost and --deadline: dispatch only what the budget allows; running molecules
  // finish; the job stops (resumable) once nothing runs and nothing may start
  const per = perExecutionUsd(next, costUsd, settings.estimatedMoleculeUsd)
  const budget = capBudget(
    next,
    now,
    {
      maxCostUsd: settings.costCapUsd,
      deadline: settings.deadline,
      reservedUsd: settings.reservedUsd,
      // running Lambdas cannot be stopped: at most half of what is left is in flight
      inFlightShare: CLOUD_IN_FLIGHT_SHARE,
    },
    costUsd,
    per,
  )
  if (status === 'running' && budget.reached) {
    status = budget.reached.limit
    cause = budget.reached.cause
  }
  let redispatch: Dispatch[] = []
  if (status === 'running') {
    const copies = settings.speculate ? speculativeDispatches(next, now) : []
    redispatch = [...pendingDispatches(next), ...copies].slice(
      0,
      Number.isFinite(budget.allowed) ? budget.allowed : undefined,
    )
    next = markStartedMany(
      next,
      redispatch.map((d) => ({
        moleculeId: d.moleculeId,
        attempt: d.attempt,
        at: now,
        ...(d.speculative ? { speculative: true } : {}),
      })),
      now,
    )
  } else if (status !== 'done') {
    next = {
      ...next,
      status: status === 'cost-cap' || status === 'deadline' ? status : 'failed',
      ...(cause ? { error: cause } : {}),
      updatedAt: new Date(now).toISOString(),
    }
  }
  // a re-dispatched molecule (a retry, a backup copy) ends soon: look again at the short wait
  const progressed = newlyDone.length > 0 || newlyFailed.length > 0 || redispatch.length > 0
  return {
    manifest: next,
    redispatch,
    status,
    ...(cause === undefined ? {} : { cause }),
    waitSeconds: nextWaitSeconds(
      input.previousWaitSeconds ?? settings.pollSeconds,
      settings.pollSeconds,
      progressed,
    ),
    progress,
    costUsd,
    newlyDone,
    lapsed,
    newlyFailed,
  }
}
