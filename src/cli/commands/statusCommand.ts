import { resolve } from 'node:path'
import type { ExecutionState } from '../../aws/client/executions.js'
import { UsageError } from '../../core/errors.js'
import type { Manifest } from '../../core/manifest.js'
import { isResumable, progressOf } from '../../core/schedule.js'
import { openStore } from '../../runner/backends.js'
import { currentStatus } from '../../runner/jobStatus.js'
import { AWS_SDK, importOptional } from '../../runner/optionalDeps.js'
import type { Target } from '../../runner/options.js'
import { jobPrefix, validateJobId } from '../../store/layout.js'
import { readManifest } from '../../store/manifests.js'

/** Flags of the commands that read a past job. */
export interface JobFlags {
  target: Target
  root: string
  stackName?: string
  json?: boolean
}

/** The lines `fanout status` prints for a manifest. */
export function describeManifest(m: Manifest): string[] {
  const p = progressOf(m)
  const attempts = m.molecules.reduce((n, x) => n + x.attempts.length, 0)
  return [
    `fanout: job ${m.jobId} (${m.target}) ${m.status}`,
    `  job        ${m.jobName} (${m.jobFile}), created ${m.createdAt}, updated ${m.updatedAt}`,
    `  atoms      ${p.atoms} (${p.atomsDone} run, ${p.atomsFailed} failed)`,
    `  molecules  ${p.molecules} (${p.moleculesDone} done, ${p.moleculesFailed} failed, ${p.molecules - p.moleculesDone - p.moleculesFailed} pending or running; ${attempts} attempts)`,
    ...(m.error ? [`  error      ${m.error}`] : []),
    ...(isResumable(m)
      ? [
          `  resume     fanout resume ${m.jobId}${m.target === 'local' ? '' : ` --target ${m.target}`}${m.status === 'cost-cap' ? ` --max-cost <more than $${m.options.maxCostUsd}>` : ''}`,
        ]
      : []),
  ]
}

function describeExecution(e: ExecutionState): string {
  return `  execution  ${e.name}: ${e.status}${e.error ? `: ${e.error}` : ''}${e.cause ? ` (${e.cause})` : ''}`
}

/**
 * `fanout status <jobId> [--target]`: the job's state from its manifest, and
 * on a cloud target its execution's. A cloud job whose plan failed before it
 * wrote a manifest is shown from its execution.
 */
export async function statusCommand(jobId: string, flags: JobFlags): Promise<number> {
  validateJobId(jobId)
  const root = resolve(flags.root)
  const { store, cloud } = await openStore(flags.target, root, flags.stackName)
  const manifest = await readManifest(store, jobId)
  const execution = cloud
    ? await importOptional('fanout status', AWS_SDK, async () => {
        const { describeExecution, latestExecutionName } = await import(
          '../../aws/client/executions.js'
        )
        return describeExecution(
          cloud.connection,
          cloud.deployed,
          latestExecutionName(jobId, manifest),
        )
      })
    : undefined
  const status = manifest ? await currentStatus(manifest, cloud) : undefined
  if (!manifest && !execution) {
    throw new UsageError(
      `no job ${jobId} on --target ${flags.target} (${store.describe(jobPrefix(jobId))} holds no manifest${cloud ? ' and no execution has that name' : ''}). Job ids belong to a target: list them with \`fanout jobs --target ${flags.target}\`.`,
    )
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ target: flags.target, status: status ?? null, resumable: manifest ? isResumable(manifest, status) : false, manifest: manifest ?? null, progress: manifest ? progressOf(manifest) : null, execution })}\n`,
    )
    return 0
  }
  const lines = manifest
    ? describeManifest({ ...manifest, status: status ?? manifest.status })
    : [`fanout: job ${jobId} (${flags.target}) has no manifest: its plan step did not write one`]
  if (execution) lines.push(describeExecution(execution))
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
