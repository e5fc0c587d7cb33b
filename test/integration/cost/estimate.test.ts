/**
 * The cost estimate as a user meets it: `fanout plan --target aws` (no AWS
 * needed: atoms are timed here), its flags and their errors, `plan()` in
 * `fanout/runner`, and `fanout run --estimate` locally, whose summary shows
 * what the run would have cost on Lambda beside the prediction.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { plan } from '../../../src/runner/index.js'
import {
  fixtureJob,
  makeTempDir,
  REPO,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

const SQUARES = fixtureJob('squares.ts')
const UNIFORM = join(REPO, 'bench', 'jobs', 'costUniform.ts')

interface Range {
  low: number
  mid: number
  high: number
}

describe.concurrent('the cost estimate', () => {
  afterAll(async () => {
    await stopAllClis()
  })

  it('fanout plan --target aws prints the estimate with its range and the suggested configurations', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const cwd = await makeTempDir()
    onTestFinished(() => removeTempDir(cwd))
    const args = [
      'plan',
      UNIFORM,
      '--param',
      'atoms=200',
      '--param',
      'iterations=20000',
      '--target',
      'aws',
    ]

    // Act
    const text = await runCli([...args, '--memory', '1024', '--molecules', '8'], { cwd })
    const json = await runCli([...args, '--memory', '1024', '--molecules', '8', '--json'], { cwd })

    // Assess
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(
      /estimate on Lambda: arm64, 1024 MB, 8 molecules, concurrency 1000; us-east-1 list prices of \d{4}-\d{2}-\d{2}/,
    )
    expect(text.stdout).toMatch(/sampled {4}32 atoms spread over the range × \d passes/)
    expect(text.stdout).toMatch(/ {2}cost {7}\$[\d.]+ \(\$[\d.]+ – \$[\d.]+\)/)
    for (const row of ['as planned', 'cheapest', 'fastest', 'balanced'])
      expect(text.stdout).toContain(row)
    expect(json.code, json.stderr).toBe(0)
    const e = JSON.parse(json.stdout).estimate as {
      memoryMb: number
      molecules: number
      usd: Range
      workers: { gbSeconds: Range }
      requests: { invocations: Range }
      suggestions: { strategy: string; memoryMb: number; molecules: number }[]
      sample: { points: number; atomMs: number }
    }
    expect(e).toMatchObject({ memoryMb: 1024, molecules: 8 })
    expect(e.usd.low).toBeGreaterThan(0)
    expect(e.usd.low).toBeLessThanOrEqual(e.usd.mid)
    expect(e.usd.mid).toBeLessThanOrEqual(e.usd.high)
    // 8 workers + plan + reduce + at least one tally
    expect(e.requests.invocations.low).toBeGreaterThanOrEqual(11)
    expect(e.sample.points).toBe(32)
    // 200 atoms of about the same cost, at 1024 MB: each runs 1769/1024 times as long as here
    const atomSeconds = (200 * e.sample.atomMs * (1769 / 1024)) / 1000
    expect(e.workers.gbSeconds.mid).toBeGreaterThan(atomSeconds * 0.5)
    expect(e.suggestions.map((s) => s.strategy)).toEqual(['planned', 'cost', 'speed', 'balanced'])
  })

  it('prices with a prices file, and refuses a bad one or a bad flag with one line and exit 2', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const cwd = await makeTempDir()
    onTestFinished(() => removeTempDir(cwd))
    const dear = join(cwd, 'dear.json')
    writeFileSync(
      dear,
      JSON.stringify({
        asOf: '2026-12-01',
        source: 'test',
        stepFunctions: { per1000TransitionsUsd: 25 },
      }),
    )
    const typo = join(cwd, 'typo.json')
    writeFileSync(
      typo,
      JSON.stringify({ asOf: '2026-12-01', source: 'test', s3: { perPutUsd: 1 } }),
    )
    const base = ['plan', SQUARES, '--target', 'aws', '--json', '--sample', '8']

    // Act
    const cheap = await runCli(base, { cwd })
    const costly = await runCli([...base, '--prices', dear], { cwd })
    const bad = await runCli([...base, '--prices', typo], { cwd })
    const missing = await runCli([...base, '--prices', join(cwd, 'nope.json')], { cwd })
    const memory = await runCli([...base, '--memory', '100'], { cwd })
    const region = await runCli([...base, '--region', 'ap-east-1'], { cwd })

    // Assess: 1000 times the transition price
    const usd = (r: { stdout: string }) => (JSON.parse(r.stdout).estimate as { usd: Range }).usd.mid
    expect(costly.code, costly.stderr).toBe(0)
    expect(usd(costly)).toBeGreaterThan(100 * usd(cheap))
    for (const r of [bad, missing, memory, region]) {
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
    expect(bad.stderr).toContain(
      `prices file ${typo}: unknown key perUsd`.replace('perUsd', 'perPutUsd in s3'),
    )
    expect(missing.stderr).toContain('cannot be read')
    expect(memory.stderr).toContain(
      'Expected --memory (MB) to be a whole number from 128 to 10240, got 100 (number)',
    )
    expect(region.stderr).toContain('fanout has no built-in prices for region ap-east-1')
  })

  it('plan() in fanout/runner returns the estimate on a cloud target, and none locally', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const cwd = await makeTempDir()
    onTestFinished(() => removeTempDir(cwd))
    const root = join(cwd, '.fanout')

    // Act
    const cloud = await plan(SQUARES, {
      target: 'aws',
      root,
      estimate: { memoryMb: 512, sample: 4 },
    })
    const local = await plan(SQUARES, { root })
    const bad = await plan(SQUARES, {
      target: 'aws',
      root,
      estimate: { memory: 512 } as never,
    }).catch((e: unknown) => e as Error)

    // Assess
    expect(cloud.estimate?.memoryMb).toBe(512)
    expect(cloud.estimate?.sample.points).toBe(4)
    expect(local.estimate).toBeUndefined()
    // no count given: the cut shown is the one a cloud run takes, the balanced suggestion's
    const balanced = cloud.estimate?.suggestions.find((x) => x.strategy === 'balanced')
    expect(cloud.molecules).toBe(balanced?.molecules)
    expect(cloud.molecules).toBe(cloud.estimate?.molecules)
    expect(cloud.boundaries).toHaveLength(cloud.molecules + 1)
    expect(cloud.moleculesFrom).toBe("the estimate's balanced suggestion")
    expect(local.moleculesFrom).toBeUndefined()
    expect((bad as Error).message).toMatch(
      /^plan: unknown estimate option memory \(known: memoryMb,/,
    )
  })

  it('fanout run --estimate --report locally: what the run would have cost on Lambda, beside the prediction', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const cwd = await makeTempDir()
    onTestFinished(() => removeTempDir(cwd))
    const args = [
      'run',
      UNIFORM,
      '--param',
      'atoms=100',
      '--param',
      'iterations=20000',
      '--workers',
      '2',
    ]

    // Act
    const text = await runCli(
      [...args, '--estimate', '--job-id', 'u1', '--report', '--no-progress'],
      { cwd },
    )
    const json = await runCli(
      [...args, '--estimate', '--job-id', 'u2', '--json', '--memory', '512'],
      { cwd },
    )

    // Assess
    expect(text.code, text.stderr).toBe(0)
    expect(text.stderr).toMatch(/^fanout: estimate on Lambda \(arm64, 1769 MB, 8 molecules\): \$/)
    expect(text.stdout).toMatch(
      / {2}cost {6}\$[\d.]+: what this would have cost on Lambda at 1769 MB/,
    )
    expect(text.stdout).toMatch(/predicted \$[\d.]+ \(\$[\d.]+ – \$[\d.]+\) \(error [+-][\d.]+%/)
    const report = join(cwd, '.fanout', 'jobs', 'u1', 'report.html')
    expect(text.stdout).toContain(`  report    ${report}`)
    expect(existsSync(report)).toBe(true)
    expect(existsSync(join(cwd, '.fanout', 'jobs', 'u1', 'estimate.json'))).toBe(true)
    expect(json.code, json.stderr).toBe(0)
    const s = JSON.parse(json.stdout.trim().split('\n').pop() as string)
    expect(s.cost.basis).toBe('local-as-lambda')
    expect(s.cost.memoryMb).toBe(512)
    expect(s.cost.workers.invocations).toBe(8)
    expect(s.estimate.memoryMb).toBe(512)
    expect(typeof s.predictionError.workerGbSeconds).toBe('number')
  })
})
