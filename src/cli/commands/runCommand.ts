import { resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { createManifest } from '../../core/manifest.js'
import type { Executor, RunOutcome } from '../../executors/Executor.js'
import { LocalExecutor } from '../../executors/local/LocalExecutor.js'
import { AWS_SDK, importOptional } from '../../runner/optionalDeps.js'
import { newJobId, planJob } from '../../runner/planJob.js'
import { FsResultStore } from '../../store/FsResultStore.js'
import { jobPrefix, manifestKey, validateJobId } from '../../store/layout.js'
import { writeOutput } from '../../store/output.js'
import type { ResultStore } from '../../store/ResultStore.js'
import { planRequestOf, type RunOptions } from '../flags.js'
import { createProgressReporter } from '../progress.js'
import { formatSummary, summaryJson } from '../summary.js'

/** Exit codes of `fanout run`. */
export const EXIT = { ok: 0, atomsFailed: 1, usage: 2, interrupted: 130 } as const

/** An executor with the store it writes to, and how to release it. */
interface Backend {
  executor: Executor
  store: ResultStore
  /** Called before planning: start what takes time (worker threads). */
  warmUp(): void
  /** Called once the job is bundled and its params valid: load it in the workers. */
  prepareJob?(bundlePath: string, jobFile: string, params: unknown): void
  close(): Promise<void>
}

async function backendFor(options: RunOptions, root: string): Promise<Backend> {
  if (options.target === 'local') {
    const executor = new LocalExecutor({ storeRoot: root, workers: options.workers })
    return {
      executor,
      store: new FsResultStore(root),
      warmUp: () => executor.warmUp(),
      prepareJob: (path, file, params) => executor.prepareJob(path, file, params),
      close: () => executor.close(),
    }
  }
  // the AWS SDK (an optional peer dependency) loads only for cloud targets
  const { cloudBackend } = await importOptional(
    `--target ${options.target}`,
    AWS_SDK,
    () => import('../../runner/cloudBackend.js'),
  )
  return cloudBackend(options, root)
}

function jobIdTaken(store: ResultStore, jobId: string): UsageError {
  return new UsageError(
    `job id ${jobId} is taken: ${store.describe(jobPrefix(jobId))} already holds a job. Choose another --job-id (fanout keeps every job's files).`,
  )
}

async function assertJobIdFree(store: ResultStore, jobId: string): Promise<void> {
  if ((await store.list(jobPrefix(jobId))).length > 0) throw jobIdTaken(store, jobId)
}

/**
 * `fanout run <job.ts>`: plan, execute on the chosen target, reduce, write
 * `--out`, print the summary. Returns the exit code.
 */
export async function runCommand(
  jobFile: string,
  options: RunOptions,
  signal?: AbortSignal,
): Promise<number> {
  if (options.out) {
    // check the --out extension before any work is done
    const { formatFromPath } = await import('../../store/textFormats.js')
    formatFromPath(options.out)
  }
  if (options.jobId !== undefined) validateJobId(options.jobId)
  const root = resolve(options.root)
  const backend = await backendFor(options, root)
  try {
    return await runWith(backend, jobFile, options, root, signal)
  } finally {
    await backend.close()
  }
}

async function runWith(
  backend: Backend,
  jobFile: string,
  options: RunOptions,
  root: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  const { store, executor } = backend
  if (options.jobId !== undefined) await assertJobIdFree(store, options.jobId)
  // threads start loading fanout's runtime while the job is bundled and planned
  backend.warmUp()
  const planStarted = performance.now()
  const planned = await planJob({
    ...planRequestOf(jobFile, options, root),
    onReady: (bundle, params) => backend.prepareJob?.(bundle.path, jobFile, params),
  })
  const planMs = performance.now() - planStarted
  const jobId = options.jobId ?? newJobId(planned.jobName)
  await assertJobIdFree(store, jobId)
  const manifest = createManifest({
    jobId,
    jobName: planned.jobName,
    jobFile,
    target: options.target,
    bundle: { sha256: planned.bundle.sha256, bytes: planned.bundle.bytes },
    params: planned.params,
    numAtoms: planned.numAtoms,
    scheme: planned.scheme,
    boundaries: planned.boundaries,
    workers: options.workers,
  })
  if (options.target === 'local') {
    // claim the id: of two runs racing for it, exactly one writes the first manifest
    const claimed = await store.put(manifestKey(jobId), `${JSON.stringify(manifest, null, 2)}\n`, {
      ifAbsent: true,
    })
    if (!claimed) throw jobIdTaken(store, jobId)
  }
  const reporter = options.progress ? createProgressReporter(process.stderr) : undefined
  let outcome: RunOutcome
  try {
    outcome = await executor.run(
      { manifest, bundle: planned.bundle, job: planned.job, store },
      { onProgress: reporter?.onProgress, signal },
    )
  } finally {
    reporter?.stop()
  }
  const out = options.out ? writeOutput(options.out, outcome.result) : undefined
  const extra = { workers: options.workers, planMs, ...(out ? { out } : {}) }
  process.stdout.write(
    `${options.json ? summaryJson(outcome, extra) : formatSummary(outcome, extra)}\n`,
  )
  if (outcome.stats.atomsFailed > 0) {
    process.stderr.write(
      `fanout: ${outcome.stats.atomsFailed} of ${outcome.stats.atoms} atoms failed; the errors table is ${outcome.errorsLocation}\n`,
    )
    return EXIT.atomsFailed
  }
  return EXIT.ok
}
