import { plan } from '../../runner/runJob.js'
import { type RunFlags, runnerOptionsOf } from '../flags.js'

/** `fanout plan <job.ts>`: a dry run that prints atoms, molecules and their sizes. */
export async function planCommand(jobFile: string, flags: RunFlags): Promise<number> {
  const { jobId: _unused, ...options } = runnerOptionsOf(flags)
  const p = await plan(jobFile, options)
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ job: p.job, atoms: p.atoms, molecules: p.molecules, scheme: p.scheme, workers: p.workers, sizes: p.sizes, boundaries: p.boundaries, params: p.params, bundleBytes: p.bundle.bytes, ...(p.costSource ? { costSource: p.costSource } : {}) }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
    )
    return 0
  }
  const sizes = p.boundaries.slice(1).map((b, i) => b - (p.boundaries[i] as number))
  const shown =
    sizes.length <= 24
      ? sizes.join(' ')
      : `${sizes.slice(0, 12).join(' ')} … ${sizes.slice(-6).join(' ')}`
  const lines = [
    `fanout plan: ${p.job} (${jobFile})`,
    `  params     ${JSON.stringify(p.params, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
    `  atoms      ${p.atoms}`,
    `  molecules  ${p.molecules} (${p.scheme}${p.costSource ? `, costs from ${p.costSource}` : ''}) for ${p.workers} worker${p.workers === 1 ? '' : 's'}`,
    `  sizes      min ${p.sizes.min}, median ${p.sizes.median}, max ${p.sizes.max}`,
    `  atoms per molecule: ${shown}`,
    `  bundle     ${p.bundle.bytes} bytes, sha256 ${p.bundle.sha256.slice(0, 12)}…`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
