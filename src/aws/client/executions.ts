import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn'
import type { Manifest } from '../../core/manifest.js'
import { clientConfig, type TargetConnection } from '../connection.js'
import type { DeployedStack } from './deploy.js'

/** A cloud execution's state, as Step Functions reports it. */
export interface ExecutionState {
  name: string
  status: string
  error?: string | undefined
  cause?: string | undefined
}

/** The name of a job's latest execution: the job id, or its last resume's. */
export function latestExecutionName(jobId: string, manifest: Manifest | undefined): string {
  return manifest?.executions?.at(-1) ?? jobId
}

/** The state of the execution `name` of the stack's state machine, or undefined when there is none. */
export async function describeExecution(
  connection: TargetConnection,
  deployed: DeployedStack,
  name: string,
): Promise<ExecutionState | undefined> {
  const sfn = new SFNClient(clientConfig(connection, 'sfn'))
  const executionArn = `${deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`
  try {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }))
    return { name, status: d.status ?? 'UNKNOWN', error: d.error, cause: d.cause }
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined
    return { name, status: `unknown (${(error as Error).name})` }
  } finally {
    sfn.destroy()
  }
}
