import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn'
import { clientConfig, type TargetConnection } from '../connection.js'
import type { DeployedStack } from './deploy.js'

/** What a job's execution history tells about its bill. */
export interface ExecutionCounts {
  /** State transitions: every state entered (Step Functions bills one each). */
  transitions: number
  /** Tally invocations: the Tally state entered. */
  tallies: number
}

/**
 * Count the state transitions and tallies of the execution named after
 * `jobId`, from its whole history (paged). Undefined when the execution
 * does not exist.
 *
 * @example
 * ```ts
 * const counts = await executionCounts(connection, deployed, 'sweep-1')
 * ```
 */
export async function executionCounts(
  connection: TargetConnection,
  deployed: Pick<DeployedStack, 'stateMachineArn'>,
  jobId: string,
): Promise<ExecutionCounts | undefined> {
  const sfn = new SFNClient(clientConfig(connection, 'sfn'))
  const executionArn = `${deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`
  let transitions = 0
  let tallies = 0
  let nextToken: string | undefined
  try {
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      )
      for (const event of page.events ?? []) {
        if (!event.type?.endsWith('StateEntered')) continue
        transitions++
        if (event.stateEnteredEventDetails?.name === 'Tally') tallies++
      }
      nextToken = page.nextToken
    } while (nextToken)
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined
    throw error
  } finally {
    sfn.destroy()
  }
  return { transitions, tallies }
}
