/**
 * fanout as a user installs it: `npm pack` this repository (its current
 * dist/, so build first), install the tarball into an empty project offline
 * without the optional cloud peers, then write a job there and run it with
 * `npx fanout run`, type-check it with the user's own compiler settings, and
 * run it through `fanout/runner`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childEnv, runCommand, stopAll } from './commands.js'
import { writeConsumerProject } from './consumer.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')
const env = childEnv()

const JOB = `import { defineJob, range, z } from 'fanout'

export default defineJob({
  params: z.object({ n: z.number().int().default(20) }).strict(),
  atoms: (p) => range(p.n),
  run: (i: number) => ({ i, square: i * i }),
  reduce: (rows) => rows.reduce((sum, row) => sum + (row.square as number), 0),
})
`

// a typed use of the runner API, and a job whose run takes the wrong atom type
const TYPED_RUNNER = `import { run } from 'fanout/runner'

const job = await run(new URL('./job.ts', import.meta.url), { workers: 2, params: { n: 3 } })
const squares: number[] = []
for await (const row of job.rows()) squares.push(row.square as number)
export const id: string = job.id
`
const BAD_JOB = `import { defineJob, range } from 'fanout'

export default defineJob({ atoms: () => range(3), run: (s: string) => ({ s }) })
`

const RUNNER_SCRIPT = `import { listJobs, run } from 'fanout/runner'

const job = await run(new URL('./job.ts', import.meta.url), { workers: 2, params: { n: 7 } })
const rows = []
for await (const row of job.rows()) rows.push(row)
console.log(JSON.stringify({ id: job.id, status: job.status, summary: job.summary, rows, jobs: (await listJobs()).map((j) => j.id) }))
`

let dir: string
let project: string
let packed: { filename: string; files: { path: string }[] }

beforeAll(async () => {
  for (const built of ['dist/index.js', 'dist/runner.js', 'dist/types/index.d.ts']) {
    if (!existsSync(join(REPO, built))) throw new Error(`${built} is missing: run npm run build`)
  }
  dir = await mkdtemp(join(tmpdir(), 'fanout-package-'))
  // dist/ is built already; --ignore-scripts keeps `prepare` from rebuilding it
  // under the other test files that are using it
  const pack = await runCommand(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    { cwd: REPO, env },
  )
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`)
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0] as typeof packed
  project = join(dir, 'project')
  mkdirSync(project)
  writeConsumerProject(project, join(dir, packed.filename), REPO)
  const install = await runCommand('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: project,
    env,
  })
  if (install.code !== 0) throw new Error(`npm ci --offline failed:\n${install.stderr}`)
  writeFileSync(join(project, 'job.ts'), JOB)
}, 180_000)

afterAll(async () => {
  stopAll()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('npm pack', () => {
  it('packs the built code, the Lambda bundles, the types and the moto launcher, no sources', () => {
    // Prepare
    const files = packed.files.map((f) => f.path)
    const must = [
      'package.json',
      'README.md',
      'bin/fanout.js',
      'dist/cli.js',
      'dist/index.js',
      'dist/runner.js',
      'dist/threadWorker.js',
      'dist/emulatorGateway.js',
      'dist/lambdaRuntime.js',
      'dist/infra/app.js',
      'dist/types/index.d.ts',
      'dist/types/runner/index.d.ts',
      ...['plan', 'worker', 'tally', 'reduce'].map((f) => `dist/functions/${f}/index.mjs`),
      'src/emulator/moto_launcher.py',
    ]

    // Act
    const missing = must.filter((f) => !files.includes(f))
    const sources = files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))
    const outside = files.filter(
      (f) => !/^(dist|bin)\//.test(f) && !must.includes(f) && f !== 'LICENSE',
    )

    // Assess
    expect(missing).toEqual([])
    expect(sources).toEqual([])
    expect(outside).toEqual([])
  })
})

describe('a local-only install', () => {
  it('has none of the cloud parts: no AWS SDK, no CDK, no Lambda middleware', () => {
    // Prepare
    const cloud = ['@aws-sdk/client-s3', '@aws-sdk/client-sfn', 'aws-cdk', 'aws-cdk-lib']
    const lambdaOnly = ['constructs', '@middy/core', '@aws-lambda-powertools/logger', 'tsx']

    // Act
    const present = [...cloud, ...lambdaOnly].filter((p) =>
      existsSync(join(project, 'node_modules', p)),
    )

    // Assess
    expect(present).toEqual([])
    expect(existsSync(join(project, 'node_modules', 'fanout', 'dist', 'cli.js'))).toBe(true)
  })

  it('runs a job with npx fanout run --json and writes its rows', async () => {
    // Prepare
    const args = ['fanout', 'run', 'job.ts', '--json', '--workers', '2', '--out', 'rows.csv']

    // Act
    const result = await runCommand('npx', [...args, '--no-progress'], { cwd: project, env })

    // Assess
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout) as Record<string, unknown>
    expect(summary).toMatchObject({ status: 'succeeded', atoms: 20, rows: 20, summary: 2470 })
    const csv = readFileSync(join(project, 'rows.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toBe('atom,i,square')
    expect(csv.slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => `${i},${i},${i * i}`))
  })

  it('plans a job with npx fanout plan --json', async () => {
    // Prepare
    const args = ['fanout', 'plan', 'job.ts', '--json', '--workers', '2', '--param', 'n=12']

    // Act
    const result = await runCommand('npx', args, { cwd: project, env })

    // Assess
    expect(result.code).toBe(0)
    const plan = JSON.parse(result.stdout) as { atoms: number; boundaries: number[] }
    expect(plan.atoms).toBe(12)
    expect(plan.boundaries.at(0)).toBe(0)
    expect(plan.boundaries.at(-1)).toBe(12)
  })

  it("type-checks a job and a runner script with the user's tsc settings, and catches a bad job", async () => {
    // Prepare
    writeFileSync(join(project, 'typedRunner.ts'), TYPED_RUNNER)
    writeFileSync(join(project, 'badJob.ts'), BAD_JOB)
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        // fanout's declarations are checked too
        skipLibCheck: false,
        types: [],
      },
      files: ['job.ts', 'typedRunner.ts', 'badJob.ts'],
    }
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))

    // Act
    const result = await runCommand(process.execPath, [TSC, '-p', 'tsconfig.json'], {
      cwd: project,
      env,
    })

    // Assess
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^badJob\.ts\(3,\d+\): error TS2322: .*AtomSource<number>/)
    expect(result.code).toBe(2)
  })

  it('runs a job through fanout/runner from a .mjs script', async () => {
    // Prepare
    writeFileSync(join(project, 'runner.mjs'), RUNNER_SCRIPT)

    // Act
    const result = await runCommand(process.execPath, ['runner.mjs'], { cwd: project, env })

    // Assess
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout) as {
      id: string
      status: string
      summary: unknown
      rows: unknown[]
      jobs: string[]
    }
    expect(out).toMatchObject({ status: 'succeeded', summary: 91 })
    expect(out.rows).toEqual(Array.from({ length: 7 }, (_, i) => ({ atom: i, i, square: i * i })))
    expect(out.jobs).toContain(out.id)
  })

  it.each([
    [
      ['run', 'job.ts', '--target', 'localstack', '--no-progress'],
      /^fanout: --target localstack needs the AWS SDK \(@aws-sdk\/client-\w+ is not installed\): npm install @aws-sdk\/client-s3 @aws-sdk\/client-sfn @aws-sdk\/client-cloudformation @aws-sdk\/client-cloudwatch-logs @aws-sdk\/lib-storage$/m,
    ],
    [
      ['deploy', '--target', 'localstack'],
      /^fanout: fanout deploy needs the AWS CDK \(aws-cdk is not installed\): npm install aws-cdk aws-cdk-lib constructs$/m,
    ],
  ])('says what to install for fanout %j', async (args, message) => {
    // Act
    const result = await runCommand('npx', ['fanout', ...args], { cwd: project, env })

    // Assess
    expect(result.stderr).toMatch(message)
    expect(result.code).toBe(2)
  })
})
