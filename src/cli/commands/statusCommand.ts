import { resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import type { Manifest } from '../../core/manifest.js'
import { progressOf } from '../../core/schedule.js'
import { openStore } from '../../runner/backends.js'
import type { CloudSite } from '../../runner/cloudBackend.js'
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

/** A cloud execution's state, as Step Functions reports it. */
export interface ExecutionState {
  status: string
  error?: string | undefined
  cause?: string | undefined
}

/** The state of the execution named after a job, or undefined when there is none. */
export async function executionOf(
  site: CloudSite,
  jobId: string,
): Promise<ExecutionState | undefined> {
  const { SFNClient, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn')
  const { clientConfig } = await import('../../aws/connection.js')
  const sfn = new SFNClient(clientConfig(site.connection, 'sfn'))
  const executionArn = `${site.deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`
  try {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }))
    return { status: d.status ?? 'UNKNOWN', error: d.error, cause: d.cause }
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined
    return { status: `unknown (${(error as Error).name})` }
  } finally {
    sfn.destroy()
  }
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
  ]
}

function describeExecution(e: ExecutionState): string {
  return `  execution  ${e.status}${e.error ? `: ${e.error}` : ''}${e.cause ? ` (${e.cause})` : ''}`
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
    ? await importOptional('fanout status', AWS_SDK, () => executionOf(cloud, jobId))
    : undefined
  if (!manifest && !execution) {
    throw new UsageError(
      `no job ${jobId} on --target ${flags.target} (${store.describe(jobPrefix(jobId))} holds no manifest${cloud ? ' and no execution has that name' : ''}). Job ids belong to a target: list them with \`fanout jobs --target ${flags.target}\`.`,
    )
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ target: flags.target, manifest: manifest ?? null, progress: manifest ? progressOf(manifest) : null, execution })}\n`,
    )
    return 0
  }
  const lines = manifest
    ? describeManifest(manifest)
    : [`fanout: job ${jobId} (${flags.target}) has no manifest: its plan step did not write one`]
  if (execution) lines.push(describeExecution(execution))
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
