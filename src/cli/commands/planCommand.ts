import { plan } from '../../runner/runJob.js'
import { estimateOptionsOf, splitCostFlags, wantsEstimate } from '../costFlags.js'
import { formatEstimate } from '../estimateText.js'
import { parseRunFlags, runnerOptionsOf } from '../flags.js'

const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)

/**
 * `fanout plan <job.ts>`: a dry run that prints atoms, molecules and their
 * sizes and, on a cloud target (or with `--estimate`), what the job will
 * cost on Lambda with the configurations that minimise cost and time.
 */
export async function planCommand(jobFile: string, raw: Record<string, unknown>): Promise<number> {
  const { rest, cost } = splitCostFlags(raw)
  const flags = parseRunFlags(rest)
  const { jobId: _unused, ...options } = runnerOptionsOf(flags)
  const p = await plan(jobFile, {
    ...options,
    estimate: wantsEstimate(cost, flags.target) ? estimateOptionsOf(cost) : false,
  })
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ job: p.job, atoms: p.atoms, molecules: p.molecules, scheme: p.scheme, workers: p.workers, sizes: p.sizes, boundaries: p.boundaries, params: p.params, bundleBytes: p.bundle.bytes, ...(p.costSource ? { costSource: p.costSource } : {}), ...(p.moleculesFrom ? { moleculesFrom: p.moleculesFrom } : {}), ...(p.estimate ? { estimate: p.estimate } : {}) }, bigints)}\n`,
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
    `  params     ${JSON.stringify(p.params, bigints)}`,
    `  atoms      ${p.atoms}`,
    `  molecules  ${p.molecules} (${p.scheme}${p.costSource ? `, costs from ${p.costSource}` : ''}) ${p.moleculesFrom ? `from ${p.moleculesFrom}; give --molecules to choose` : `for ${p.workers} worker${p.workers === 1 ? '' : 's'}`}`,
    `  sizes      min ${p.sizes.min}, median ${p.sizes.median}, max ${p.sizes.max}`,
    `  atoms per molecule: ${shown}`,
    `  bundle     ${p.bundle.bytes} bytes, sha256 ${p.bundle.sha256.slice(0, 12)}…`,
    ...(p.estimate ? formatEstimate(p.estimate) : []),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
