import { resume } from '../../runner/resumeJob.js'
import { type RunFlags, recoveryOf } from '../flags.js'
import type { Interrupts } from '../interrupt.js'
import { printOutcome, withProgress } from './runCommand.js'

/** Flags of `fanout resume`. */
export type ResumeFlags = Pick<
  RunFlags,
  | 'target'
  | 'root'
  | 'stackName'
  | 'workers'
  | 'json'
  | 'progress'
  | 'out'
  | 'retries'
  | 'retryAtoms'
  | 'tolerateFailures'
  | 'speculate'
  | 'timeout'
  | 'maxCost'
  | 'deadline'
> & { force?: boolean }

/**
 * `fanout resume <jobId>`: run only the molecules of an interrupted or failed
 * job that have no complete partial, with its bundle and params, then print
 * the summary as `fanout run` does.
 */
export async function resumeCommand(
  jobId: string,
  flags: ResumeFlags,
  interrupts?: Interrupts,
): Promise<number> {
  const handle = await withProgress(flags, flags.target, interrupts, (onProgress) =>
    resume(jobId, {
      target: flags.target,
      root: flags.root,
      ...(flags.stackName ? { stackName: flags.stackName } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      ...(flags.force ? { force: true } : {}),
      ...recoveryOf(flags),
      ...(onProgress ? { onProgress } : {}),
      ...(interrupts
        ? { stopSignal: interrupts.stop.signal, signal: interrupts.abort.signal }
        : {}),
    }),
  )
  if (!handle.outcome) {
    process.stdout.write(
      `fanout: job ${handle.id} (${handle.target}) is ${handle.status}: every molecule has its partial, nothing to resume\n`,
    )
    return handle.failed ? 1 : 0
  }
  return printOutcome(handle, flags)
}
