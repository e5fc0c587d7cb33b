import {
  FAULTS_VARIABLE,
  type FaultKind,
  type FaultPlan,
  faultFor,
  parseFaults,
} from '../core/faults.js'

/** A fault the emulator's Lambda runtime applies inside one invocation, at the partial's write. */
export type RuntimeFault = Exclude<FaultKind, 'throttle'>

/** What the gateway does with one Invoke call under `FANOUT_FAULTS`. */
export type InvokeFault = { throttle: true } | { throttle: false; fault?: RuntimeFault }

interface WorkerEventLike {
  jobId: string
  moleculeId: number
  attempt: number
}

function workerEvent(payload: string): WorkerEventLike | undefined {
  try {
    const e = JSON.parse(payload) as Record<string, unknown>
    return typeof e.jobId === 'string' &&
      typeof e.moleculeId === 'number' &&
      typeof e.attempt === 'number' &&
      typeof e.bundleKey === 'string'
      ? { jobId: e.jobId, moleculeId: e.moleculeId, attempt: e.attempt }
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Faults at the emulator's Lambda and S3 boundary, for chaos tests: from the
 * gateway's own `FANOUT_FAULTS` (never the deployed functions' environment),
 * the same seeded draws as the local executor's (`core/faults.ts`), per job,
 * molecule and attempt. A throttled invocation gets Lambda's 429 before it is
 * queued (each later try of the same dispatch draws again); a crash, a hang
 * or an S3 failure is handed to the runtime process, which meets it when the
 * worker writes its partial: the process dies, the write never returns (the
 * function's timeout ends it), or every try of the write answers 503 SlowDown.
 */
export class FaultInjector {
  readonly plan: FaultPlan | undefined
  readonly #tries = new Map<string, number>()

  constructor(spec: string | undefined = process.env[FAULTS_VARIABLE]) {
    this.plan = parseFaults(spec)
  }

  /** The fault of one Invoke call with this payload (nothing for events that are not a worker's). */
  onInvoke(payload: string): InvokeFault {
    if (!this.plan) return { throttle: false }
    const e = workerEvent(payload)
    if (!e) return { throttle: false }
    const key = `${e.jobId}/${e.moleculeId}/${e.attempt}`
    const tries = this.#tries.get(key) ?? 0
    this.#tries.set(key, tries + 1)
    const fault = faultFor(this.plan, e.jobId, e.moleculeId, e.attempt, tries)
    if (fault === 'throttle') return { throttle: true }
    return fault ? { throttle: false, fault } : { throttle: false }
  }

  /**
   * The fault of Lambda's own retry `retry` (1, 2) of a failed `Event`
   * invocation: a fresh draw, as a crash on Lambda is a chance, not a rule
   * (a throttle does not apply to a queued retry).
   */
  onRetry(payload: string, retry: number): RuntimeFault | undefined {
    if (!this.plan) return undefined
    const e = workerEvent(payload)
    if (!e) return undefined
    const fault = faultFor(this.plan, e.jobId, e.moleculeId, e.attempt + 1000 * retry)
    return fault === 'throttle' ? undefined : fault
  }
}
