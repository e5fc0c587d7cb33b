/**
 * Runs killed from outside, on the emulated cloud: an execution stopped
 * mid-way (StopExecution, as the console or another tool would) resumes to
 * the result of a clean run; worker processes killed from outside (SIGKILL,
 * by pid) during a run cost time, never rows.
 */

import { join } from 'node:path'
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDeployment } from '../../../src/aws/client/deploy.js'
import { clientConfig, connectionFor } from '../../../src/aws/connection.js'
import { partialsPrefix } from '../../../src/store/layout.js'
import { columnOf, fixtureJob, runCli, startCli, stopAllClis, waitFor } from '../../helpers/cli.js'
import { type CloudStack, startCloudStack } from '../../helpers/cloudStack.js'

const ATOMS = 40
const SLOW = ['run', fixtureJob('slow.ts'), '--param', `atoms=${ATOMS}`, '--param', 'ms=400']
const ARGS = [...SLOW, '--molecules', '20', '--target', 'localstack', '--no-progress', '--json']
let stack: CloudStack

beforeAll(async () => {
  stack = await startCloudStack({ prefix: 'fanout-kill-cloud-' })
}, 400_000)

afterAll(async () => {
  await stopAllClis()
  await stack?.stop()
})

/** Start a cloud run of the slow job and wait until `n` of its partials are in the bucket. */
async function runUntilPartials(jobId: string, n: number) {
  const cli = startCli([...ARGS, '--job-id', jobId], {
    cwd: stack.cwd,
    env: stack.env,
    timeoutMs: 300_000,
  })
  await waitFor(
    `${n} partials of ${jobId}`,
    async () => {
      if (cli.child.exitCode !== null) throw new Error(`the run ended early:\n${cli.stderr()}`)
      const keys = await stack.store.list(partialsPrefix(jobId))
      return keys.length >= n ? keys : undefined
    },
    120_000,
  )
  return cli
}

async function expectCleanRows(jobId: string): Promise<void> {
  const result = await stack.result(jobId)
  const atoms = Array.from({ length: ATOMS }, (_, i) => i)
  expect(columnOf(result, 'atom')).toEqual(atoms)
  expect(columnOf(result, 'twice')).toEqual(atoms.map((i) => 2 * i))
}

describe('a cloud run killed from outside', () => {
  it('resumes an execution stopped mid-way to the result of a clean run', async () => {
    // Prepare
    const cli = await runUntilPartials('stopped', 2)
    const deployed = readDeployment(join(stack.cwd, '.fanout'), 'localstack')
    const sfn = new SFNClient(clientConfig(connectionFor('localstack', stack.env), 'sfn'))
    // Act: stop the execution, as the console or another tool would
    await sfn.send(
      new StopExecutionCommand({
        executionArn: `${deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:stopped`,
        cause: 'stopped by the test',
      }),
    )
    sfn.destroy()
    const ended = await cli.done
    // Assess: the CLI says so; the job shows interrupted and resumable
    expect(ended.code).toBe(1)
    expect(ended.stderr).toContain('aborted')
    const status = await runCli(['status', 'stopped', '--target', 'localstack'], {
      cwd: stack.cwd,
      env: stack.env,
    })
    expect(status.stdout).toContain('fanout: job stopped (localstack) interrupted')
    // Act: resume
    const resumed = await runCli(
      ['resume', 'stopped', '--target', 'localstack', '--no-progress', '--json'],
      {
        cwd: stack.cwd,
        env: stack.env,
        timeoutMs: 300_000,
      },
    )
    // Assess
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', rows: ATOMS })
    await expectCleanRows('stopped')
  }, 400_000)

  it('loses no row when worker processes are killed from outside during a run', async () => {
    // Prepare
    const cli = await runUntilPartials('killed', 1)
    // Act: SIGKILL every worker process the gateway runs now, by pid
    const health = (await (await fetch(`${stack.endpoint}/_fanout/health`)).json()) as {
      functions: Record<string, { pids: number[] }>
    }
    const workers = Object.entries(health.functions)
      .filter(([name]) => /worker/i.test(name))
      .flatMap(([, f]) => f.pids)
    expect(workers.length).toBeGreaterThan(0)
    for (const pid of workers) process.kill(pid, 'SIGKILL')
    const ended = await cli.done
    // Assess
    expect(ended.code, ended.stderr).toBe(0)
    expect(JSON.parse(ended.stdout)).toMatchObject({ status: 'succeeded', rows: ATOMS })
    await expectCleanRows('killed')
  }, 400_000)
})
