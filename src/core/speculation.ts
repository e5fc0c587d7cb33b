import { type Dispatch, isOpen, nextAttempt } from './attempts.js'
import type { Manifest } from './manifest.js'

/**
 * When a straggler gets a backup copy (`--speculate`): Cubed's rule. Once at
 * least `minDoneFraction` of the molecules are done, a molecule whose only
 * open attempt has run more than `factor` × the median duration of the done
 * molecules (and at least `minElapsedMs`) gets one speculative copy. The first
 * copy to store the partial wins; the other is cancelled (locally) or its
 * partial dropped (S3's conditional PUT).
 */
export interface SpeculationRule {
  /** @default 0.5 */
  minDoneFraction: number
  /** @default 3 */
  factor: number
  /** Never copy a molecule younger than this, ms: copies of short molecules cost more than they save. @default 1000 */
  minElapsedMs: number
  /** Copies per molecule at most. @default 1 */
  maxCopies: number
}

/** The default rule: ≥ 50% done, running > 3 × the median, at least 1 s, one copy. */
export const DEFAULT_SPECULATION: SpeculationRule = Object.freeze({
  minDoneFraction: 0.5,
  factor: 3,
  minElapsedMs: 1000,
  maxCopies: 1,
})

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** How long a done molecule's winning attempt ran, ms (wall time in the worker, else start to end). */
function durationOf(a: {
  durationMs?: number | undefined
  startedAt: number
  endedAt?: number | undefined
}) {
  return a.durationMs ?? (a.endedAt !== undefined ? a.endedAt - a.startedAt : undefined)
}

/**
 * The backup copies {@link SpeculationRule} calls for at `now`, longest
 * running first, with the attempt numbers they get.
 */
export function speculativeDispatches(
  manifest: Manifest,
  now: number,
  rule: SpeculationRule = DEFAULT_SPECULATION,
): Dispatch[] {
  const done = manifest.molecules.filter((m) => m.status === 'done')
  if (done.length === 0 || done.length < rule.minDoneFraction * manifest.molecules.length) return []
  const durations = done
    .map((m) => durationOf(m.attempts[m.attempts.length - 1] ?? { startedAt: 0 }))
    .filter((d): d is number => d !== undefined)
  if (durations.length === 0) return []
  const threshold = Math.max(rule.factor * median(durations), rule.minElapsedMs)
  const out: { dispatch: Dispatch; elapsed: number }[] = []
  for (const m of manifest.molecules) {
    if (m.status !== 'running') continue
    const open = m.attempts.filter(isOpen)
    const copies = m.attempts.filter((a) => a.speculative).length
    if (open.length !== 1 || copies >= rule.maxCopies) continue
    const elapsed = now - (open[0] as { startedAt: number }).startedAt
    if (elapsed <= threshold) continue
    out.push({
      dispatch: {
        moleculeId: m.id,
        start: m.start,
        end: m.end,
        attempt: nextAttempt(m),
        speculative: true,
      },
      elapsed,
    })
  }
  return out.sort((a, b) => b.elapsed - a.elapsed).map((x) => x.dispatch)
}
