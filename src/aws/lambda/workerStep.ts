import { EventValidationError } from '../../contracts/errors.js'
import type { WorkerEvent } from '../../contracts/events.js'
import type { CrashRecord } from '../../contracts/records.js'
import { JobCodeError } from '../../core/errors.js'
import { parseJobParams } from '../../core/params.js'
import { shouldCommit } from '../../core/schedule.js'
import type { BundleLoader } from '../../runtime/bundleCache.js'
import { resolveDataParams } from '../../runtime/data/install.js'
import { PartialTooLargeError } from '../../runtime/errors.js'
import { writePartial } from '../../runtime/partials.js'
import { type MoleculeStats, runMolecule } from '../../runtime/runMolecule.js'
import { crashKey, manifestKey, partialKey } from '../../store/layout.js'
import { readManifest } from '../../store/manifests.js'
import type { ResultStore } from '../../store/ResultStore.js'
import { workerProgress } from './progressReports.js'

/** What {@link runWorker} needs from its surroundings. */
export interface WorkerDeps {
  store: ResultStore
  loadBundle: BundleLoader
  /** @default Date.now */
  now?: () => number
  /** Each job's molecule boundaries, read once per container. @default a cache in this module */
  partitions?: Map<string, Promise<readonly number[]>>
}

/** The molecule boundaries of each job this container ran, from its manifest (they never change). */
const defaultPartitions = new Map<string, Promise<readonly number[]>>()

/**
 * A worker event must name a molecule of an existing job, with its exact
 * range: anything else (a foreign job id, a range outside the job) is refused
 * before any work, naming what is wrong, and leaves nothing behind.
 *
 * @throws {@link EventValidationError}
 */
async function checkEvent(
  event: WorkerEvent,
  store: ResultStore,
  partitions: Map<string, Promise<readonly number[]>>,
): Promise<void> {
  let boundaries = partitions.get(event.jobId)
  if (!boundaries) {
    boundaries = readManifest(store, event.jobId).then((m) => m?.partition.boundaries ?? [])
    partitions.set(event.jobId, boundaries)
    boundaries.catch(() => partitions.delete(event.jobId))
  }
  const b = await boundaries
  if (b.length === 0) {
    partitions.delete(event.jobId)
    throw new EventValidationError(
      'worker',
      `the worker got an event for job ${event.jobId}, which has no manifest at ${store.describe(manifestKey(event.jobId))}: a foreign or deleted job; nothing was run`,
    )
  }
  const start = b[event.moleculeId]
  const end = b[event.moleculeId + 1]
  if (start !== event.start || end !== event.end) {
    throw new EventValidationError(
      'worker',
      `the worker got molecule ${event.moleculeId} of job ${event.jobId} as atoms [${event.start}, ${event.end}), but the job's manifest has ${start === undefined || end === undefined ? `no molecule ${event.moleculeId} (it has ${b.length - 1})` : `it as [${start}, ${end})`}; nothing was run`,
    )
  }
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
   * - `retry-atoms`: some atoms threw and `--retry-atoms` asks for another attempt: nothing stored
   * - `too-large`: its partial is past the size limit; nothing stored, the molecule fails (not retried)
   */
  status: 'stored' | 'duplicate' | 'skipped' | 'retry-atoms' | 'too-large'
  /** Why, for `too-large`. */
  error?: string
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
  await checkEvent(event, store, deps.partitions ?? defaultPartitions)
  if (await store.exists(partialKey(jobId, moleculeId))) {
    return { ...base, status: 'skipped', loadMs: 0 }
  }
  try {
    const loadStarted = performance.now()
    const { job } = await deps.loadBundle(event.bundleKey, event.sha256)
    const loadMs = performance.now() - loadStarted
    const params = parseJobParams(job, await resolveDataParams(event.params, jobId))
    const onAtoms = workerProgress(store, event, started)
    const result = await runMolecule(job, params, [event.start, event.end], {
      moleculeId,
      attempt,
      ...(onAtoms ? { onAtoms } : {}),
    })
    const stats: MoleculeStats = {
      ...result.stats,
      billedMs: Math.max(result.stats.billedMs, Math.ceil(performance.now() - started)),
    }
    const options = { retryAtoms: event.retryAtoms ?? false, maxAttempts: event.maxAttempts ?? 1 }
    if (!shouldCommit(options, attempt, stats.atomsFailed)) {
      // --retry-atoms: store nothing and tell the tally at once, which runs the molecule again
      const record: CrashRecord = {
        moleculeId,
        attempt,
        error: `${stats.atomsFailed} atoms failed; running the molecule again (--retry-atoms)`,
        at: now(),
      }
      await store.put(crashKey(jobId, moleculeId, attempt), JSON.stringify(record), {
        ifAbsent: true,
      })
      return { ...base, status: 'retry-atoms', stats, loadMs }
    }
    const stored = await writePartial(store, jobId, { ...result, stats })
    return { ...base, status: stored ? 'stored' : 'duplicate', stats, loadMs }
  } catch (error) {
    const tooLarge = error instanceof PartialTooLargeError
    const record: CrashRecord = {
      moleculeId,
      attempt,
      error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`,
      at: now(),
      ...(error instanceof JobCodeError && error.phase === 'setup'
        ? { kind: 'setup' as const }
        : tooLarge
          ? { kind: 'permanent' as const }
          : {}),
    }
    await store
      .put(crashKey(jobId, moleculeId, attempt), JSON.stringify(record), { ifAbsent: true })
      .catch(() => undefined)
    // no Lambda retry of an execution that would make the same partial again
    if (tooLarge) return { ...base, status: 'too-large', error: record.error, loadMs: 0 }
    throw error
  }
}
