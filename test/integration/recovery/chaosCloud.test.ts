/**
 * Chaos on the emulated cloud: the gateway injects 20% crashes, 5% hangs,
 * 5% throttles and 5% S3 failures at the Lambda and S3 boundary
 * (FANOUT_FAULTS of the emulator; the deployed functions never read it). A
 * sweep completes and equals a clean local run row for row; with no retries
 * it fails listing the missing atoms, and `fanout resume` completes it.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DispatchRecord } from '../../../src/contracts/records.js'
import { dispatchKey } from '../../../src/store/layout.js'
import {
  columnOf,
  fixtureJob,
  jobDir,
  plainTable,
  readTable,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'
import { type CloudStack, startCloudStack } from '../../helpers/cloudStack.js'

// seed 15 gives jobs chaos, chaos-1 and chaos-2 every kind of fault in their first attempts
const FAULTS = 'crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=15'
const JOB = fixtureJob('chaos.ts')
const ATOMS = 120
const COMMON = ['--param', `atoms=${ATOMS}`, '--molecules', '24', '--no-progress', '--json']
let stack: CloudStack
let clean: ReturnType<typeof plainTable>

beforeAll(async () => {
  // hung workers are ended by the function's own timeout, as on Lambda
  stack = await startCloudStack({
    faults: FAULTS,
    context: { workerTimeoutSeconds: '8' },
    prefix: 'fanout-chaos-cloud-',
  })
  const local = await runCli(['run', JOB, ...COMMON, '--job-id', 'clean'], { cwd: stack.cwd })
  if (local.code !== 0) throw new Error(local.stderr)
  clean = plainTable(await readTable(join(jobDir(stack.cwd, 'clean'), 'result.parquet')))
}, 400_000)

afterAll(async () => {
  await stopAllClis()
  await stack?.stop()
})

const cloud = (args: string[]) =>
  runCli([...args, '--target', 'localstack'], {
    cwd: stack.cwd,
    env: stack.env,
    timeoutMs: 300_000,
  })

describe('chaos on the emulated cloud', () => {
  it('completes and equals a clean run row for row: no row lost, none doubled', async () => {
    const r = await cloud(['run', JOB, ...COMMON, '--job-id', 'chaos', '--timeout', '8s'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', rows: ATOMS })
    expect(plainTable(await stack.result('chaos'))).toEqual(clean)
    // the faults happened: throttled invokes were retried by the dispatch, S3 writes failed
    const dispatch = JSON.parse(
      new TextDecoder().decode(await stack.store.get(dispatchKey('chaos'))),
    ) as DispatchRecord
    expect(dispatch.retries).toBeGreaterThan(0)
    const logs = await cloud(['logs', 'chaos', '--function', 'worker'])
    expect(logs.stdout).toContain('SlowDown')
  }, 320_000)

  it('fails with the missing atoms listed when the retries run out, and resume completes it', async () => {
    // Act
    const tight = await cloud([
      'run',
      JOB,
      ...COMMON,
      '--job-id',
      'tight-1',
      '--retries',
      '0',
      // a backup copy of a stuck molecule would rescue it: this test is about retries running out
      '--no-speculate',
      '--timeout',
      '8s',
    ])
    // Assess: molecules 11 and 19 meet a fault in all three executions Lambda gives them (seed 15)
    expect(tight.code).toBe(1)
    const summary = JSON.parse(tight.stdout) as {
      atomsFailed: number
      rows: number
      status: string
    }
    expect(summary.status).toBe('failed')
    expect(summary.atomsFailed).toBeGreaterThan(0)
    expect(summary.rows).toBe(ATOMS - summary.atomsFailed)
    expect(tight.stderr).toContain(`fanout: ${summary.atomsFailed} of ${ATOMS} atoms failed`)
    const status = await cloud(['status', 'tight-1'])
    expect(status.stdout).toContain('resume     fanout resume tight-1 --target localstack')

    // Act: resume, with a budget for the faults that are still injected
    const resumed = await cloud(['resume', 'tight-1', '--retries', '6', '--no-progress', '--json'])

    // Assess
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', rows: ATOMS })
    const result = plainTable(await stack.result('tight-1'))
    expect(result).toEqual(clean)
    expect(columnOf(await stack.result('tight-1'), 'atom')).toHaveLength(ATOMS)
  }, 600_000)
})
