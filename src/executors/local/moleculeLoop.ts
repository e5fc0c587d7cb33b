import {
  type Caps,
  capBudget,
  chargeOpenAttempts,
  formatUsd,
  perExecutionUsd,
} from '../../core/caps.js'
import { JobCodeError, RunInterruptedError } from '../../core/errors.js'
import { type FaultKind, type FaultPlan, faultFor } from '../../core/faults.js'
import { liveAtoms } from '../../core/liveAtoms.js'
import type { Manifest } from '../../core/manifest.js'
import {
  type Dispatch,
  markCancelled,
  markCrashed,
  markDone,
  markInterrupted,
  markStarted,
  pendingDispatches,
  progressOf,
  speculativeDispatches,
  timedOutAttempts,
} from '../../core/schedule.js'
import type { MoleculeStats } from '../../runtime/runMolecule.js'
import type { ProgressEvent } from '../Executor.js'

/** How one molecule execution ended, as a launcher reports it. */
export type AttemptReply =
  | { kind: 'ran'; stats: MoleculeStats; committed: boolean; stored: boolean }
  | { kind: 'setup-failed'; message: string }
  /** Its partial is past the size limit: another attempt would make it again, so the molecule fails. */
  | { kind: 'too-large'; message: string }

/**
 * Runs one molecule execution somewhere (a worker thread, this process);
 * rejects when it dies. `onAtoms` hears the atoms it has run so far.
 */
export type Launcher = (
  d: Dispatch,
  fault: FaultKind | undefined,
  signal: AbortSignal,
  onAtoms: (atomsRun: number) => void,
) => Promise<AttemptReply>

/** Options of {@link runMoleculeLoop}. */
export interface LoopOptions {
  /** Molecule executions at once. */
  slots: number
  timeoutMs: number
  speculate: boolean
  faults: FaultPlan | undefined
  launch: Launcher
  /** Persist the manifest (throttled unless `force`). */
  save: (manifest: Manifest, force: boolean) => Promise<void>
  onProgress?: ((event: ProgressEvent) => void) | undefined
  signal?: AbortSignal | undefined
  stopSignal?: AbortSignal | undefined
  /** When the run started (performance.now()), for progress events. */
  startedAt: number
  /** `--max-cost` and `--deadline`, with how to price the executions so far. */
  caps?:
    | {
        caps: Caps
        costOf: (manifest: Manifest) => number
        estimatedMoleculeUsd?: number | undefined
      }
    | undefined
}

/** Throttled dispatches are tried again after `BACKOFF_MS × 2^try` (full jitter), this many times. */
const THROTTLE_TRIES = 6
const BACKOFF_MS = 20
/** The loop wakes at least this often to look for timeouts and stragglers. */
const TICK_MS = 200

interface Flight {
  dispatch: Dispatch
  controller: AbortController
  /** Set when fanout stopped the flight itself: its outcome is ignored. */
  settled: boolean
  promise: Promise<void>
}

const key = (moleculeId: number, attempt: number) => `${moleculeId}/${attempt}`

/**
 * The local executor's scheduling loop: runs every pending molecule on at
 * most `slots` at once with the pure decisions of `core/schedule`: retries
 * of crashed, hung (past `timeoutMs`) and throttled executions, backup
 * copies of stragglers (`speculate`), and, with `FANOUT_FAULTS`, injected
 * faults. Ends when no molecule is pending or running (`'finished'`), or,
 * after `stopSignal`, once the running ones finished (`'stopped'`).
 *
 * @throws {@link RunInterruptedError} when `signal` aborts (running executions are stopped)
 * @throws {@link JobCodeError} when the job's `setup` throws: the job fails once, not per molecule
 */
export async function runMoleculeLoop(
  initial: Manifest,
  o: LoopOptions,
): Promise<{
  manifest: Manifest
  ended: 'finished' | 'stopped' | 'cost-cap' | 'deadline'
  cause?: string
}> {
  let manifest = initial
  const flights = new Map<string, Flight>()
  const notBefore = new Map<number, number>()
  const throttled = new Map<string, number>()
  let setupFailure: string | undefined
  let wake: () => void = () => {}
  /** Atoms each running execution has reported, by `moleculeId/attempt`. */
  const reported = new Map<string, number>()

  const emit = (moleculeId: number, kind: ProgressEvent['kind'], reason?: string) => {
    if (!o.onProgress) return
    o.onProgress({
      ...progressOf(manifest),
      atomsRun: liveAtoms(manifest, (id, a) => reported.get(key(id, a.attempt))),
      elapsedMs: performance.now() - o.startedAt,
      moleculeId,
      kind,
      ...(reason ? { reason } : {}),
    })
  }
  const stopFlight = (flight: Flight, reason: string) => {
    flight.settled = true
    flight.controller.abort(new Error(reason))
    flights.delete(key(flight.dispatch.moleculeId, flight.dispatch.attempt))
    reported.delete(key(flight.dispatch.moleculeId, flight.dispatch.attempt))
  }
  const failAttempt = (
    d: Dispatch,
    error: string,
    counts?: Parameters<typeof markCrashed>[5],
    permanent = false,
  ) => {
    manifest = markCrashed(manifest, d.moleculeId, d.attempt, error, Date.now(), counts, permanent)
    const state = manifest.molecules[d.moleculeId]?.status
    emit(d.moleculeId, state === 'failed' ? 'molecule-failed' : 'molecule-retry', error)
  }
  const settle = (flight: Flight, reply: AttemptReply | { kind: 'error'; error: unknown }) => {
    if (flight.settled) return
    flight.settled = true
    const d = flight.dispatch
    flights.delete(key(d.moleculeId, d.attempt))
    reported.delete(key(d.moleculeId, d.attempt))
    const now = Date.now()
    if (reply.kind === 'setup-failed') {
      setupFailure ??= reply.message
    } else if (reply.kind === 'too-large') {
      failAttempt(d, reply.message, undefined, true)
    } else if (reply.kind === 'error') {
      const message = reply.error instanceof Error ? reply.error.message : String(reply.error)
      failAttempt(d, message)
    } else if (!reply.committed) {
      failAttempt(
        d,
        `${reply.stats.atomsFailed} atoms failed; running the molecule again (--retry-atoms)`,
        {
          atomsOk: reply.stats.atomsOk,
          atomsFailed: reply.stats.atomsFailed,
          durationMs: reply.stats.durationMs,
        },
      )
    } else if (!reply.stored) {
      // another copy stored the molecule's partial first: this one's rows were dropped
      manifest = markCancelled(
        manifest,
        d.moleculeId,
        d.attempt,
        'cancelled: another copy stored the partial first',
        now,
      )
    } else {
      const s = reply.stats
      manifest = markDone(
        manifest,
        d.moleculeId,
        {
          attempt: d.attempt,
          startedAt: s.startedAt,
          endedAt: s.endedAt,
          durationMs: s.durationMs,
          billedMs: s.billedMs,
          atomsOk: s.atomsOk,
          atomsFailed: s.atomsFailed,
          rows: s.rows,
        },
        now,
      )
      for (const other of [...flights.values()]) {
        if (other.dispatch.moleculeId === d.moleculeId) stopFlight(other, 'another copy finished')
      }
      emit(d.moleculeId, 'molecule-done')
    }
    void o.save(manifest, false)
    wake()
  }
  const launch = (d: Dispatch) => {
    const controller = new AbortController()
    const fault = faultFor(o.faults, manifest.jobId, d.moleculeId, d.attempt)
    manifest = markStarted(manifest, d.moleculeId, d.attempt, Date.now(), d.speculative ?? false)
    if (d.speculative) emit(d.moleculeId, 'molecule-copy')
    const flight: Flight = { dispatch: d, controller, settled: false, promise: Promise.resolve() }
    const onAtoms = (atomsRun: number) => {
      // a late report of an execution that ended (or was stopped) is not counted
      if (flight.settled) return
      const k = key(d.moleculeId, d.attempt)
      if (atomsRun <= (reported.get(k) ?? 0)) return
      reported.set(k, atomsRun)
      emit(d.moleculeId, 'atoms')
    }
    flight.promise = o.launch(d, fault, controller.signal, onAtoms).then(
      (reply) => settle(flight, reply),
      (error: unknown) => settle(flight, { kind: 'error', error }),
    )
    flights.set(key(d.moleculeId, d.attempt), flight)
  }
  /** A throttled dispatch waits and tries again (not an attempt); after its tries, the attempt fails. */
  const throttle = (d: Dispatch, now: number): boolean => {
    const k = key(d.moleculeId, d.attempt)
    const tries = throttled.get(k) ?? 0
    if (faultFor(o.faults, manifest.jobId, d.moleculeId, d.attempt, tries) !== 'throttle')
      return false
    throttled.set(k, tries + 1)
    if (tries + 1 >= THROTTLE_TRIES) {
      manifest = markStarted(manifest, d.moleculeId, d.attempt, now)
      failAttempt(
        d,
        `429 TooManyRequests (injected) on all ${THROTTLE_TRIES} tries of its dispatch`,
      )
      return true
    }
    notBefore.set(d.moleculeId, now + Math.random() * BACKOFF_MS * 2 ** tries)
    return true
  }

  const stopping = () => o.stopSignal?.aborted === true
  let stopAnnounced = false
  for (;;) {
    if (o.signal?.aborted) {
      for (const f of [...flights.values()]) stopFlight(f, 'run interrupted')
      throw new RunInterruptedError('run interrupted', { cause: o.signal.reason })
    }
    // the job's setup threw: dispatch nothing more, let the running executions end (they meet
    // the same setup), then fail the job once
    if (setupFailure !== undefined && flights.size === 0)
      throw new JobCodeError('setup', setupFailure)
    const now = Date.now()
    for (const t of timedOutAttempts(manifest, now, o.timeoutMs)) {
      const flight = flights.get(key(t.moleculeId, t.attempt))
      if (flight) stopFlight(flight, 'timed out')
      failAttempt(
        flight?.dispatch ?? { moleculeId: t.moleculeId, start: 0, end: 0, attempt: t.attempt },
        `timed out after ${o.timeoutMs} ms (--timeout): the molecule was stopped as a hang`,
      )
    }
    if (stopping() && !stopAnnounced) {
      stopAnnounced = true
      emit(-1, 'stopping')
    }
    let waitMs = TICK_MS
    let budget = Number.POSITIVE_INFINITY
    const cap = o.caps?.caps.maxCostUsd
    if (o.caps && cap !== undefined && flights.size > 0) {
      // a hard cap: running executions are billed as they run, and stopped when the total reaches it
      const reserved = o.caps.caps.reservedUsd ?? 0
      const charged = chargeOpenAttempts(manifest, now)
      const accrued = o.caps.costOf(charged) + reserved
      // wake when the running executions will reach the cap, not a tick later
      const later = o.caps.costOf(chargeOpenAttempts(manifest, now + TICK_MS)) + reserved
      if (accrued < cap && later > cap) {
        waitMs = Math.min(waitMs, Math.ceil((TICK_MS * (cap - accrued)) / (later - accrued)))
      }
      if (accrued >= cap) {
        const running = flights.size
        for (const f of [...flights.values()]) stopFlight(f, 'the cost cap was reached')
        manifest = markInterrupted(charged, now)
        const left = manifest.molecules.filter((m) => m.status !== 'done').length
        return {
          manifest,
          ended: 'cost-cap',
          cause: `the run reached the cost cap of $${cap} (${formatUsd(accrued)} so far, running molecules and ${formatUsd(reserved)} kept for the plan, tallies and reduce included): ${running} running executions were stopped; ${left} of ${manifest.molecules.length} molecules are left for a resume`,
        }
      }
    }
    if (o.caps) {
      const spent = o.caps.costOf(manifest)
      const per = perExecutionUsd(manifest, spent, o.caps.estimatedMoleculeUsd)
      const b = capBudget(manifest, now, o.caps.caps, spent, per)
      if (b.reached) return { manifest, ended: b.reached.limit, cause: b.reached.cause }
      budget = b.allowed
    }
    if (!stopping() && setupFailure === undefined) {
      for (const d of pendingDispatches(manifest)) {
        if (flights.size >= o.slots || budget <= 0) break
        const at = notBefore.get(d.moleculeId) ?? 0
        if (at > now) {
          waitMs = Math.min(waitMs, at - now)
          continue
        }
        notBefore.delete(d.moleculeId)
        if (throttle(d, now)) {
          waitMs = 0
          continue
        }
        launch(d)
        budget--
      }
      if (o.speculate && flights.size < o.slots) {
        for (const d of speculativeDispatches(manifest, now)) {
          if (flights.size >= o.slots || budget <= 0) break
          launch(d)
          budget--
        }
      }
    }
    const pending = pendingDispatches(manifest).length > 0
    if (flights.size === 0 && (stopping() || !pending)) break
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(waitMs, 1))
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
      if (o.signal && !o.signal.aborted) o.signal.addEventListener('abort', wake, { once: true })
    })
    o.signal?.removeEventListener('abort', wake)
  }
  return {
    manifest,
    ended: stopping() && pendingDispatches(manifest).length > 0 ? 'stopped' : 'finished',
  }
}
