import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { type CloudTarget, clientConfig, type TargetConnection } from '../connection.js'
import { type DeployedStack, limitsFromOutputs } from './deploy.js'

/** The stack outputs fanout reads, by the names the stack gives them. */
const OUTPUTS = {
  bucket: 'BucketName',
  stateMachineArn: 'StateMachineArn',
  worker: 'WorkerFunctionName',
  plan: 'PlanFunctionName',
  tally: 'TallyFunctionName',
  reduce: 'ReduceFunctionName',
} as const

/** `<root>/targets/<target>.json`: what `fanout deploy` recorded. */
export function deploymentFile(root: string, target: CloudTarget): string {
  return join(resolve(root), 'targets', `${target}.json`)
}

/** The deployment recorded for `target` under `root`, if any. */
export function recordedDeployment(root: string, target: CloudTarget): DeployedStack | undefined {
  const file = deploymentFile(root, target)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DeployedStack
  } catch {
    return undefined
  }
}

/** Record a deployment for later commands (atomically). */
export function recordDeployment(root: string, deployed: DeployedStack): string {
  const file = deploymentFile(root, deployed.target)
  mkdirSync(join(resolve(root), 'targets'), { recursive: true })
  writeFileSync(`${file}.tmp-${process.pid}`, `${JSON.stringify(deployed, null, 2)}\n`)
  renameSync(`${file}.tmp-${process.pid}`, file)
  return file
}

/**
 * A deployment from a stack's CloudFormation outputs.
 *
 * @throws {@link UsageError} naming the output the stack lacks
 */
export function deploymentFromOutputs(
  connection: TargetConnection,
  stackName: string,
  outputs: Record<string, string | undefined>,
): DeployedStack {
  const need = (key: string) => {
    const value = outputs[key]
    if (!value) {
      throw new UsageError(
        `the stack ${stackName} has no output ${key}: it is not a fanout stack of this version; redeploy it with \`fanout deploy --target ${connection.target} --stack-name ${stackName}\``,
      )
    }
    return value
  }
  return {
    target: connection.target,
    stackName,
    region: connection.region,
    endpoint: connection.endpoint,
    bucket: need(OUTPUTS.bucket),
    stateMachineArn: need(OUTPUTS.stateMachineArn),
    workerFunction: need(OUTPUTS.worker),
    functions: {
      plan: need(OUTPUTS.plan),
      worker: need(OUTPUTS.worker),
      tally: need(OUTPUTS.tally),
      reduce: need(OUTPUTS.reduce),
    },
    deployedAt: new Date().toISOString(),
    ...limitsFromOutputs(outputs),
  }
}

/**
 * The fanout stack of a cloud target: the deploy record under `root`, or,
 * when this directory has none (another checkout, another machine), the
 * stack found by its name (`requested`, default `Fanout`) through
 * CloudFormation's outputs, recorded for next time.
 *
 * @throws {@link UsageError} when neither exists, naming the deploy command
 */
export async function findDeployment(
  root: string,
  connection: TargetConnection,
  requested?: string,
): Promise<DeployedStack> {
  const recorded = recordedDeployment(root, connection.target)
  if (recorded && (requested === undefined || recorded.stackName === requested)) return recorded
  const stackName = requested ?? 'Fanout'
  const { CloudFormationClient, DescribeStacksCommand } = await import(
    '@aws-sdk/client-cloudformation'
  )
  const cfn = new CloudFormationClient({
    ...clientConfig(connection, 'cloudformation'),
    maxAttempts: 3,
  })
  let outputs: Record<string, string | undefined>
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }))
    const stack = out.Stacks?.[0]
    outputs = Object.fromEntries(
      (stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue]),
    )
  } catch (error) {
    const where = connection.endpoint ? ` at ${connection.endpoint}` : ` in ${connection.region}`
    const missing = /does not exist/i.test((error as Error).message ?? '')
    throw new UsageError(
      missing
        ? `no fanout stack ${stackName} on --target ${connection.target}${where}, and ${deploymentFile(root, connection.target)} is missing: run \`fanout deploy --target ${connection.target}\` first`
        : `cannot look up the fanout stack ${stackName} on --target ${connection.target}${where}: ${(error as Error).message}. Check the endpoint and credentials, or run \`fanout deploy --target ${connection.target}\`.`,
      { cause: error },
    )
  } finally {
    cfn.destroy()
  }
  const deployed = deploymentFromOutputs(connection, stackName, outputs)
  recordDeployment(root, deployed)
  return deployed
}
