import { CloudExecutor } from '../aws/client/CloudExecutor.js'
import type { DeployedStack } from '../aws/client/deploy.js'
import { findDeployment } from '../aws/client/stackLookup.js'
import { type CloudTarget, connectionFor, type TargetConnection } from '../aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../aws/s3/S3ResultStore.js'
import { sdkS3Objects } from '../aws/s3/sdkObjects.js'
import { installDataAccess } from '../core/data/access.js'
import { UsageError } from '../core/errors.js'
import { LocalDataAccess } from '../runtime/data/LocalDataAccess.js'
import type { Backend, BackendRequest } from './backends.js'
import { stageJobData } from './staging.js'
import { LAMBDA_DEFAULT_EPHEMERAL_MB } from './stagingChecks.js'

/** A cloud target's deployment, connection and S3 store over the stack's bucket. */
export interface CloudSite {
  connection: TargetConnection
  deployed: DeployedStack
  store: S3ResultStore
}

/** Connect to a cloud target: its recorded (or looked-up) stack and its bucket. */
export async function cloudSite(
  target: CloudTarget,
  root: string,
  stackName?: string,
): Promise<CloudSite> {
  const connection = connectionFor(target, process.env)
  const deployed = await findDeployment(root, connection, stackName)
  const store = new S3ResultStore(s3ClientFor(connection), deployed.bucket)
  return { connection, deployed, store }
}

/** The variable that sets the share of a worker's bill its progress reports may cost. */
export const PROGRESS_SHARE_VARIABLE = 'FANOUT_PROGRESS_SHARE'

/**
 * The cloud settings `FANOUT_PROGRESS_SHARE` gives: the share (0 to 1) of a
 * worker's compute bill its atoms-progress reports may cost (default 0.01;
 * 0 turns them off).
 *
 * @throws {@link UsageError} naming the variable when it is not a fraction from 0 to 1
 */
export function progressShareOf(env: Readonly<Record<string, string | undefined>>): {
  settings?: { progressShare: number }
} {
  const raw = env[PROGRESS_SHARE_VARIABLE]
  if (raw === undefined || raw.trim() === '') return {}
  const share = Number(raw)
  if (!(share >= 0 && share <= 1)) {
    throw new UsageError(
      `Expected ${PROGRESS_SHARE_VARIABLE} to be a fraction from 0 to 1 (0.01 is 1% of a worker's bill; 0 turns cloud atoms progress off), got ${JSON.stringify(raw)}`,
    )
  }
  return { settings: { progressShare: share } }
}

/** The cloud executor and S3 store for `localstack` or `aws`. */
export async function cloudBackend(request: BackendRequest): Promise<Backend> {
  const site = await cloudSite(request.target as CloudTarget, request.root, request.stackName)
  const executor = new CloudExecutor({
    connection: site.connection,
    deployed: site.deployed,
    store: site.store,
    ...(request.workersGiven ? { workers: request.workers } : {}),
    molecules: request.molecules,
    atomsPerMolecule: request.atomsPerMolecule,
    ...progressShareOf(process.env),
  })
  // the CLI plans the job in this process: its sources read local files, and
  // S3 data buckets with the user's own credentials
  const data = new LocalDataAccess({ s3: sdkS3Objects(site.store.client) })
  const previous = installDataAccess(data)
  return {
    target: request.target,
    executor,
    store: site.store,
    where: `on Lambda (${request.target})`,
    workerMemoryMb: site.deployed.workerMemoryMb ?? 1769,
    warmUp() {},
    async stageData(planned, options = {}) {
      const { params } = await stageJobData({
        planned,
        target: site.connection.target,
        store: site.store,
        client: site.store.client,
        bucket: site.deployed.bucket,
        prefix: site.store.prefix,
        data,
        limits: {
          memoryMb: site.deployed.workerMemoryMb ?? 1769,
          ephemeralStorageMb: site.deployed.workerEphemeralStorageMb ?? LAMBDA_DEFAULT_EPHEMERAL_MB,
        },
        dataBuckets: site.deployed.dataBuckets,
        ...options,
      })
      return params
    },
    // the job handle keeps the store's client to stream rows afterwards
    async close() {
      installDataAccess(previous)
    },
  }
}
