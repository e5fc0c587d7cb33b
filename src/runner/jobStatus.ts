import { hostname } from 'node:os'
import type { JobStatus, Manifest } from '../core/manifest.js'
import { effectiveStatus } from '../core/schedule.js'
import type { CloudSite } from './cloudBackend.js'
import { isAlive } from './liveness.js'

/**
 * The status to show for a job, never `running` forever: a local job whose
 * CLI is gone (its pid dead here, or no heartbeat for a minute) is
 * `interrupted`; a cloud job whose latest execution ended without its
 * manifest saying so is `interrupted` (stopped, timed out) or `failed`.
 */
export async function currentStatus(manifest: Manifest, cloud?: CloudSite): Promise<JobStatus> {
  const local = effectiveStatus(manifest, { now: Date.now(), host: hostname(), isAlive })
  if (!cloud || (local !== 'running' && local !== 'planned')) return local
  const { describeExecution, latestExecutionName } = await import('../aws/client/executions.js')
  const execution = await describeExecution(
    cloud.connection,
    cloud.deployed,
    latestExecutionName(manifest.jobId, manifest),
  )
  if (!execution || execution.status === 'RUNNING' || execution.status.startsWith('unknown')) {
    return local
  }
  return execution.status === 'FAILED' ? 'failed' : 'interrupted'
}
