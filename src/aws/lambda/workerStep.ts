import type { WorkerEvent } from '../../contracts/events.js'
import type { CrashRecord } from '../../contracts/records.js'
import { parseJobParams } from '../../core/params.js'
import type { BundleLoader } from '../../runtime/bundleCache.js'
import { resolveDataParams } from '../../runtime/data/install.js'
import { writePartial } from '../../runtime/partials.js'
import { type MoleculeStats, runMolecule } from '../../runtime/runMolecule.js'
import { crashKey, partialKey } from '../../store/layout.js'
import type { ResultStore } from '../../store/ResultStore.js'

/** What {@link runWorker} needs from its surroundings. */
export interface WorkerDeps {
  store: ResultStore
  loadBundle: BundleLoader
  /** @default Date.now */
  now?: () => number
}

/** What one worker invocation did. */
export interface WorkerOutcome {
  jobId: string
  moleculeId: number
  attempt: number
  /**
   * - `stored`: this attempt's partial is the molecule's partial
   * - `duplicate`: it ran, but another delivery stored the partial first (its rows were dropped)
   * - `skipped`: the partial existed already, so nothing ran
   */
  status: 'stored' | 'duplicate' | 'skipped'
  /** The molecule's stats, when it ran. */
  stats?: MoleculeStats
  /** Time to fetch and import the bundle in this invocation (0 when the container had it), ms. */
  loadMs: number
}

/**
 * The worker step of a cloud run: one molecule. Skips the work when the
 * molecule's partial exists already (a duplicate delivery), else loads the
 * bundle (once per container), validates the params, runs the atoms with
 * {@link runMolecule} and writes the partial with `If-None-Match: *`
 * ({@link writePartial}), so a duplicate or retried delivery never doubles a
 * row. The partial's `billedMs` covers the whole invocation up to the write:
 * bundle load, setup and atoms.
 *
 * When loading or running throws (not an atom: those are recorded as errors),
 * it writes a crash record that the tally turns into a retry without waiting
 * for the molecule's timeout, then rethrows.
 */
export async function runWorker(event: WorkerEvent, deps: WorkerDeps): Promise<WorkerOutcome> {
  const started = performance.now()
  const now = deps.now ?? Date.now
  const { store } = deps
  const { jobId, moleculeId, attempt } = event
  const base = { jobId, moleculeId, attempt }
  if (await store.exists(partialKey(jobId, moleculeId))) {
    return { ...base, status: 'skipped', loadMs: 0 }
  }
  try {
    const loadStarted = performance.now()
    const { job } = await deps.loadBundle(event.bundleKey, event.sha256)
    const loadMs = performance.now() - loadStarted
    const params = parseJobParams(job, await resolveDataParams(event.params, jobId))
    const result = await runMolecule(job, params, [event.start, event.end], {
      moleculeId,
      attempt,
    })
    const stats: MoleculeStats = {
      ...result.stats,
      billedMs: Math.max(result.stats.billedMs, Math.ceil(performance.now() - started)),
    }
    const stored = await writePartial(store, jobId, { ...result, stats })
    return { ...base, status: stored ? 'stored' : 'duplicate', stats, loadMs }
  } catch (error) {
    const record: CrashRecord = {
      moleculeId,
      attempt,
      error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`,
      at: now(),
    }
    await store
      .put(crashKey(jobId, moleculeId, attempt), JSON.stringify(record), { ifAbsent: true })
      .catch(() => undefined)
    throw error
  }
}
