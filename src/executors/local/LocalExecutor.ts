import { hostname } from 'node:os'
import { MessageChannel } from 'node:worker_threads'
import type { Piscina } from 'piscina'
import { manifestCostUsd } from '../../core/cost.js'
import { FanoutError, LimitReachedError, RunInterruptedError } from '../../core/errors.js'
import type { FaultKind, FaultPlan } from '../../core/faults.js'
import type { JobStatus, Manifest } from '../../core/manifest.js'
import { finalStatus, isFinished, markInterrupted } from '../../core/schedule.js'
import { distEntry } from '../../runtime/packageRoot.js'
import { reduceJob } from '../../runtime/reduce.js'
import type { FsResultStore } from '../../store/FsResultStore.js'
import { jobPrefix } from '../../store/layout.js'
import { saveManifest } from '../../store/manifests.js'
import type { ExecuteOptions, ExecutePlan, Executor, RunOutcome } from '../Executor.js'
import { dispatchDetail, phaseEvent } from '../phaseEvent.js'
import { executeMolecule, hangUntil, InjectedFault } from './executeMolecule.js'
import { type AttemptReply, type Launcher, runMoleculeLoop } from './moleculeLoop.js'
import type { PingTask, ThreadTask, WarmTask } from './threadWorker.js'

/** Options of the {@link LocalExecutor}. */
export interface LocalExecutorOptions {
  /** Root directory of the filesystem store (for worker threads). */
  storeRoot: string
  /** Worker threads; 1 runs every molecule in-process, serially (for debugging). @default the core count */
  workers: number
  /** Injected faults (`FANOUT_FAULTS`), for chaos tests. @default none */
  faults?: FaultPlan | undefined
}

/** How often the manifest is rewritten while molecules finish, at most. */
const MANIFEST_SAVE_INTERVAL_MS = 1000
/** How often a running job's owner heartbeat is written, at least. */
const HEARTBEAT_MS = 5000
/** A molecule execution running longer is a hang, unless the job says otherwise: Lambda's 15 min. */
export const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000

type Pool = Piscina<ThreadTask | WarmTask | PingTask, AttemptReply | null>

/** The job code called `process.exit` while running in-process: reported as its error. */
export class JobExitError extends FanoutError {}

/**
 * Runs molecules on this machine's worker threads (piscina), or in-process
 * with `workers: 1`, then reduces their partials. Crashed, hung and
 * throttled executions are retried, stragglers copied when the job asks
 * (see `runMoleculeLoop`); the manifest records the owner's pid and a
 * heartbeat, so that a job whose CLI dies shows as interrupted.
 */
export class LocalExecutor implements Executor {
  readonly target = 'local' as const

  private pool: Promise<Pool> | undefined
  /** Settles once every thread has loaded fanout's runtime (a ping task answered by each). */
  private loaded: Promise<unknown> | undefined

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
        new Piscina<ThreadTask | WarmTask | PingTask, AttemptReply | null>({
          filename: distEntry('threadWorker'),
          minThreads: workers,
          maxThreads: workers,
          concurrentTasksPerWorker: 1,
          idleTimeout: 60_000,
        }),
    )
    const pool = this.pool
    // piscina reports, as an 'error' event, a reply to a task fanout already stopped (a timed-out
    // or cancelled copy answering as it was terminated) and a thread dying between tasks: the
    // loop accounts for every task it runs, so these are not failures of the run
    void pool.then((p) => p.on('error', () => {}))
    this.loaded = pool.then((p) =>
      Promise.allSettled(Array.from({ length: workers }, () => p.run({ ping: true }))),
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

  /**
   * Stop the worker threads, if any. Idempotent. Threads still loading their
   * modules are given up to 10 s to finish first: terminating a thread in the
   * middle of an ES module graph's evaluation aborts the whole process on
   * Node 20 (`v8::Module::IsGraphAsync`), seen when a job failed while the
   * threads were still starting.
   */
  async close(): Promise<void> {
    const pool = this.pool
    const loaded = this.loaded
    this.pool = undefined
    this.loaded = undefined
    if (!pool) return
    if (loaded) await Promise.race([loaded, new Promise((r) => setTimeout(r, 10_000).unref())])
    await (await pool).destroy()
  }

  async run(plan: ExecutePlan, options: ExecuteOptions = {}): Promise<RunOutcome> {
    const started = performance.now()
    const store = plan.store
    const owner = () => ({
      pid: process.pid,
      host: hostname(),
      heartbeatAt: new Date().toISOString(),
    })
    let manifest: Manifest = { ...plan.manifest, status: 'running', owner: owner() }
    let lastSave = 0
    // saves run one after another; `saved()` waits for the last one, so that nothing is being
    // written while temp files are removed
    let saving: Promise<void> = Promise.resolve()
    const saved = () => saving
    const save = (m: Manifest, force: boolean): Promise<void> => {
      manifest = m
      const now = Date.now()
      if (!force && now - lastSave < MANIFEST_SAVE_INTERVAL_MS) return Promise.resolve()
      lastSave = now
      manifest = { ...manifest, owner: owner() }
      const snapshot = manifest
      const write = saving.then(() => saveManifest(store, snapshot))
      saving = write.catch(() => {})
      // a throttled save that fails is not the run's failure: the next one, or the last, writes it
      return force ? write : saving
    }
    await save(manifest, true)
    const phase = (name: 'dispatching' | 'running' | 'reducing', detail?: string) =>
      options.onProgress?.(phaseEvent(name, manifest, performance.now() - started, detail))
    phase('dispatching', plan.cut?.detail ?? dispatchDetail(manifest))
    const heartbeat = setInterval(() => {
      if (Date.now() - lastSave >= HEARTBEAT_MS) void save(manifest, true).catch(() => {})
    }, HEARTBEAT_MS)
    heartbeat.unref()
    const launch = this.options.workers === 1 ? this.inProcess(plan) : await this.onThreads(plan)
    let ended: Awaited<ReturnType<typeof runMoleculeLoop>>['ended']
    let cause: string | undefined
    const o = manifest.options
    const caps =
      o.maxCostUsd !== undefined || o.deadline !== undefined
        ? {
            caps: { maxCostUsd: o.maxCostUsd, deadline: o.deadline, reservedUsd: o.reservedUsd },
            // what Lambda would bill for the executions so far, at the job's memory
            costOf: (m: Manifest) => manifestCostUsd(m),
            estimatedMoleculeUsd: o.estimatedMoleculeUsd,
          }
        : undefined
    phase('running')
    try {
      ;({ manifest, ended, cause } = await runMoleculeLoop(manifest, {
        caps,
        slots: this.options.workers,
        timeoutMs: manifest.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        speculate: manifest.options.speculate ?? false,
        faults: this.options.faults,
        launch,
        save,
        onProgress: options.onProgress,
        signal: options.signal,
        stopSignal: options.stopSignal,
        startedAt: started,
      }))
    } catch (error) {
      clearInterval(heartbeat)
      await this.close()
      const interrupted = error instanceof RunInterruptedError
      // molecules cut short go back to pending, their attempt closed as interrupted
      manifest = markInterrupted(manifest, Date.now())
      manifest = withStatus(
        manifest,
        interrupted ? 'interrupted' : 'failed',
        interrupted ? undefined : error,
      )
      // a thread terminated mid-write can leave a temp file; no writer is left once saves end
      await saved()
      const fsStore = store as Partial<FsResultStore>
      if (fsStore.removeTempFiles) await fsStore.removeTempFiles(jobPrefix(manifest.jobId))
      await save(manifest, true)
      throw error
    }
    clearInterval(heartbeat)
    await this.close()
    if (ended === 'cost-cap' || ended === 'deadline') {
      // executions stopped at the cap may have left a temp file; no writer is left once saves end
      await saved()
      const fsStore = store as Partial<FsResultStore>
      if (fsStore.removeTempFiles) await fsStore.removeTempFiles(jobPrefix(manifest.jobId))
      await save(withStatus(manifest, ended, cause), true)
      throw new LimitReachedError(ended, cause ?? ended, manifest.jobId)
    }
    if (ended === 'stopped') {
      await save(withStatus(markInterrupted(manifest, Date.now()), 'interrupted'), true)
      throw new RunInterruptedError(
        'run stopped: the running molecules finished and their partials are kept',
      )
    }
    if (!isFinished(manifest))
      throw new FanoutError('internal: the run ended with molecules still pending')
    const reduceStarted = performance.now()
    phase('reducing')
    let outcome: Awaited<ReturnType<typeof reduceJob>>
    try {
      outcome = await reduceJob(store, manifest, { job: plan.job })
    } catch (error) {
      await save(withStatus(manifest, 'failed', error), true)
      throw error
    }
    const phases = {
      moleculesMs: reduceStarted - started,
      reduceMs: performance.now() - reduceStarted,
    }
    await save(withStatus(manifest, finalStatus(manifest)), true)
    return { ...outcome, manifest, wallMs: performance.now() - started, phases }
  }

  /** Molecule executions in this process, one at a time; `process.exit` in job code is its error. */
  private inProcess(plan: ExecutePlan): Launcher {
    return async (d, fault: FaultKind | undefined, signal, onAtoms) => {
      const realExit = process.exit
      process.exit = ((code?: number) => {
        throw new JobExitError(
          `the job called process.exit(${code ?? ''}) in molecule ${d.moleculeId}; fanout records it as an error (jobs return rows or throw, they do not exit)`,
        )
      }) as typeof process.exit
      try {
        return await executeMolecule(
          plan.job,
          { ...taskOf(plan.manifest, d), fault },
          plan.store,
          signal,
          {
            die: () => {
              throw new InjectedFault(
                'worker crashed (injected fault) halfway through the molecule',
              )
            },
            hang: () => hangUntil(signal),
          },
          onAtoms,
        )
      } finally {
        process.exit = realExit
      }
    }
  }

  /** Molecule executions on worker threads; stopping one terminates its thread. */
  private async onThreads(plan: ExecutePlan): Promise<Launcher> {
    this.warmUp()
    const pool = await (this.pool as Promise<Pool>)
    const base = {
      bundlePath: plan.bundle.path,
      jobFile: plan.manifest.jobFile,
      storeRoot: this.options.storeRoot,
    }
    return async (d, fault, signal, onAtoms) => {
      // the thread posts the atoms run so far on its end of the channel while the molecule runs
      const { port1, port2 } = new MessageChannel()
      port2.on('message', (n: unknown) => {
        if (typeof n === 'number') onAtoms(n)
      })
      try {
        const reply = await pool.run(
          { ...base, ...taskOf(plan.manifest, d), fault, progressPort: port1 },
          { signal, transferList: [port1] },
        )
        if (!reply)
          throw new FanoutError('internal: a worker thread answered a molecule with nothing')
        return reply
      } finally {
        port2.close()
      }
    }
  }
}

function taskOf(
  m: Manifest,
  d: { moleculeId: number; start: number; end: number; attempt: number },
) {
  return {
    jobId: m.jobId,
    params: m.params,
    moleculeId: d.moleculeId,
    start: d.start,
    end: d.end,
    attempt: d.attempt,
    options: { maxAttempts: m.options.maxAttempts, retryAtoms: m.options.retryAtoms ?? false },
  }
}

/** `manifest` with the job's `status` (and, when it failed, why) set and `updatedAt` now. */
function withStatus(manifest: Manifest, status: JobStatus, error?: unknown): Manifest {
  return {
    ...manifest,
    status,
    ...(error !== undefined
      ? { error: error instanceof Error ? error.message : String(error) }
      : {}),
    updatedAt: new Date().toISOString(),
  }
}
