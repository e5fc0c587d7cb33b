import { partition } from '../core/partition.js'
import { CLOUD_WORKERS_HINT, type CloudCut, type JobEstimate } from './estimateJob.js'
import type { ResolvedOptions } from './options.js'
import type { PlannedJob } from './planJob.js'

/** How many molecules a run cuts and why, said as it dispatches; `molecules` when fanout chose it for the cloud. */
export interface MoleculeChoice {
  detail: string
  molecules?: number
}

/**
 * The molecule count of a run, and why: a flag when given (`--molecules`,
 * `--atoms-per-molecule`, `--workers`); locally workers × 4; on a cloud
 * target with none of those flags, the count of the estimate's balanced
 * suggestion (the estimate was made of that cut), else the cloud's default
 * hint of 64 workers × 4.
 *
 * @example
 * ```ts
 * moleculeChoice(o, planned, cloudCutOf(o), estimate).detail
 * // "32 molecules of 3600 atoms (the estimate's balanced suggestion; give --molecules to choose)"
 * ```
 */
export function moleculeChoice(
  o: Pick<ResolvedOptions, 'target' | 'workers' | 'molecules' | 'atomsPerMolecule'>,
  planned: Pick<PlannedJob, 'numAtoms' | 'boundaries'>,
  cut: CloudCut | undefined,
  estimate: JobEstimate | undefined,
): MoleculeChoice {
  const of = (n: number) => `${n} molecules of ${planned.numAtoms} atoms`
  const flag =
    o.molecules !== undefined
      ? '--molecules'
      : o.atomsPerMolecule !== undefined
        ? `--atoms-per-molecule ${o.atomsPerMolecule}`
        : undefined
  if (!cut) {
    const n = planned.boundaries.length - 1
    return { detail: `${of(n)} (${flag ?? `${o.workers} workers × 4`})` }
  }
  const count = (c: CloudCut) =>
    partition({ numAtoms: planned.numAtoms, scheme: 'linear', ...c }).length - 1
  if (!cut.suggested) {
    return { detail: `${of(count(cut))} (${flag ?? `--workers ${cut.workers} × 4`})` }
  }
  const balanced = estimate?.suggestions.find((s) => s.strategy === 'balanced')
  if (estimate && balanced) {
    return {
      detail: `${of(estimate.molecules)} (the estimate's balanced suggestion; give --molecules to choose)`,
      molecules: estimate.molecules,
    }
  }
  const why = estimate
    ? 'no configuration fits the worker timeout'
    : 'no estimate to suggest a count (--no-estimate)'
  return {
    detail: `${of(count(cut))} (the cloud default of ${CLOUD_WORKERS_HINT} workers × 4: ${why})`,
  }
}
