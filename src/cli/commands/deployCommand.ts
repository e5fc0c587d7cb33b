import { resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { AWS_SDK, importOptional } from '../../runner/optionalDeps.js'

/** `fanout deploy [--target localstack|aws]`: deploy the stack, record its outputs. */
export async function deployCommand(options: {
  target: string
  root: string
  stackName?: string
  context?: string[]
}): Promise<number> {
  const target = cloudTargetOf(options.target)
  const context: Record<string, string> = {}
  for (const kv of options.context ?? []) {
    const eq = kv.indexOf('=')
    if (eq <= 0)
      throw new UsageError(
        `--context ${kv}: expected key=value, e.g. --context workerMemoryMb=3008`,
      )
    context[kv.slice(0, eq)] = kv.slice(eq + 1)
  }
  const { deployStack } = await importOptional(
    'fanout deploy',
    AWS_SDK,
    () => import('../../aws/client/deploy.js'),
  )
  const { connectionFor } = await import('../../aws/connection.js')
  const connection = connectionFor(target, process.env)
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

/** A `--target` that must name a cloud target. */
export function cloudTargetOf(target: string): 'localstack' | 'aws' {
  if (target !== 'localstack' && target !== 'aws') {
    throw new UsageError(`--target must be localstack or aws; got ${JSON.stringify(target)}`)
  }
  return target
}
