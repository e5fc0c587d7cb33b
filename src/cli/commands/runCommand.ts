import { FanoutError } from '../../core/errors.js'
import { run } from '../../runner/runJob.js'
import { formatFromPath } from '../../store/textFormats.js'
import { EXIT } from '../exitCodes.js'
import { type RunFlags, runnerOptionsOf } from '../flags.js'
import { createProgressReporter } from '../progress.js'
import { stagingReporter } from '../stagingProgress.js'
import { formatSummary, summaryJson } from '../summary.js'

/**
 * `fanout run <job.ts>`: `run()` from `fanout/runner` with the flags, the
 * progress drawn on stderr, then `--out`, the summary and the exit code.
 *
 * @throws RunInterruptedError when interrupted (the CLI exits 130)
 */
export async function runCommand(
  jobFile: string,
  flags: RunFlags,
  signal?: AbortSignal,
): Promise<number> {
  // check the --out extension before any work is done
  if (flags.out) formatFromPath(flags.out)
  const reporter = flags.progress ? createProgressReporter(process.stderr) : undefined
  let handle: Awaited<ReturnType<typeof run>>
  try {
    handle = await run(jobFile, {
      ...runnerOptionsOf(flags),
      ...(reporter ? { onProgress: reporter.onProgress } : {}),
      ...(flags.progress ? { onStaging: stagingReporter(process.stderr) } : {}),
      ...(signal ? { signal } : {}),
    })
  } finally {
    reporter?.stop()
  }
  const outcome = handle.outcome
  if (!outcome) throw new FanoutError('internal: run() returned a handle without its outcome')
  const out = flags.out ? await handle.write(flags.out) : undefined
  const extra = {
    workers: handle.timing?.workers ?? 1,
    planMs: handle.timing?.planMs,
    ...(out ? { out } : {}),
  }
  process.stdout.write(
    `${flags.json ? summaryJson(outcome, extra) : formatSummary(outcome, extra)}\n`,
  )
  if (outcome.stats.atomsFailed > 0) {
    process.stderr.write(
      `fanout: ${outcome.stats.atomsFailed} of ${outcome.stats.atoms} atoms failed; the errors table is ${outcome.errorsLocation}\n`,
    )
    return EXIT.atomsFailed
  }
  return EXIT.ok
}
