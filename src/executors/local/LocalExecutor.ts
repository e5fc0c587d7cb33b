import type { Piscina } from 'piscina'
import { FanoutError, RunInterruptedError } from '../../core/errors.js'
import type { JobStatus, Manifest } from '../../core/manifest.js'
import {
  type Dispatch,
  finalStatus,
  isFinished,
  markCrashed,
  markDone,
  markInterrupted,
  markStarted,
  pendingDispatches,
  progressOf,
} from '../../core/schedule.js'
import { distEntry } from '../../runtime/packageRoot.js'
import { writePartial } from '../../runtime/partials.js'
import { reduceJob } from '../../runtime/reduce.js'
import { type MoleculeStats, runMolecule } from '../../runtime/runMolecule.js'
import type { FsResultStore } from '../../store/FsResultStore.js'
import { jobPrefix } from '../../store/layout.js'
import { saveManifest } from '../../store/manifests.js'
import type {
  ExecuteOptions,
  ExecutePlan,
  Executor,
  ProgressEvent,
  RunOutcome,
} from '../Executor.js'
import type { MoleculeReply, MoleculeTask, WarmTask } from './threadWorker.js'

/** Options of the {@link LocalExecutor}. */
export interface LocalExecutorOptions {
  /** Root directory of the filesystem store (for worker threads). */
  storeRoot: string
  /** Worker threads; 1 runs every molecule in-process, serially (for debugging). @default the core count */
  workers: number
}

/** How often the manifest is rewritten while molecules finish, at most. */
const MANIFEST_SAVE_INTERVAL_MS = 1000

/** Records how a molecule's attempt ended: its stats, or the error that ended it. */
type FinishMolecule = (
  d: Dispatch,
  outcome: { stats: MoleculeStats } | { error: unknown },
) => Promise<void>

/**
 * Runs molecules on this machine's worker threads (piscina), or in-process
 * with `workers: 1`, then reduces their partials.
 */
export class LocalExecutor implements Executor {
  readonly target = 'local' as const

  private pool: Promise<Piscina<MoleculeTask | WarmTask, MoleculeReply | null>> | undefined

  constructor(private readonly options: LocalExecutorOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new TypeError(`Expected workers to be an integer from 1 and up, got ${options.workers}`)
    }
  }

  /**
   * Start the worker threads now (they load fanout's runtime while the caller
   * bundles and plans the job). Optional: `run` starts them when needed. A caller
   * that warms up and then does not run must `close()`.
   */
  warmUp(): void {
    if (this.options.workers === 1 || this.pool) return
    const workers = this.options.workers
    this.pool = import('piscina').then(
      ({ Piscina }) =>
        new Piscina<MoleculeTask | WarmTask, MoleculeReply | null>({
          filename: distEntry('threadWorker'),
          minThreads: workers,
          maxThreads: workers,
          concurrentTasksPerWorker: 1,
          idleTimeout: 60_000,
        }),
    )
  }

  /**
   * Have every worker thread import the job bundle and run `setup` now, while
   * the caller finishes planning, instead of at its first molecule. Best effort:
   * a failure here shows again, with its molecule, when molecules run.
   */
  prepareJob(bundlePath: string, jobFile: string, params: unknown): void {
    if (!this.pool) return
    const pool = this.pool
    for (let i = 0; i < this.options.workers; i++) {
      void pool.then((p) => p.run({ warm: true, bundlePath, jobFile, params })).catch(() => {})
    }
  }

  /** Stop the worker threads, if any. Idempotent. */
  async close(): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    if (pool) await (await pool).destroy()
  }

  async run(plan: ExecutePlan, options: ExecuteOptions = {}): Promise<RunOutcome> {
    const started = performance.now()
    const store = plan.store
    let manifest: Manifest = { ...plan.manifest, status: 'running' }
    let lastSave = 0
    const save = async (force: boolean) => {
      const now = Date.now()
      if (!force && now - lastSave < MANIFEST_SAVE_INTERVAL_MS) return
      lastSave = now
      await saveManifest(store, manifest)
    }
    await save(true)

    const emit = (moleculeId: number, kind: ProgressEvent['kind']) => {
      options.onProgress?.({
        ...progressOf(manifest),
        elapsedMs: performance.now() - started,
        moleculeId,
        kind,
      })
    }
    const finish: FinishMolecule = async (d, outcome) => {
      const now = Date.now()
      if ('stats' in outcome) {
        const s = outcome.stats
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
        emit(d.moleculeId, 'molecule-done')
      } else {
        const message =
          outcome.error instanceof Error ? outcome.error.message : String(outcome.error)
        manifest = markCrashed(manifest, d.moleculeId, d.attempt, message, now)
        const state = manifest.molecules[d.moleculeId]?.status
        emit(d.moleculeId, state === 'failed' ? 'molecule-failed' : 'molecule-retry')
      }
      await save(false)
    }

    const getManifest = () => manifest
    const setManifest = (m: Manifest) => {
      manifest = m
    }
    try {
      if (this.options.workers === 1)
        await this.runInProcess(plan, getManifest, setManifest, finish, options.signal)
      else await this.runOnThreads(plan, getManifest, setManifest, finish, options.signal)
    } catch (error) {
      // molecules cut short go back to pending, their attempt closed as interrupted
      manifest = withStatus(markInterrupted(manifest, Date.now()), 'interrupted')
      // a thread terminated mid-write can leave a temp file; no writer is left now
      const fsStore = store as Partial<FsResultStore>
      if (fsStore.removeTempFiles) await fsStore.removeTempFiles(jobPrefix(manifest.jobId))
      await save(true)
      throw error
    }
    if (!isFinished(manifest))
      throw new FanoutError('internal: the run ended with molecules still pending')
    const reduceStarted = performance.now()
    let outcome: Awaited<ReturnType<typeof reduceJob>>
    try {
      outcome = await reduceJob(store, manifest, { job: plan.job })
    } catch (error) {
      manifest = withStatus(manifest, 'failed')
      await save(true)
      throw error
    }
    const phases = {
      moleculesMs: reduceStarted - started,
      reduceMs: performance.now() - reduceStarted,
    }
    manifest = withStatus(manifest, finalStatus(manifest))
    await save(true)
    return { ...outcome, manifest, wallMs: performance.now() - started, phases }
  }

  private async runInProcess(
    plan: ExecutePlan,
    get: () => Manifest,
    set: (m: Manifest) => void,
    finish: FinishMolecule,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (;;) {
      const next = pendingDispatches(get())[0]
      if (!next) return
      throwIfAborted(signal)
      set(markStarted(get(), next.moleculeId, next.attempt, Date.now()))
      try {
        const result = await runMolecule(plan.job, get().params, [next.start, next.end], {
          moleculeId: next.moleculeId,
          attempt: next.attempt,
          signal,
        })
        throwIfAborted(signal)
        await writePartial(plan.store, get().jobId, result)
        await finish(next, { stats: result.stats })
      } catch (error) {
        if (signal?.aborted) throw new RunInterruptedError('run interrupted', { cause: error })
        await finish(next, { error })
      }
    }
  }

  private async runOnThreads(
    plan: ExecutePlan,
    get: () => Manifest,
    set: (m: Manifest) => void,
    finish: FinishMolecule,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    this.warmUp()
    const pool = await (this.pool as Promise<
      Piscina<MoleculeTask | WarmTask, MoleculeReply | null>
    >)
    const base = {
      bundlePath: plan.bundle.path,
      jobFile: get().jobFile,
      storeRoot: this.options.storeRoot,
      jobId: get().jobId,
      params: get().params,
    }
    // at most `workers` molecules in flight: a molecule is marked started when a
    // thread takes it, so the manifest never shows queued molecules as running
    const running = new Set<Promise<void>>()
    const onAbort = () => {
      void this.close()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const launch = (d: Dispatch) => {
      set(markStarted(get(), d.moleculeId, d.attempt, Date.now()))
      const p: Promise<void> = pool
        .run({ ...base, moleculeId: d.moleculeId, start: d.start, end: d.end, attempt: d.attempt })
        .then(
          (reply) => finish(d, { stats: (reply as MoleculeReply).stats }),
          (error) => (signal?.aborted ? undefined : finish(d, { error })),
        )
        .finally(() => running.delete(p))
      running.add(p)
    }
    try {
      for (;;) {
        throwIfAborted(signal)
        const free = this.options.workers - running.size
        for (const d of pendingDispatches(get()).slice(0, Math.max(free, 0))) launch(d)
        if (running.size === 0) break
        await Promise.race(running)
      }
      throwIfAborted(signal)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      await this.close()
    }
  }
}

/** `manifest` with the job's `status` set and `updatedAt` now. */
function withStatus(manifest: Manifest, status: JobStatus): Manifest {
  return { ...manifest, status, updatedAt: new Date().toISOString() }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunInterruptedError('run interrupted')
}
