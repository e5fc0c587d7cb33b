import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FanoutError, UsageError } from '../../core/errors.js'
import { AWS_CDK, resolveOptional } from '../../runner/optionalDeps.js'
import { distEntry } from '../../runtime/packageRoot.js'
import type { CloudTarget, TargetConnection } from '../connection.js'

/** What `fanout deploy` records for later commands, in `<root>/targets/<target>.json`. */
export interface DeployedStack {
  target: CloudTarget
  stackName: string
  region: string
  endpoint: string | undefined
  bucket: string
  stateMachineArn: string
  workerFunction: string
  /** Every function's name, for `fanout logs`. */
  functions: Record<'plan' | 'worker' | 'tally' | 'reduce', string>
  deployedAt: string
  /** The worker's memory, MB (absent in records of stacks deployed before fanout recorded it). */
  workerMemoryMb?: number
  /** The worker's ephemeral storage (`/tmp`), MB. */
  workerEphemeralStorageMb?: number
  /** The user's buckets the stack may read (`-c dataBuckets=a,b`). */
  dataBuckets?: string[]
}

/**
 * The optional outputs of a stack (the worker's limits and the data buckets),
 * as a deploy record keeps them; absent outputs stay absent.
 */
export function limitsFromOutputs(
  outputs: Record<string, string | undefined>,
): Pick<DeployedStack, 'workerMemoryMb' | 'workerEphemeralStorageMb' | 'dataBuckets'> {
  const number = (key: string) => {
    const value = Number(outputs[key])
    return Number.isFinite(value) && value > 0 ? value : undefined
  }
  const memory = number('WorkerMemoryMb')
  const storage = number('WorkerEphemeralStorageMb')
  const buckets = outputs.DataBuckets
  return {
    ...(memory ? { workerMemoryMb: memory } : {}),
    ...(storage ? { workerEphemeralStorageMb: storage } : {}),
    ...(buckets !== undefined
      ? { dataBuckets: buckets === '-' ? [] : buckets.split(',').filter(Boolean) }
      : {}),
  }
}

/** Options of {@link deployStack}. */
export interface DeployOptions {
  /** fanout's working directory. */
  root: string
  /** @default 'Fanout' */
  stackName?: string
  /** Extra CDK context (`workerMemoryMb`, `workerTimeoutSeconds`, `retentionDays`). */
  context?: Record<string, string>
  /** Where the CDK CLI's output lines go. */
  log?: (line: string) => void
  signal?: AbortSignal
}

function targetFile(root: string, target: CloudTarget): string {
  return join(resolve(root), 'targets', `${target}.json`)
}

/** The deployment recorded by the last `fanout deploy --target <target>`. */
export function readDeployment(root: string, target: CloudTarget): DeployedStack {
  const file = targetFile(root, target)
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DeployedStack
  } catch {
    throw new UsageError(
      `no fanout stack is recorded for --target ${target} (${file} is missing). Run \`fanout deploy --target ${target}\` first.`,
    )
  }
}

/**
 * The CDK CLI and the app it runs: `aws-cdk` (an optional peer dependency)
 * wherever npm installed it, and fanout's compiled app `dist/infra/app.js`
 * (no TypeScript loader, no cdk.json needed). Given a `.js` file as `--app`,
 * the CDK CLI runs it with its own node, quoting the path itself.
 */
function cdkCommand(): { bin: string; app: string } {
  const bin = resolveOptional('fanout deploy', AWS_CDK, 'aws-cdk/bin/cdk')
  return { bin, app: distEntry('infra/app') }
}

/** Run the AWS CDK CLI with the target's environment, in fanout's working directory. */
function cdk(
  args: readonly string[],
  connection: TargetConnection,
  options: DeployOptions,
): Promise<void> {
  const { bin, app } = cdkCommand()
  return new Promise((resolveRun, reject) => {
    // cwd is fanout's directory, not the user's: a cdk.json of the user's own
    // project must not reach fanout's app
    const child = spawn(process.execPath, [bin, ...args, '--app', app], {
      cwd: resolve(options.root),
      env: { ...process.env, ...connection.env, CDK_DISABLE_VERSION_CHECK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    })
    let tail = ''
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      tail = (tail + text).slice(-4000)
      for (const line of text.split('\n')) if (line.trim()) options.log?.(line)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolveRun()
      else reject(new FanoutError(`cdk ${args[0]} failed (exit ${code}):\n${tail.trim()}`))
    })
  })
}

/**
 * Deploy fanout's stack to a target with the AWS CDK (bootstrap, then deploy),
 * and record its outputs in `<root>/targets/<target>.json` for `run`, `status`
 * and `logs`. Against an emulator it deploys with `--method=direct` and the
 * `emulator` context (no bootstrap-version rule), as EMULATION.md requires.
 */
export async function deployStack(
  connection: TargetConnection,
  options: DeployOptions,
): Promise<DeployedStack> {
  const root = resolve(options.root)
  const stackName = options.stackName ?? 'Fanout'
  const local = connection.target === 'localstack'
  const cdkOut = join(root, 'cdk.out')
  const outputsFile = join(root, 'targets', `${connection.target}.outputs.json`)
  mkdirSync(join(root, 'targets'), { recursive: true })
  const context: Record<string, string> = {
    stackName,
    ...(local ? { emulator: 'true' } : {}),
    ...options.context,
  }
  // the app runs in `root`: a relative directory means one under the caller's cwd
  if (context.functionsDir) context.functionsDir = resolve(context.functionsDir)
  const contextArgs = Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`])
  await cdk(['bootstrap', '--output', cdkOut, ...contextArgs], connection, options)
  await cdk(
    [
      'deploy',
      stackName,
      '--require-approval',
      'never',
      '--output',
      cdkOut,
      '--outputs-file',
      outputsFile,
      ...(local ? ['--method=direct'] : []),
      ...contextArgs,
    ],
    connection,
    options,
  )
  const outputs = (
    JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>
  )[stackName]
  const need = (key: string) => {
    const value = outputs?.[key]
    if (!value)
      throw new FanoutError(
        `the deployed stack ${stackName} has no output ${key}; redeploy with this version of fanout`,
      )
    return value
  }
  const deployed: DeployedStack = {
    target: connection.target,
    stackName,
    region: connection.region,
    endpoint: connection.endpoint,
    bucket: need('BucketName'),
    stateMachineArn: need('StateMachineArn'),
    workerFunction: need('WorkerFunctionName'),
    functions: {
      plan: need('PlanFunctionName'),
      worker: need('WorkerFunctionName'),
      tally: need('TallyFunctionName'),
      reduce: need('ReduceFunctionName'),
    },
    deployedAt: new Date().toISOString(),
    ...limitsFromOutputs(outputs ?? {}),
  }
  const file = targetFile(root, connection.target)
  writeFileSync(`${file}.tmp`, `${JSON.stringify(deployed, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
  return deployed
}
