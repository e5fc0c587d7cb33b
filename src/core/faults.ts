import { describeValue, UsageError } from './errors.js'
import { mulberry32 } from './random.js'

/**
 * Fault injection for testing, from `FANOUT_FAULTS`: a seeded fraction of
 * molecule executions crash (their thread or process dies mid-molecule),
 * hang (past their timeout), are throttled (429 on dispatch) or fail their
 * partial's write (503 SlowDown). The local executor and the emulator's
 * Lambda gateway read it; code deployed to AWS never does. The same seed
 * gives the same faults for the same job id, molecule and attempt, so a
 * failing chaos run replays.
 *
 * @example
 * ```ts
 * const plan = parseFaults('crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=7')
 * faultFor(plan, 'job-1', 3, 1) // 'crash' | 'hang' | 'throttle' | 's3' | undefined
 * ```
 *
 * @module
 */

/** The kinds of fault, in the order their fractions are stacked. */
export const FAULT_KINDS = ['crash', 'hang', 'throttle', 's3'] as const
/** One kind of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number]

/** Fractions of molecule executions that meet each fault, and the seed. */
export type FaultPlan = Record<FaultKind, number> & { seed: number }

/** The environment variable fanout reads faults from. */
export const FAULTS_VARIABLE = 'FANOUT_FAULTS'

/**
 * Read a fault spec: `kind=fraction` pairs and `seed=n`, comma-separated.
 *
 * @returns undefined for an empty or missing spec
 * @throws {@link UsageError} naming the bad pair
 */
export function parseFaults(spec: string | undefined): FaultPlan | undefined {
  if (spec === undefined || spec.trim() === '') return undefined
  const plan: FaultPlan = { crash: 0, hang: 0, throttle: 0, s3: 0, seed: 1 }
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, raw] = part.split('=')
    const value = Number(raw)
    if (key === 'seed' && Number.isInteger(value)) {
      plan.seed = value
      continue
    }
    if (!FAULT_KINDS.includes(key as FaultKind) || !(value >= 0 && value <= 1)) {
      throw new UsageError(
        `${FAULTS_VARIABLE}: ${JSON.stringify(part)} is not kind=fraction (kinds: ${FAULT_KINDS.join(', ')}; fractions 0 to 1) or seed=integer, got ${describeValue(raw)}; e.g. ${FAULTS_VARIABLE}=crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=7`,
      )
    }
    plan[key as FaultKind] = value
  }
  const total = FAULT_KINDS.reduce((s, k) => s + plan[k], 0)
  if (total > 1) {
    throw new UsageError(`${FAULTS_VARIABLE}: the fractions add up to ${total}, more than 1`)
  }
  return plan
}

/** FNV-1a of a string: a seed for {@link mulberry32}. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * The fault, if any, that an execution meets: one draw per (seed, job,
 * molecule, attempt), the fractions stacked in {@link FAULT_KINDS} order.
 * A later try of a throttled dispatch (`tries` ≥ 1) draws again, and can only
 * be throttled again (with the `throttle` fraction), as throttling is
 * transient.
 */
export function faultFor(
  plan: FaultPlan | undefined,
  jobId: string,
  moleculeId: number,
  attempt: number,
  tries = 0,
): FaultKind | undefined {
  if (!plan) return undefined
  const u = mulberry32(hash(`${plan.seed}|${jobId}|${moleculeId}|${attempt}|${tries}`))()
  if (tries > 0) return u < plan.throttle ? 'throttle' : undefined
  let edge = 0
  for (const kind of FAULT_KINDS) {
    edge += plan[kind]
    if (u < edge) return kind
  }
  return undefined
}
