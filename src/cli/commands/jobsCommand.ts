import { listJobs } from '../../runner/jobs.js'
import type { JobFlags } from './statusCommand.js'

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

/** `fanout jobs [--target] [--json]`: the target's jobs, newest first. */
export async function jobsCommand(flags: JobFlags): Promise<number> {
  const jobs = await listJobs({
    target: flags.target,
    root: flags.root,
    ...(flags.stackName ? { stackName: flags.stackName } : {}),
  })
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(jobs)}\n`)
    return 0
  }
  if (jobs.length === 0) {
    process.stdout.write(`fanout: no jobs on --target ${flags.target}\n`)
    return 0
  }
  const rows = jobs.map((j) => [
    j.id,
    j.resumable ? `${j.status} (resumable)` : j.status,
    j.target,
    `${j.atomsOk}/${j.atoms}`,
    String(j.atomsFailed),
    j.startedAt.replace('T', ' ').slice(0, 19),
    duration(j.wallMs),
  ])
  const header = ['JOB', 'STATUS', 'TARGET', 'ATOMS OK', 'FAILED', 'STARTED (UTC)', 'WALL']
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd()
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`)
  return 0
}
