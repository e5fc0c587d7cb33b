import { getEventListeners } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CloudExecutor } from '../../../../src/aws/client/CloudExecutor.js'
import type { DeployedStack } from '../../../../src/aws/client/deploy.js'
import { connectionFor } from '../../../../src/aws/connection.js'
import { ExecutionFailedError } from '../../../../src/aws/errors.js'
import { RunInterruptedError } from '../../../../src/core/errors.js'
import type { Job } from '../../../../src/core/job.js'
import { FsResultStore } from '../../../../src/store/FsResultStore.js'
import { testManifest } from '../../../helpers/manifest.js'

// The CLI side of a cloud run polls Step Functions every pollMs with the run's
// abort signal: a long job must not pile up one abort listener per poll.
// SFNClient.send is replaced by a scripted execution; no endpoint is reached.

const deployed: DeployedStack = {
  target: 'localstack',
  stackName: 'Fanout',
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:4566',
  bucket: 'fanout-bucket',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:fanout',
  workerFunction: 'fanout-worker',
  functions: { plan: 'p', worker: 'w', tally: 't', reduce: 'r' },
  deployedAt: '2026-01-01T00:00:00.000Z',
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-cloud-executor-'))
})
afterEach(async () => {
  vi.restoreAllMocks()
  await rm(dir, { recursive: true, force: true })
})

/** Step Functions answering RUNNING `polls` times, then FAILED; counts listeners on `signal` at each poll. */
function scriptedExecution(polls: number, signal: AbortSignal) {
  const listeners: number[] = []
  const commands: string[] = []
  vi.spyOn(SFNClient.prototype, 'send').mockImplementation(async (command: unknown) => {
    commands.push((command as object).constructor.name)
    if (command instanceof StartExecutionCommand) return { executionArn: 'arn:execution:j' }
    if (command instanceof StopExecutionCommand) return {}
    if (command instanceof DescribeExecutionCommand) {
      listeners.push(getEventListeners(signal, 'abort').length)
      return { status: listeners.length > polls ? 'FAILED' : 'RUNNING', error: 'TaskFailed' }
    }
    throw new Error(`unexpected command ${(command as object).constructor.name}`)
  })
  return { listeners, commands }
}

function executor(store: FsResultStore) {
  return new CloudExecutor({
    connection: connectionFor('localstack', {}),
    deployed,
    store,
    pollMs: 1,
  })
}

function plan(store: FsResultStore) {
  return {
    manifest: testManifest({ target: 'localstack', numAtoms: 4, boundaries: [0, 4], workers: 1 }),
    bundle: {
      path: join(dir, 'b.mjs'),
      sha256: 'a'.repeat(64),
      bytes: 1,
      code: new Uint8Array([1]),
    },
    job: {} as Job,
    store,
  }
}

describe('CloudExecutor polling', () => {
  it('leaves no abort listener from one poll to the next, and none after a long run', async () => {
    // Prepare
    const store = new FsResultStore(dir)
    const controller = new AbortController()
    const { listeners } = scriptedExecution(30, controller.signal)
    // Act
    const run = executor(store).run(plan(store), { signal: controller.signal })
    // Assess
    await expect(run).rejects.toThrow(ExecutionFailedError)
    expect(listeners).toHaveLength(31)
    expect(Math.max(...listeners)).toBe(0)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('still wakes from a wait and stops the execution when the signal aborts', async () => {
    // Prepare
    const store = new FsResultStore(dir)
    const controller = new AbortController()
    const { commands } = scriptedExecution(1000, controller.signal)
    // abort once the executor is waiting between polls (its wait is the signal's one listener)
    const watch = setInterval(() => {
      if (getEventListeners(controller.signal, 'abort').length === 0) return
      clearInterval(watch)
      controller.abort()
    }, 1)
    const slow = new CloudExecutor({
      connection: connectionFor('localstack', {}),
      deployed,
      store,
      pollMs: 60_000,
    })
    // Act
    const run = slow.run(plan(store), { signal: controller.signal })
    // Assess: a minute-long wait cut short; the execution stopped
    await expect(run).rejects.toThrow(RunInterruptedError)
    clearInterval(watch)
    expect(commands.filter((c) => c === 'DescribeExecutionCommand')).toHaveLength(1)
    expect(commands.at(-1)).toBe('StopExecutionCommand')
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})
