import { resolve } from 'node:path'
import { type DeployedStack, deployStack, readDeployment } from '../../aws/client/deploy.js'
import { type CloudTarget, clientConfig, connectionFor } from '../../aws/connection.js'
import { UsageError } from '../../core/errors.js'
import type { Manifest } from '../../core/manifest.js'
import { progressOf } from '../../core/schedule.js'
import { readManifest } from '../../executors/local/LocalExecutor.js'
import { FsResultStore } from '../../store/FsResultStore.js'
import { validateJobId } from '../../store/layout.js'

const FUNCTIONS = ['plan', 'worker', 'tally', 'reduce'] as const

function cloudTarget(target: string): CloudTarget {
  if (target !== 'localstack' && target !== 'aws') {
    throw new UsageError(`--target must be localstack or aws; got ${JSON.stringify(target)}`)
  }
  return target
}

/** `fanout deploy [--target localstack|aws]`: deploy the stack, record its outputs. */
export async function deployCommand(options: {
  target: string
  root: string
  stackName?: string
  context?: string[]
}): Promise<number> {
  const target = cloudTarget(options.target)
  const connection = connectionFor(target, process.env)
  const context: Record<string, string> = {}
  for (const kv of options.context ?? []) {
    const eq = kv.indexOf('=')
    if (eq <= 0)
      throw new UsageError(
        `--context ${kv}: expected key=value, e.g. --context workerMemoryMb=3008`,
      )
    context[kv.slice(0, eq)] = kv.slice(eq + 1)
  }
  process.stderr.write(
    `fanout: deploying stack ${options.stackName ?? 'Fanout'} to ${target}${connection.endpoint ? ` at ${connection.endpoint}` : ''}\n`,
  )
  const deployed = await deployStack(connection, {
    root: options.root,
    ...(options.stackName ? { stackName: options.stackName } : {}),
    context,
    log: (line) => process.stderr.write(`  cdk | ${line}\n`),
  })
  process.stdout.write(
    [
      `fanout: stack ${deployed.stackName} deployed to ${target}`,
      `  bucket         ${deployed.bucket}`,
      `  state machine  ${deployed.stateMachineArn}`,
      `  worker         ${deployed.workerFunction}`,
      `  recorded in    ${resolve(options.root, 'targets', `${target}.json`)}`,
    ].join('\n') + '\n',
  )
  return 0
}

/** Where a job lives: the local store, or a deployed target's bucket. */
async function findJob(jobId: string, root: string, target: string | undefined) {
  validateJobId(jobId)
  if (!target || target === 'local') {
    const manifest = await readManifest(new FsResultStore(resolve(root)), jobId)
    if (manifest) return { target: 'local' as const, manifest }
    if (target === 'local')
      throw new UsageError(`no local job ${jobId} under ${resolve(root, 'jobs')}`)
  }
  const targets: CloudTarget[] = target ? [cloudTarget(target)] : ['localstack', 'aws']
  for (const t of targets) {
    let deployed: DeployedStack
    try {
      deployed = readDeployment(root, t)
    } catch {
      continue
    }
    const connection = connectionFor(t, process.env)
    const { S3ResultStore, s3ClientFor } = await import('../../aws/s3/S3ResultStore.js')
    const { readCloudManifest } = await import('../../aws/client/CloudExecutor.js')
    const store = new S3ResultStore(s3ClientFor(connection), deployed.bucket)
    const manifest = await readCloudManifest(store, jobId)
    if (manifest) return { target: t, manifest, deployed, connection }
  }
  throw new UsageError(
    `no job ${jobId} found (looked in ${target ? `--target ${target}` : 'the local store and every deployed target'}). Check the id: \`ls ${resolve(root, 'jobs')}\`.`,
  )
}

function describeManifest(m: Manifest): string[] {
  const p = progressOf(m)
  const attempts = m.molecules.reduce((n, x) => n + x.attempts.length, 0)
  return [
    `fanout: job ${m.jobId} (${m.target}) ${m.status}`,
    `  job        ${m.jobName} (${m.jobFile}), created ${m.createdAt}, updated ${m.updatedAt}`,
    `  atoms      ${p.atoms} (${p.atomsDone} run, ${p.atomsFailed} failed)`,
    `  molecules  ${p.molecules} (${p.moleculesDone} done, ${p.moleculesFailed} failed, ${p.molecules - p.moleculesDone - p.moleculesFailed} pending or running; ${attempts} attempts)`,
  ]
}

/** `fanout status <jobId>`: the job's state from its manifest (and its execution, on the cloud). */
export async function statusCommand(
  jobId: string,
  options: { root: string; target?: string; json?: boolean },
) {
  const found = await findJob(jobId, options.root, options.target)
  let execution: { status?: string; error?: string; cause?: string } | undefined
  if (found.target !== 'local' && 'deployed' in found && found.deployed && found.connection) {
    const { SFNClient, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn')
    const sfn = new SFNClient(clientConfig(found.connection, 'sfn'))
    const executionArn = `${found.deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`
    try {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }))
      execution = { status: d.status, error: d.error, cause: d.cause }
    } catch (error) {
      execution = { status: `unknown (${(error as Error).name})` }
    }
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ target: found.target, manifest: found.manifest, progress: progressOf(found.manifest), execution })}\n`,
    )
    return 0
  }
  const lines = describeManifest(found.manifest)
  if (execution) {
    lines.push(
      `  execution  ${execution.status}${execution.error ? `: ${execution.error}` : ''}${execution.cause ? ` (${execution.cause})` : ''}`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}

/** `fanout logs <jobId>`: the log lines of every function that carry the job id. */
export async function logsCommand(
  jobId: string,
  options: { root: string; target?: string; function?: string; limit?: number },
): Promise<number> {
  const found = await findJob(jobId, options.root, options.target)
  if (found.target === 'local' || !('deployed' in found) || !found.deployed || !found.connection) {
    throw new UsageError(
      `job ${jobId} ran locally: its errors are in ${resolve(options.root, 'jobs', jobId, 'errors.parquet')} and its timings in stats.json; \`fanout logs\` reads cloud function logs.`,
    )
  }
  const names = options.function ? [options.function as (typeof FUNCTIONS)[number]] : [...FUNCTIONS]
  for (const n of names) {
    if (!FUNCTIONS.includes(n))
      throw new UsageError(
        `--function must be one of ${FUNCTIONS.join(', ')}; got ${JSON.stringify(n)}`,
      )
  }
  const since = Date.parse(found.manifest.createdAt) - 60_000
  const events: { fn: string; timestamp: number; message: string }[] = []
  for (const fn of names) {
    const functionName = found.deployed.functions[fn]
    for (const e of await readLogs(found.connection, functionName, jobId, since))
      events.push({ fn, ...e })
  }
  events.sort((a, b) => a.timestamp - b.timestamp)
  const shown = options.limit ? events.slice(-options.limit) : events
  for (const e of shown) {
    process.stdout.write(
      `${new Date(e.timestamp).toISOString()} ${e.fn.padEnd(6)} ${e.message.trimEnd()}\n`,
    )
  }
  if (shown.length === 0) process.stderr.write(`fanout: no log lines mention job ${jobId}\n`)
  return 0
}

/**
 * Log events of one function that contain `jobId`: from fanout's emulator
 * (its `/_fanout/logs` route) when the endpoint is one, else CloudWatch Logs.
 */
async function readLogs(
  connection: ReturnType<typeof connectionFor>,
  functionName: string,
  jobId: string,
  since: number,
): Promise<{ timestamp: number; message: string }[]> {
  if (connection.endpoint) {
    const url = `${connection.endpoint}/_fanout/logs/${encodeURIComponent(functionName)}?contains=${encodeURIComponent(jobId)}&since=${since}`
    try {
      const res = await fetch(url)
      if (res.ok)
        return ((await res.json()) as { events: { timestamp: number; message: string }[] }).events
    } catch {
      // not fanout's emulator (real LocalStack): read CloudWatch Logs below
    }
  }
  const { CloudWatchLogsClient, FilterLogEventsCommand } = await import(
    '@aws-sdk/client-cloudwatch-logs'
  )
  const logs = new CloudWatchLogsClient(clientConfig(connection, 'logs'))
  const out: { timestamp: number; message: string }[] = []
  let nextToken: string | undefined
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: `/aws/lambda/${functionName}`,
        filterPattern: `"${jobId}"`,
        startTime: since,
        nextToken,
      }),
    )
    for (const e of page.events ?? [])
      out.push({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })
    nextToken = page.nextToken
  } while (nextToken)
  return out
}

/** `fanout emulator start|stop|status`. */
export async function emulatorCommand(
  action: string,
  options: { port?: number; stateDir?: string },
): Promise<number> {
  const { startEmulator, stopEmulator, emulatorStatus, DEFAULT_STATE_DIR } = await import(
    '../../emulator/index.js'
  )
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR
  if (action === 'start') {
    const r = await startEmulator({ stateDir, ...(options.port ? { port: options.port } : {}) })
    process.stdout.write(`${r.message}\n`)
    return 0
  }
  if (action === 'stop') {
    const r = await stopEmulator({ stateDir })
    process.stdout.write(`${r.message}\n`)
    return 0
  }
  if (action === 'status') {
    const s = await emulatorStatus({ stateDir })
    process.stdout.write(`${s.message}\n`)
    return s.running ? 0 : 3
  }
  throw new UsageError(`fanout emulator takes start, stop or status; got ${JSON.stringify(action)}`)
}
