import { resolve } from 'node:path'
import { writeReport } from '../../report/writeReport.js'
import { costReport } from '../../runner/jobCost.js'
import { openJob } from '../../runner/jobs.js'
import type { Target } from '../../runner/options.js'
import { estimateOptionsOf, splitCostFlags } from '../costFlags.js'

/** The flags of `fanout report`. */
export interface ReportFlags {
  target: Target
  root: string
  stackName?: string
  out?: string
  open?: boolean
}

/**
 * `fanout report <jobId>`: write the job's run report (one self-contained
 * HTML file: timeline, durations, throughput, cost beside the prediction,
 * the slowest molecules, the errors with a filter), print its path, and
 * with `--open` open it in the default browser.
 */
export async function reportCommand(jobId: string, raw: Record<string, unknown>): Promise<number> {
  const { rest, cost } = splitCostFlags(raw)
  const flags = rest as unknown as ReportFlags
  const handle = await openJob(jobId, {
    target: flags.target,
    root: flags.root,
    ...(flags.stackName ? { stackName: flags.stackName } : {}),
  })
  const costs = await costReport(handle.store, handle.manifest, {
    estimateOptions: estimateOptionsOf(cost),
    root: resolve(flags.root),
    stackName: flags.stackName,
  })
  const path = await writeReport(handle, {
    ...(flags.out ? { out: flags.out } : {}),
    root: flags.root,
    cost: costs,
  })
  process.stdout.write(`${path}\n`)
  if (flags.open) {
    const { default: open } = await import('open')
    await open(path, { wait: false })
  }
  return 0
}
