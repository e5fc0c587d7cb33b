import type { Manifest } from '../core/manifest.js'
import { progressOf } from '../core/schedule.js'
import type { ProgressEvent, ProgressPhase } from './Executor.js'

/**
 * The event that a phase of a run began, with the job's counts so far (all 0
 * before the job is planned).
 *
 * @example
 * ```ts
 * onProgress?.(phaseEvent('reducing', manifest, performance.now() - started))
 * ```
 */
export function phaseEvent(
  phase: ProgressPhase,
  manifest: Manifest | undefined,
  elapsedMs: number,
  detail?: string,
): ProgressEvent {
  const p = manifest
    ? progressOf(manifest)
    : { molecules: 0, moleculesDone: 0, moleculesFailed: 0, atoms: 0, atomsDone: 0, atomsFailed: 0 }
  return {
    ...p,
    atomsRun: p.atomsDone,
    elapsedMs,
    moleculeId: -1,
    kind: 'phase',
    phase,
    ...(detail ? { detail } : {}),
  }
}

/** What a run dispatches, when no cut detail says it: `8 molecules of 36 atoms`, `3 of 8 molecules (36 atoms in all)`. */
export function dispatchDetail(manifest: Manifest): string {
  const pending = manifest.molecules.filter((m) => m.status !== 'done').length
  const all = manifest.molecules.length
  return pending === all
    ? `${all} molecules of ${manifest.numAtoms} atoms`
    : `${pending} of ${all} molecules (${manifest.numAtoms} atoms in all)`
}
