import { FanoutError, RunInterruptedError } from '../../core/errors.js'
import type { ProgressEvent } from '../../executors/Executor.js'
import type { Target } from '../../runner/options.js'
import { run } from '../../runner/runJob.js'
import { formatFromPath } from '../../store/textFormats.js'
import { type CostFlags, estimateOptionsOf, wantsEstimate } from '../costFlags.js'
import { EXIT } from '../exitCodes.js'
import { type RunFlags, runnerOptionsOf } from '../flags.js'
import type { Interrupts } from '../interrupt.js'
import { createProgressReporter } from '../progress.js'
import { writeRunReport } from '../reportFile.js'
import { estimateLine, runCost } from '../runCost.js'
import { stagingReporter } from '../stagingProgress.js'
import { formatSummary, summaryJson } from '../summary.js'

/** The line that says how to continue an interrupted job. */
export function resumeHint(jobId: string, target: Target): string {
  return `fanout: job ${jobId} interrupted; nothing written is lost. Continue it with: fanout resume ${jobId}${target === 'local' ? '' : ` --target ${target}`}\n`
}

/**
 * Run `fn` with a progress display on stderr, stopped before an interrupt's
 * message is written; an interruption ends with the resume hint.
 */
export async function withProgress<T>(
  flags: { progress: boolean },
  target: Target,
  interrupts: Interrupts | undefined,
  fn: (
    onProgress: ((event: ProgressEvent) => void) | undefined,
    log: (text: string) => void,
  ) => Promise<T>,
): Promise<T> {
  const reporter = flags.progress ? createProgressReporter(process.stderr) : undefined
  const remove = interrupts?.beforeMessage(() => reporter?.stop())
  // messages written while the bar is drawn go above it
  const log = (text: string) => (reporter ? reporter.log(text) : process.stderr.write(text))
  try {
    return await fn(reporter ? (e) => reporter.onProgress(e) : undefined, log)
  } catch (error) {
    reporter?.stop()
    if (error instanceof RunInterruptedError && error.jobId) {
      process.stderr.write(resumeHint(error.jobId, target))
    }
    throw error
  } finally {
    reporter?.stop()
    remove?.()
  }
}

/**
 * `fanout run <job.ts>`: `run()` from `fanout/runner` with the flags, the
 * progress drawn on stderr, then `--out`, the summary and the exit code.
 *
 * @throws RunInterruptedError when interrupted (the CLI exits 130)
 */
export async function runCommand(
  jobFile: string,
  flags: RunFlags,
  interrupts?: Interrupts,
  cost: CostFlags = {},
): Promise<number> {
  // check the --out extension before any work is done
  if (flags.out) formatFromPath(flags.out)
  const handle = await withProgress(flags, flags.target, interrupts, (onProgress, log) =>
    run(jobFile, {
      ...runnerOptionsOf(flags),
      ...(onProgress ? { onProgress } : {}),
      ...(flags.progress ? { onStaging: stagingReporter({ write: log }) } : {}),
      ...(interrupts
        ? { stopSignal: interrupts.stop.signal, signal: interrupts.abort.signal }
        : {}),
      // --max-cost wants the estimate also locally, unless --no-estimate
      estimate:
        cost.estimate !== false &&
        (wantsEstimate(cost, flags.target) || flags.maxCost !== undefined)
          ? estimateOptionsOf(cost)
          : false,
      onEstimate: (e) => log(estimateLine(e)),
    }),
  )
  return printOutcome(handle, flags, cost)
}

/** Write `--out`, print the summary, and give the exit code of a run that ended. */
export async function printOutcome(
  handle: Awaited<ReturnType<typeof run>>,
  flags: { out?: string | undefined; json: boolean; root: string; target: Target },
  cost: CostFlags = {},
): Promise<number> {
  const outcome = handle.outcome
  if (!outcome) throw new FanoutError('internal: a run returned a handle without its outcome')
  // a job that failed writes no --out file: no half result; its rows stay in its partials
  const out = flags.out && outcome.resultLocation ? await handle.write(flags.out) : undefined
  if (flags.out && !out) {
    process.stderr.write(`fanout: --out ${flags.out} not written: the job failed\n`)
  }
  const costs = await runCost(handle, flags, cost)
  const report = cost.report
    ? await writeRunReport(handle, {
        ...(cost.report === true ? {} : { out: cost.report }),
        root: flags.root,
        cost: costs,
      })
    : undefined
  const extra = {
    workers: handle.timing?.workers ?? 1,
    planMs: handle.timing?.planMs,
    ...(out ? { out } : {}),
    cost: costs,
    ...(report ? { report } : {}),
  }
  process.stdout.write(
    `${flags.json ? summaryJson(outcome, extra) : formatSummary(outcome, extra)}\n`,
  )
  if (outcome.stats.atomsFailed > 0) {
    const ok = outcome.manifest.status === 'succeeded'
    process.stderr.write(
      `fanout: ${outcome.stats.atomsFailed} of ${outcome.stats.atoms} atoms failed${ok ? ', within --tolerate-failures' : ''}; the errors table is ${outcome.errorsLocation}\n`,
    )
    return ok ? EXIT.ok : EXIT.atomsFailed
  }
  return EXIT.ok
}
