import { resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { openStore } from '../../runner/backends.js'
import { openJob } from '../../runner/jobs.js'
import { AWS_SDK, importOptional } from '../../runner/optionalDeps.js'
import { validateJobId } from '../../store/layout.js'
import { readManifest } from '../../store/manifests.js'
import { groupErrors } from '../summary.js'
import type { JobFlags } from './statusCommand.js'

const FUNCTIONS = ['plan', 'worker', 'tally', 'reduce'] as const
type FunctionName = (typeof FUNCTIONS)[number]

/** Flags of `fanout logs`. */
export interface LogsFlags extends JobFlags {
  function?: string
  limit?: number
}

/**
 * `fanout logs <jobId> [--target]`: on a cloud target, the log lines of every
 * function that carry the job id; for a local job, which has no function
 * logs, its atom errors grouped by cause.
 */
export async function logsCommand(jobId: string, flags: LogsFlags): Promise<number> {
  validateJobId(jobId)
  const names: FunctionName[] = flags.function ? [flags.function as FunctionName] : [...FUNCTIONS]
  for (const n of names) {
    if (!FUNCTIONS.includes(n))
      throw new UsageError(
        `--function must be one of ${FUNCTIONS.join(', ')}; got ${JSON.stringify(n)}`,
      )
  }
  if (flags.target === 'local') return localLogs(jobId, flags)
  const { store, cloud } = await openStore(flags.target, resolve(flags.root), flags.stackName)
  if (!cloud) throw new UsageError(`--target ${flags.target} is not a cloud target`)
  const manifest = await readManifest(store, jobId)
  // a job whose plan failed has no manifest: look back a day for its plan's lines
  const since = manifest ? Date.parse(manifest.createdAt) - 60_000 : Date.now() - 86_400_000
  const { readLogs } = await import('../../aws/client/logs.js')
  const events: { fn: string; timestamp: number; message: string }[] = []
  for (const fn of names) {
    const lines = await importOptional('fanout logs', AWS_SDK, () =>
      readLogs(cloud.connection, cloud.deployed.functions[fn], jobId, since),
    )
    for (const e of lines) events.push({ fn, ...e })
  }
  events.sort((a, b) => a.timestamp - b.timestamp)
  const shown = flags.limit ? events.slice(-flags.limit) : events
  for (const e of shown) {
    process.stdout.write(
      `${new Date(e.timestamp).toISOString()} ${e.fn.padEnd(6)} ${e.message.trimEnd()}\n`,
    )
  }
  if (shown.length === 0) {
    process.stderr.write(
      `fanout: no log lines mention job ${jobId} on --target ${flags.target}${manifest ? '' : ' (and it has no manifest: check the id with `fanout jobs`)'}\n`,
    )
  }
  return 0
}

async function localLogs(jobId: string, flags: LogsFlags): Promise<number> {
  const job = await openJob(jobId, { target: 'local', root: flags.root })
  const groups = groupErrors(await job.errorsTable())
  const stats = resolve(flags.root, 'jobs', jobId, 'stats.json')
  if (groups.length === 0) {
    process.stdout.write(
      `fanout: job ${jobId} ran locally and no atom failed; local runs have no function logs (timings per molecule: ${stats})\n`,
    )
    return 0
  }
  const lines = [
    `fanout: job ${jobId} ran locally; its atom errors, by cause (local runs have no function logs):`,
  ]
  for (const g of flags.limit ? groups.slice(0, flags.limit) : groups) {
    lines.push(
      `  ${g.count} × ${g.message} (atoms ${g.atoms.join(', ')}${g.count > g.atoms.length ? ', …' : ''})`,
    )
  }
  lines.push(`  every error with its stack: ${job.errorsLocation ?? '(none)'}`)
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
