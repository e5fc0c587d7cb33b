import { resolve } from 'node:path'
import { planJob } from '../../runner/planJob.js'
import { planRequestOf, type RunOptions } from '../flags.js'

function sizeStats(sizes: readonly number[]) {
  const sorted = [...sizes].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median =
    sorted.length === 0
      ? 0
      : sorted.length % 2
        ? sorted[mid]
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { min: sorted[0] ?? 0, median: median ?? 0, max: sorted[sorted.length - 1] ?? 0 }
}

/** `fanout plan <job.ts>`: a dry run that prints atoms, molecules and their sizes. */
export async function planCommand(jobFile: string, options: RunOptions): Promise<number> {
  const root = resolve(options.root)
  const p = await planJob(planRequestOf(jobFile, options, root))
  const sizes: number[] = []
  for (let i = 0; i + 1 < p.boundaries.length; i++) {
    sizes.push((p.boundaries[i + 1] as number) - (p.boundaries[i] as number))
  }
  const stats = sizeStats(sizes)
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ job: p.jobName, atoms: p.numAtoms, molecules: sizes.length, scheme: p.scheme, workers: options.workers, sizes: stats, boundaries: p.boundaries, params: p.params, bundleBytes: p.bundle.bytes })}\n`,
    )
    return 0
  }
  const shown =
    sizes.length <= 24
      ? sizes.join(' ')
      : `${sizes.slice(0, 12).join(' ')} … ${sizes.slice(-6).join(' ')}`
  const lines = [
    `fanout plan: ${p.jobName} (${jobFile})`,
    `  params     ${JSON.stringify(p.params, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
    `  atoms      ${p.numAtoms}`,
    `  molecules  ${sizes.length} (${p.scheme}${p.costSource ? `, costs from ${p.costSource}` : ''}) for ${options.workers} worker${options.workers === 1 ? '' : 's'}`,
    `  sizes      min ${stats.min}, median ${stats.median}, max ${stats.max}`,
    `  atoms per molecule: ${shown}`,
    `  bundle     ${p.bundle.bytes} bytes, sha256 ${p.bundle.sha256.slice(0, 12)}…`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
