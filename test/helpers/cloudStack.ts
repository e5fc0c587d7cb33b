/**
 * An emulated cloud for a test file: fanout's emulator on a free port (with
 * injected faults when asked), the real stack deployed to it through
 * `fanout deploy`, and the stack's bucket. `stop()` stops every process it
 * started and checks that they are gone.
 */
import { join } from 'node:path'
import { readDeployment } from '../../src/aws/client/deploy.js'
import { connectionFor } from '../../src/aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../../src/aws/s3/S3ResultStore.js'
import type { ColumnTable } from '../../src/core/table.js'
import { freePort, startEmulator, stopEmulator } from '../../src/emulator/index.js'
import { resultKey } from '../../src/store/layout.js'
import { decodeTable } from '../../src/store/parquet.js'
import { makeTempDir, removeTempDir, runCli } from './cli.js'
import { isAlive } from './process.js'

export interface CloudStack {
  cwd: string
  env: Record<string, string>
  endpoint: string
  store: S3ResultStore
  /** The result table of a cloud job. */
  result(jobId: string): Promise<ColumnTable>
  stop(): Promise<void>
}

/** Start the emulator (with `faults`), deploy the stack (with CDK `context`). */
export async function startCloudStack(
  options: { faults?: string; context?: Record<string, string>; prefix?: string } = {},
): Promise<CloudStack> {
  const cwd = await makeTempDir(options.prefix ?? 'fanout-stack-')
  const stateDir = join(cwd, 'emulator')
  const port = await freePort()
  const started = await startEmulator({
    port,
    stateDir,
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
  })
  const pids = [started.gatewayPid, started.motoPid]
  const endpoint = `http://127.0.0.1:${port}`
  const env = { AWS_ENDPOINT_URL: endpoint }
  const context = Object.entries(options.context ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`])
  const deploy = await runCli(['deploy', '--target', 'localstack', ...context], {
    cwd,
    env,
    timeoutMs: 300_000,
  })
  if (deploy.code !== 0) {
    await stopEmulator({ stateDir })
    throw new Error(`deploy failed:\n${deploy.stdout}\n${deploy.stderr}`)
  }
  const deployed = readDeployment(join(cwd, '.fanout'), 'localstack')
  const store = new S3ResultStore(s3ClientFor(connectionFor('localstack', env)), deployed.bucket)
  return {
    cwd,
    env,
    endpoint,
    store,
    async result(jobId) {
      const bytes = await store.get(resultKey(jobId))
      if (!bytes) throw new Error(`job ${jobId} has no result in the bucket`)
      return (await decodeTable(bytes)).table
    },
    async stop() {
      await stopEmulator({ stateDir })
      for (const pid of pids) if (isAlive(pid)) throw new Error(`process ${pid} survived the stop`)
      await removeTempDir(cwd)
    },
  }
}
