import type { CloudSettings } from '../contracts/settings.js'
import { manifestCostUsd } from './cost.js'
import type { Attempt, Manifest, MoleculeState } from './manifest.js'

/**
 * The scheduling decisions, kept pure so that the local executor's loop and the
 * cloud tally make them the same way: from the manifest, which molecules to
 * dispatch, and whether the job is finished. Each function returns a new
 * manifest and never mutates its input.
 */

/** A molecule execution to start. */
export interface Dispatch {
  moleculeId: number
  start: number
  end: number
  attempt: number
}

/** Molecules that are pending, as dispatches with their next attempt number. */
export function pendingDispatches(manifest: Manifest): Dispatch[] {
  const out: Dispatch[] = []
  for (const m of manifest.molecules) {
    if (m.status === 'pending') {
      out.push({ moleculeId: m.id, start: m.start, end: m.end, attempt: m.attempts.length + 1 })
    }
  }
  return out
}

function update(
  manifest: Manifest,
  moleculeId: number,
  change: (m: MoleculeState) => MoleculeState,
  now: number,
): Manifest {
  const molecules = manifest.molecules.map((m) => (m.id === moleculeId ? change(m) : m))
  return { ...manifest, molecules, updatedAt: new Date(now).toISOString() }
}

/** Record that `attempt` of a molecule started at `now`. */
export function markStarted(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  now: number,
): Manifest {
  const next = update(manifest, moleculeId, (m) => startedState(m, attempt, now), now)
  return next.status === 'planned' ? { ...next, status: 'running' } : next
}

function startedState(m: MoleculeState, attempt: number, now: number): MoleculeState {
  return { ...m, status: 'running', attempts: [...m.attempts, { attempt, startedAt: now }] }
}

function replaceAttempt(m: MoleculeState, record: Attempt): Attempt[] {
  const others = m.attempts.filter((a) => a.attempt !== record.attempt)
  return [...others, record].sort((a, b) => a.attempt - b.attempt)
}

/** Record that an attempt finished and its partial is stored. */
export function markDone(
  manifest: Manifest,
  moleculeId: number,
  record: Attempt,
  now: number,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => ({ ...m, status: 'done', attempts: replaceAttempt(m, record) }),
    now,
  )
}

/**
 * Record that an attempt's execution failed (its worker died, not an atom error).
 * The molecule goes back to pending while attempts remain, else it fails.
 */
export function markCrashed(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  error: string,
  now: number,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => crashedState(m, attempt, error, now, manifest.options.maxAttempts),
    now,
  )
}

function crashedState(
  m: MoleculeState,
  attempt: number,
  error: string,
  now: number,
  maxAttempts: number,
): MoleculeState {
  const prior = m.attempts.find((a) => a.attempt === attempt)
  const record: Attempt = { attempt, startedAt: prior?.startedAt ?? now, endedAt: now, error }
  const attempts = replaceAttempt(m, record)
  const status = attempts.length >= maxAttempts ? 'failed' : 'pending'
  return { ...m, status, attempts }
}

/** How far the job is: molecule and atom counts by state. */
export interface Progress {
  molecules: number
  moleculesDone: number
  moleculesFailed: number
  atoms: number
  atomsDone: number
  atomsFailed: number
}

/** Count molecules and atoms by state. Atom failures come from the done attempts' records. */
export function progressOf(manifest: Manifest): Progress {
  let moleculesDone = 0
  let moleculesFailed = 0
  let atomsDone = 0
  let atomsFailed = 0
  for (const m of manifest.molecules) {
    if (m.status === 'done') {
      moleculesDone++
      const last = m.attempts[m.attempts.length - 1]
      atomsDone += m.end - m.start
      atomsFailed += last?.atomsFailed ?? 0
    } else if (m.status === 'failed') {
      moleculesFailed++
      atomsDone += m.end - m.start
      atomsFailed += m.end - m.start
    }
  }
  return {
    molecules: manifest.molecules.length,
    moleculesDone,
    moleculesFailed,
    atoms: manifest.numAtoms,
    atomsDone,
    atomsFailed,
  }
}

/** True when no molecule is pending or running. */
export function isFinished(manifest: Manifest): boolean {
  return manifest.molecules.every((m) => m.status === 'done' || m.status === 'failed')
}

/** The job's final status once finished: succeeded only when no atom failed. */
export function finalStatus(manifest: Manifest): 'succeeded' | 'failed' {
  const p = progressOf(manifest)
  return p.atomsFailed === 0 && p.moleculesFailed === 0 ? 'succeeded' : 'failed'
}

/**
 * What a stored partial tells about the attempt that wrote it: the fields of
 * the runtime's `MoleculeStats` that the manifest keeps.
 */
export interface PartialReport {
  attempt: number
  startedAt: number
  endedAt: number
  durationMs: number
  billedMs: number
  atomsOk: number
  atomsFailed: number
  rows: number
}

/** The manifest's record of an attempt, from its partial's stats. */
export function attemptFromReport(report: PartialReport): Attempt {
  return {
    attempt: report.attempt,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    durationMs: report.durationMs,
    billedMs: report.billedMs,
    atomsOk: report.atomsOk,
    atomsFailed: report.atomsFailed,
    rows: report.rows,
  }
}

/**
 * Record that many attempts started, in one pass over the molecules (what
 * {@link markStarted} does for one; a plan starts thousands at once).
 */
export function markStartedMany(
  manifest: Manifest,
  started: readonly { moleculeId: number; attempt: number; at: number }[],
  now: number,
): Manifest {
  if (started.length === 0) return manifest
  const byId = new Map(started.map((s) => [s.moleculeId, s]))
  const molecules = manifest.molecules.map((m) => {
    const s = byId.get(m.id)
    return s ? startedState(m, s.attempt, s.at) : m
  })
  const status = manifest.status === 'planned' ? 'running' : manifest.status
  return { ...manifest, status, molecules, updatedAt: new Date(now).toISOString() }
}

/** Longest wait between tallies while nothing changes, seconds (unless `pollSeconds` is longer). */
export const MAX_WAIT_SECONDS = 10

/**
 * The next wait between tallies: `pollSeconds` after progress, else the
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
}

/** The settings a tally decides with: the manifest's `cloud` settings. */
export type TallySettings = Pick<
  CloudSettings,
  'moleculeTimeoutMs' | 'pollSeconds' | 'failureTolerance' | 'memoryMb' | 'architecture'
> &
  Partial<Pick<CloudSettings, 'costCapUsd' | 'deadline'>>

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
export type TallyStatus = 'running' | 'done' | 'failure-threshold' | 'cost-cap' | 'deadline'

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
 * attempt's record last among its attempts; an attempt that
 * crashed, or was dispatched more than `moleculeTimeoutMs` ago without a
 * partial, crashes the molecule ({@link markCrashed}: back to pending while
 * attempts remain, else failed); then decide:
 * - `done` when no molecule is pending or running;
 * - `failure-threshold` when failed atoms / atoms > `failureTolerance`
 *   (strictly: a tolerance of 1 never stops a job);
 * - `cost-cap` when the estimated cost ({@link manifestCostUsd}) ≥ `costCapUsd`;
 * - `deadline` when `now` ≥ `deadline`;
 * - else `running`, and every pending molecule is re-dispatched with its next
 *   attempt, marked started at `now`.
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
  for (const c of input.crashes ?? []) crashes.set(`${c.moleculeId}/${c.attempt}`, c.error)
  const newlyDone: number[] = []
  const lapsed: number[] = []
  const newlyFailed: number[] = []
  const molecules = manifest.molecules.map((m) => {
    const report = donePartials.get(m.id)
    if (report && m.status !== 'done') {
      newlyDone.push(m.id)
      // The attempt whose partial was stored goes last, even when a later attempt was dispatched
      // meanwhile (a slow attempt 1 that beat its retry): progress reads the last record.
      const others = m.attempts.filter((a) => a.attempt !== report.attempt)
      return { ...m, status: 'done' as const, attempts: [...others, attemptFromReport(report)] }
    }
    if (m.status !== 'running') return m
    const current = m.attempts[m.attempts.length - 1]
    if (!current) return m
    const crash = crashes.get(`${m.id}/${current.attempt}`)
    const timedOut = now - current.startedAt > settings.moleculeTimeoutMs
    if (crash === undefined && !timedOut) return m
    const error =
      crash ??
      `no partial ${settings.moleculeTimeoutMs} ms after attempt ${current.attempt} was dispatched`
    const next = crashedState(m, current.attempt, error, now, maxAttempts)
    lapsed.push(m.id)
    if (next.status === 'failed') newlyFailed.push(m.id)
    return next
  })
  const changed = newlyDone.length > 0 || lapsed.length > 0
  let next: Manifest = changed
    ? { ...manifest, molecules, updatedAt: new Date(now).toISOString() }
    : manifest
  const progress = progressOf(next)
  const costUsd = manifestCostUsd(next, {
    memoryMb: settings.memoryMb,
    architecture: settings.architecture,
  })
  const failed = manifest.numAtoms === 0 ? 0 : progress.atomsFailed / manifest.numAtoms
  let status: TallyStatus = 'running'
  let cause: string | undefined
  if (isFinished(next)) {
    status = 'done'
  } else if (failed > settings.failureTolerance) {
    status = 'failure-threshold'
    cause = `${progress.atomsFailed} of ${manifest.numAtoms} atoms failed (${percent(failed)}), more than the failure tolerance of ${percent(settings.failureTolerance)}`
  } else if (settings.costCapUsd !== undefined && costUsd >= settings.costCapUsd) {
    status = 'cost-cap'
    cause = `the estimated cost $${costUsd.toFixed(6)} reached the cost cap of $${settings.costCapUsd}`
  } else if (settings.deadline !== undefined && now >= settings.deadline) {
    status = 'deadline'
    cause = `the deadline ${new Date(settings.deadline).toISOString()} passed with ${progress.molecules - progress.moleculesDone - progress.moleculesFailed} of ${progress.molecules} molecules unfinished`
  }
  let redispatch: Dispatch[] = []
  if (status === 'running') {
    redispatch = pendingDispatches(next)
    next = markStartedMany(
      next,
      redispatch.map((d) => ({ moleculeId: d.moleculeId, attempt: d.attempt, at: now })),
      now,
    )
  } else if (status !== 'done') {
    next = { ...next, status: 'failed', updatedAt: new Date(now).toISOString() }
  }
  const progressed = newlyDone.length > 0 || newlyFailed.length > 0
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

/**
 * Close every running molecule's open attempt as interrupted and put the
 * molecule back to pending (the attempt does not count as a crash), as when a
 * run is stopped with Ctrl-C. Partials already stored stay done.
 */
export function markInterrupted(manifest: Manifest, now: number): Manifest {
  const molecules = manifest.molecules.map((m): MoleculeState => {
    if (m.status !== 'running') return m
    const attempts = m.attempts.map((a) =>
      a.endedAt === undefined && a.error === undefined
        ? { ...a, endedAt: now, error: 'interrupted' }
        : a,
    )
    return { ...m, status: 'pending', attempts }
  })
  return { ...manifest, molecules, updatedAt: new Date(now).toISOString() }
}
