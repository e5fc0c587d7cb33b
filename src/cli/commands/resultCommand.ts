import { inspect } from 'node:util'
import { openJob } from '../../runner/jobs.js'
import { formatFromPath } from '../../store/textFormats.js'
import type { JobFlags } from './statusCommand.js'

/** `fanout result <jobId> [--target] [--out FILE] [--json]`: the summary, and the result written out. */
export async function resultCommand(
  jobId: string,
  flags: JobFlags & { out?: string },
): Promise<number> {
  if (flags.out) formatFromPath(flags.out)
  const job = await openJob(jobId, {
    target: flags.target,
    root: flags.root,
    ...(flags.stackName ? { stackName: flags.stackName } : {}),
  })
  const out = flags.out ? await job.write(flags.out) : undefined
  const p = job.progress
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ id: job.id, status: job.status, target: job.target, atoms: p.atoms, atomsFailed: p.atomsFailed, rows: job.stats?.rows ?? null, result: job.resultLocation, out: out ?? null, summary: job.summary ?? null }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
    )
    return 0
  }
  const lines = [
    `fanout: job ${job.id} (${job.target}) ${job.status}`,
    `  atoms     ${p.atoms} (${p.atomsDone - p.atomsFailed} ok, ${p.atomsFailed} failed)`,
    `  result    ${job.resultLocation}${job.stats ? ` (${job.stats.rows} rows)` : ''}`,
  ]
  if (out) lines.push(`  out       ${out}`)
  if (job.summary !== undefined) {
    lines.push(
      `  reduce    ${inspect(job.summary, { depth: 4, breakLength: 100, compact: 3 }).split('\n').join('\n            ')}`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
