import { resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { createManifest } from '../../core/manifest.js'
import { LocalExecutor } from '../../executors/local/LocalExecutor.js'
import { newJobId, planJob } from '../../executors/plan.js'
import { FsResultStore } from '../../store/FsResultStore.js'
import { jobPrefix, validateJobId } from '../../store/layout.js'
import type { RunOptions } from '../options.js'
import { writeOutput } from '../output.js'
import { createProgressReporter } from '../progress.js'
import { formatSummary, summaryJson } from '../summary.js'

/** Exit codes of `fanout run`. */
export const EXIT = { ok: 0, atomsFailed: 1, usage: 2, interrupted: 130 } as const

/**
 * `fanout run <job.ts>`: plan, execute on the local executor, reduce, write
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
  const store = new FsResultStore(root)
  const executor = new LocalExecutor({ storeRoot: root, workers: options.workers })
  try {
    return await runWith(executor, jobFile, options, root, store, signal)
  } finally {
    await executor.close()
  }
}

async function runWith(
  executor: LocalExecutor,
  jobFile: string,
  options: RunOptions,
  root: string,
  store: FsResultStore,
  signal: AbortSignal | undefined,
): Promise<number> {
  // threads start loading fanout's runtime while the job is bundled and planned
  executor.warmUp()
  const planStarted = performance.now()
  const planned = await planJob({
    jobFile,
    params: options.param,
    workers: options.workers,
    molecules: options.molecules,
    atomsPerMolecule: options.atomsPerMolecule,
    scheme: options.partition,
    root,
  })
  const planMs = performance.now() - planStarted
  const jobId = options.jobId ?? newJobId(planned.jobName)
  const existing = await store.list(jobPrefix(jobId))
  if (existing.length > 0) {
    throw new UsageError(
      `job id ${jobId} is taken: ${store.describe(jobPrefix(jobId))} already holds a job. Choose another --job-id (fanout keeps every job's files).`,
    )
  }
  const manifest = createManifest({
    jobId,
    jobName: planned.jobName,
    jobFile,
    target: 'local',
    bundle: { sha256: planned.bundle.sha256, bytes: planned.bundle.bytes },
    params: planned.params,
    numAtoms: planned.numAtoms,
    scheme: planned.scheme,
    boundaries: planned.boundaries,
    workers: options.workers,
  })
  const reporter = options.progress ? createProgressReporter(process.stderr) : undefined
  let outcome: Awaited<ReturnType<LocalExecutor['run']>>
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
