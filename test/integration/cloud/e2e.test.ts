/**
 * The cloud path end to end, as a user runs it: fanout's emulator, `fanout
 * deploy --target localstack` of the real stack, then `fanout run --target
 * localstack` — and one contract suite that runs the same jobs on the local
 * executor and on the emulated cloud and expects the same behaviour.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeployedStack } from '../../../src/aws/client/deploy.js'
import { readDeployment } from '../../../src/aws/client/deploy.js'
import { connectionFor } from '../../../src/aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../../../src/aws/s3/S3ResultStore.js'
import { manifestCostUsd } from '../../../src/core/cost.js'
import type { Estimate } from '../../../src/core/estimate.js'
import { decodeManifest } from '../../../src/core/manifest.js'
import { freePort, startEmulator, stopEmulator } from '../../../src/emulator/index.js'
import { listJobs, openJob, plan, run as runJob } from '../../../src/runner/index.js'
import { manifestKey, partialKey, resultKey } from '../../../src/store/layout.js'
import { decodeTable } from '../../../src/store/parquet.js'
import {
  columnOf,
  fixtureJob,
  jobDir,
  MA_CROSSOVER,
  makeTempDir,
  plainTable,
  REPO,
  readTable,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'
import { isAlive } from '../../helpers/process.js'

const SMALL = ['--param', 'bars=3000', '--param', 'side=6']
const TRIVIAL = join(REPO, 'bench', 'jobs', 'trivial.ts')
let cwd: string
let stateDir: string
let env: Record<string, string>
let deployed: DeployedStack
let store: S3ResultStore
let pids: number[] = []

beforeAll(async () => {
  cwd = await makeTempDir('fanout-e2e-')
  stateDir = join(cwd, 'emulator')
  const port = await freePort()
  const started = await startEmulator({ port, stateDir })
  pids = [started.gatewayPid, started.motoPid].filter((p): p is number => typeof p === 'number')
  env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }
  const deploy = await runCli(['deploy', '--target', 'localstack'], {
    cwd,
    env,
    timeoutMs: 300_000,
  })
  if (deploy.code !== 0) throw new Error(`deploy failed:\n${deploy.stdout}\n${deploy.stderr}`)
  deployed = readDeployment(join(cwd, '.fanout'), 'localstack')
  store = new S3ResultStore(s3ClientFor(connectionFor('localstack', env)), deployed.bucket)
}, 330_000)

afterAll(async () => {
  await stopAllClis()
  await stopEmulator({ stateDir })
  for (const pid of pids) expect(isAlive(pid)).toBe(false)
  await removeTempDir(cwd)
})

async function cloudTable(key: string) {
  const bytes = await store.get(key)
  if (!bytes) throw new Error(`missing ${key}`)
  return (await decodeTable(bytes)).table
}

describe('fanout run --target localstack', () => {
  it('runs ma-crossover on Lambda and gets the local executor result row for row', async () => {
    // Prepare
    const local = ['run', MA_CROSSOVER, ...SMALL, '--target', 'local', '--job-id', 'ma-local']
    const cloud = ['run', MA_CROSSOVER, ...SMALL, '--target', 'localstack', '--job-id', 'ma-cloud']

    // Act
    const l = await runCli([...local, '--no-progress'], { cwd, env })
    const c = await runCli([...cloud, '--no-progress', '--out', join(cwd, 'cloud.parquet')], {
      cwd,
      env,
      timeoutMs: 120_000,
    })

    // Assess
    expect(l.code).toBe(0)
    expect(c.code, c.stderr).toBe(0)
    expect(c.stdout).toContain('fanout: job ma-cloud succeeded')
    expect(c.stdout).toContain(`s3://${deployed.bucket}/jobs/ma-cloud/result.parquet (36 rows)`)
    const localTable = plainTable(await readTable(join(jobDir(cwd, 'ma-local'), 'result.parquet')))
    expect(plainTable(await readTable(join(cwd, 'cloud.parquet')))).toEqual(localTable)
    expect(plainTable(await cloudTable(resultKey('ma-cloud')))).toEqual(localTable)
    // the same best pair from the job's reduce, computed in the reduce Lambda
    const best = (out: string) => /best: \{ fast: (\d+), slow: (\d+)/.exec(out)?.slice(1)
    expect(best(c.stdout)).toEqual(best(l.stdout))
  })

  it('still has one row per atom when a molecule is delivered twice', async () => {
    // Prepare: molecule 0 of the finished job, delivered again (sync and async)
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get('jobs/ma-cloud/manifest.json')),
    ) as {
      params: unknown
      bundle: { sha256: string }
      molecules: { id: number; start: number; end: number }[]
    }
    const m0 = manifest.molecules[0] as { id: number; start: number; end: number }
    const event = {
      jobId: 'ma-cloud',
      bundleKey: `bundles/${manifest.bundle.sha256}.mjs`,
      sha256: manifest.bundle.sha256,
      params: manifest.params,
      moleculeId: m0.id,
      start: m0.start,
      end: m0.end,
      attempt: 2,
    }
    const lambda = new LambdaClient({
      endpoint: env.AWS_ENDPOINT_URL,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    const before = await store.get(partialKey('ma-cloud', 0))

    // Act
    const sync = await lambda.send(
      new InvokeCommand({
        FunctionName: deployed.functions.worker,
        Payload: JSON.stringify(event),
      }),
    )
    await lambda.send(
      new InvokeCommand({
        FunctionName: deployed.functions.worker,
        InvocationType: 'Event',
        Payload: JSON.stringify({ ...event, attempt: 3 }),
      }),
    )
    const reduce = await lambda.send(
      new InvokeCommand({
        FunctionName: deployed.functions.reduce,
        Payload: JSON.stringify({ jobId: 'ma-cloud', waitSeconds: 2 }),
      }),
    )

    // Assess
    expect(sync.FunctionError).toBeUndefined()
    expect(reduce.FunctionError).toBeUndefined()
    expect(await store.get(partialKey('ma-cloud', 0))).toEqual(before)
    const atoms = columnOf(await cloudTable(resultKey('ma-cloud')), 'atom')
    expect(atoms).toEqual(Array.from({ length: 36 }, (_, i) => i))
  })

  it('answers status and logs for a cloud job on its target, and only there', async () => {
    // Act
    const status = await runCli(['status', 'ma-cloud', '--target', 'localstack'], { cwd, env })
    const logs = await runCli(
      ['logs', 'ma-cloud', '--target', 'localstack', '--function', 'worker'],
      { cwd, env },
    )
    const local = await runCli(['status', 'ma-cloud'], { cwd, env })

    // Assess: job ids belong to a target; the default target is local
    expect(local.code).toBe(2)
    expect(local.stderr).toContain('fanout: no job ma-cloud on --target local')
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('fanout: job ma-cloud (localstack) succeeded')
    expect(status.stdout).toContain('execution  ma-cloud: SUCCEEDED')
    expect(logs.code).toBe(0)
    expect(logs.stdout).toContain('"jobId":"ma-cloud"')
    expect(logs.stdout).toContain('"message":"molecule stored"')
  })
})

describe('fanout run --max-cost on the emulated cloud', () => {
  const UNDER = fixtureJob('underestimated.ts')
  // 4 molecules of 10 atoms × 400 ms that the estimate samples at ~0 ms
  const ARGS = ['--param', 'atoms=40', '--param', 'ms=400', '--molecules', '4']
  const cloud = (args: string[]) =>
    runCli([...args, '--target', 'localstack', '--no-progress'], { cwd, env, timeoutMs: 120_000 })
  const cloudManifest = async (jobId: string) => {
    const bytes = await store.get(manifestKey(jobId))
    if (!bytes) throw new Error(`job ${jobId} has no manifest in the bucket`)
    return decodeManifest(bytes, manifestKey(jobId), jobId)
  }

  it('refuses a start whose estimate is over the cap: nothing is uploaded or started', async () => {
    // Act
    const r = await cloud(['run', UNDER, ...ARGS, '--max-cost', '0.00001', '--job-id', 'refused'])
    // Assess
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/the estimate is \$[\d.]+ to \$[\d.]+ .*over --max-cost \$0\.00001/)
    expect(await store.get(manifestKey('refused'))).toBeUndefined()
  })

  it('stops dispatching at the cap when atoms are slower than sampled, and resumes to the full result', async () => {
    // Prepare: a cap just over the estimate's upper bound, so the start is allowed; the real
    // molecules cost ~4× the estimate's share, and Lambda cannot stop a running one: the plan
    // puts half of what the cap leaves in flight (2 molecules), and the tally sees them end
    const planned = await cloud(['plan', UNDER, ...ARGS, '--json'])
    expect(planned.code, planned.stderr).toBe(0)
    const estimate = (JSON.parse(planned.stdout) as { estimate: Estimate }).estimate
    const cap = Number((estimate.usd.high * 1.05).toPrecision(3))

    // Act
    const r = await cloud(['run', UNDER, ...ARGS, '--max-cost', String(cap), '--job-id', 'capped'])

    // Assess: the molecules that started finished (Lambda runs them out), nothing else started
    expect(r.code, r.stderr).toBe(75)
    expect(r.stderr).toContain('job capped stopped at its cost cap')
    expect(r.stderr).toContain('fanout resume capped --target localstack --max-cost')
    const stopped = await cloudManifest('capped')
    expect(stopped.status).toBe('cost-cap')
    const done = stopped.molecules.filter((m) => m.status === 'done')
    // one wave of half the budget at the estimate's price: 2 molecules, and none after them, as
    // the measured price (~4× the estimate) leaves no room; the bill passes the cap by what those
    // two cost over the estimate (a running Lambda is not stopped; the README says so)
    expect(done.length).toBe(2)
    expect(stopped.molecules.filter((m) => m.attempts.length > 0)).toEqual(done)
    const reserved = stopped.options.reservedUsd ?? 0
    expect(reserved).toBeGreaterThan(0)
    expect(manifestCostUsd(stopped) + reserved).toBeLessThan(cap + 2 * (cap - reserved))
    expect(await store.get(resultKey('capped'))).toBeUndefined()
    const status = await runCli(['status', 'capped', '--target', 'localstack'], { cwd, env })
    expect(status.stdout).toContain(
      `fanout resume capped --target localstack --max-cost <more than $${cap}>`,
    )

    // Act: a higher cap completes it
    const resumed = await cloud(['resume', 'capped', '--max-cost', '1', '--json'])

    // Assess
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', rows: 40 })
    const squared = columnOf(await cloudTable(resultKey('capped')), 'squared')
    expect(squared).toEqual(Array.from({ length: 40 }, (_, i) => i * i))
  }, 240_000)
})

describe('progress on --target localstack', () => {
  it('counts atoms while the molecule runs on Lambda, through the tally, with the cost so far', async () => {
    // Prepare: one molecule of 12 atoms of 500 ms; reports as often as allowed (every 2 s)
    const args = ['run', fixtureJob('slow.ts'), '--param', 'atoms=12', '--param', 'ms=500']

    // Act
    const r = await runCli(
      [
        ...args,
        '--molecules',
        '1',
        '--no-estimate',
        '--target',
        'localstack',
        '--job-id',
        'progress-cloud',
      ],
      { cwd, env: { ...env, FANOUT_PROGRESS_SHARE: '1' }, timeoutMs: 120_000 },
    )

    // Assess: phases in order; a count of atoms run with the molecule still running; cost so far
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stderr.split('\n').filter((l) => l !== '')
    const phases = lines
      .map(
        (l) =>
          /^(bundling|planning|estimating|staging|dispatching|running|reducing)\b/.exec(l)?.[1],
      )
      .filter((p) => p !== undefined)
    expect(phases).toEqual([
      'bundling',
      'planning',
      'staging',
      'dispatching',
      'running',
      'reducing',
    ])
    expect(lines).toContain('dispatching: 1 molecules of 12 atoms (--molecules)')
    const midway = lines.filter((l) =>
      /^\d+\.\d% done: ([1-9]|1[01])\/12 atoms, 0\/1 molecules/.test(l),
    )
    expect(midway.length, r.stderr).toBeGreaterThan(0)
    expect(midway[0]).toMatch(/, \$[0-9.e-]+ so far$/)
    expect(
      lines.filter((l) => l.startsWith('100.0% done: 12/12 atoms, 1/1 molecules')),
    ).toHaveLength(1)
  })

  it("cuts the estimate's balanced suggestion when no flag gives a count, and says so", async () => {
    // Act
    const r = await runCli(
      [
        'run',
        TRIVIAL,
        '--param',
        'atoms=2000',
        '--target',
        'localstack',
        '--job-id',
        'suggested-cut',
        '--json',
      ],
      { cwd, env, timeoutMs: 120_000 },
    )

    // Assess
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as { molecules: number; atoms: number }
    expect(r.stderr).toContain(
      `dispatching: ${summary.molecules} molecules of ${summary.atoms} atoms (the estimate's balanced suggestion; give --molecules to choose)`,
    )
    expect(r.stderr).toMatch(
      new RegExp(`estimate on Lambda \\(arm64, 1769 MB, ${summary.molecules} molecules\\)`),
    )
  })
})

describe.each(['local', 'localstack'])('the executor contract on --target %s', (target) => {
  const run = (args: string[], jobId: string) =>
    runCli(
      [
        'run',
        ...args,
        '--target',
        target,
        '--job-id',
        `${jobId}-${target}`,
        '--no-progress',
        '--json',
      ],
      {
        cwd,
        env,
        timeoutMs: 120_000,
      },
    )

  it('runs every atom once, in atom order, and exits 0', async () => {
    // Act
    const r = await run([TRIVIAL, '--param', 'atoms=50', '--molecules', '5'], 'ok')

    // Assess
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string)
    expect(summary).toMatchObject({
      status: 'succeeded',
      atoms: 50,
      atomsFailed: 0,
      rows: 50,
      molecules: 5,
    })
  })

  it('records atoms that throw and exits 1 naming the errors table', async () => {
    // Act
    const r = await run([fixtureJob('failing-atoms.ts')], 'fail')

    // Assess
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/fanout: 3 of 20 atoms failed; the errors table is .*errors\.parquet/)
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string)
    expect(summary).toMatchObject({
      status: 'failed',
      atoms: 20,
      atomsOk: 17,
      atomsFailed: 3,
      rows: 17,
    })
  })

  it('rejects params that fail the schema with exit 2 before anything runs', async () => {
    // Act
    const r = await run([MA_CROSSOVER, '--param', 'bars=1'], 'bad')

    // Assess
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("the job's params do not validate")
    expect(r.stdout).toBe('')
  })
})

describe.each(['local', 'localstack'] as const)('fanout/runner on --target %s', (target) => {
  // the API reads the endpoint from the environment, as the CLI does
  let saved: string | undefined
  beforeAll(() => {
    saved = process.env.AWS_ENDPOINT_URL
    process.env.AWS_ENDPOINT_URL = env.AWS_ENDPOINT_URL
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL
    else process.env.AWS_ENDPOINT_URL = saved
  })
  const root = () => join(cwd, '.fanout')

  it('run, plan, openJob and listJobs give the same answers as on any target', async () => {
    // Act
    const p = await plan(pathToFileURL(fixtureJob('squares.ts')), {
      target,
      root: root(),
      params: { atoms: 24 },
      molecules: 4,
    })
    const job = await runJob<{ square: number }>(pathToFileURL(fixtureJob('squares.ts')), {
      target,
      root: root(),
      params: { atoms: 24, failEvery: 10 },
      molecules: 4,
      jobId: `api-${target}`,
    })
    const again = await openJob(`api-${target}`, { target, root: root() })
    const listed = await listJobs({ target, root: root() })

    // Assess
    expect(p).toMatchObject({ atoms: 24, molecules: 4, boundaries: [0, 6, 12, 18, 24] })
    expect(job.target).toBe(target)
    expect(job.status).toBe('failed')
    const rows: number[] = []
    for await (const row of again.rows()) rows.push(row.atom)
    expect(rows).toEqual(Array.from({ length: 24 }, (_, i) => i).filter((i) => i % 10 !== 0))
    const errors: number[] = []
    for await (const e of again.errors()) errors.push(e.atom)
    expect(errors).toEqual([0, 10, 20])
    expect(again.summary).toEqual({ rows: 21, sum: 3824, bigSum: '2460' })
    expect(listed.find((j) => j.id === `api-${target}`)).toMatchObject({
      target,
      status: 'failed',
      atoms: 24,
      atomsFailed: 3,
    })
    const csv = await again.write(join(cwd, `api-${target}.csv`))
    expect(csv.endsWith(`api-${target}.csv`)).toBe(true)
  })
})
