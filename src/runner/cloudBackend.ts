import { CloudExecutor } from '../aws/client/CloudExecutor.js'
import { readDeployment } from '../aws/client/deploy.js'
import { type CloudTarget, connectionFor } from '../aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../aws/s3/S3ResultStore.js'
import type { RunOptions } from '../cli/flags.js'

/** The cloud executor and S3 store for `--target localstack|aws`, from the recorded deployment. */
export function cloudBackend(options: RunOptions, root: string) {
  const target = options.target as CloudTarget
  const deployed = readDeployment(root, target)
  const connection = connectionFor(target, process.env)
  const store = new S3ResultStore(s3ClientFor(connection), deployed.bucket)
  const executor = new CloudExecutor({
    connection,
    deployed,
    store,
    workers: options.workers,
    molecules: options.molecules,
    atomsPerMolecule: options.atomsPerMolecule,
  })
  return { executor, store, warmUp() {}, async close() {} }
}
