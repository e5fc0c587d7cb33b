/**
 * The user's data on both targets, as a user runs it: a file param, a folder
 * param, chunks over CSV and over Parquet, objects over an S3 prefix and
 * over a folder param, each run locally and on the emulated cloud with the
 * same results; staging skipped the second time; and the failures a cloud
 * target must not hide (a plain string naming a local file, a host path
 * read by the job, a bucket the stack may not read).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeAssetsCsv } from '../../../scripts/make-assets.js'
import { readDeployment } from '../../../src/aws/client/deploy.js'
import { connectionFor } from '../../../src/aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../../../src/aws/s3/S3ResultStore.js'
import { freePort, startEmulator, stopEmulator } from '../../../src/emulator/index.js'
import {
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

const ASSET_FEATURES = join(REPO, 'examples', 'asset-features.ts')
const LAKE = 'fanout-lake'
/** A bucket that exists but was not named at deploy time. */
const OTHER = 'fanout-other'
let cwd: string
let stateDir: string
let env: Record<string, string>
let store: S3ResultStore
let pids: number[] = []

/** The lake's objects: CSVs under ticks/ (and one that is not a CSV). */
const LAKE_FILES: Record<string, string> = {
  'ticks/a.csv': 'v\n1\n2\n3\n',
  'ticks/b/c.csv': 'v\n10\n',
  'ticks/d.csv': 'v\n-4\n5.5',
  'ticks/_SUCCESS': '',
}

beforeAll(async () => {
  cwd = await makeTempDir('fanout-data-')
  stateDir = join(cwd, 'emulator')
  const port = await freePort()
  const started = await startEmulator({ port, stateDir })
  pids = [started.gatewayPid, started.motoPid].filter((p): p is number => typeof p === 'number')
  env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }
  const deploy = await runCli(['deploy', '--target', 'localstack', '-c', `dataBuckets=${LAKE}`], {
    cwd,
    env,
    timeoutMs: 300_000,
  })
  if (deploy.code !== 0) throw new Error(`deploy failed:\n${deploy.stdout}\n${deploy.stderr}`)
  const deployed = readDeployment(join(cwd, '.fanout'), 'localstack')
  const s3 = s3ClientFor(connectionFor('localstack', env))
  store = new S3ResultStore(s3, deployed.bucket)
  await s3.send(new CreateBucketCommand({ Bucket: LAKE }))
  await s3.send(new CreateBucketCommand({ Bucket: OTHER }))
  await s3.send(new PutObjectCommand({ Bucket: OTHER, Key: 'x/one.csv', Body: 'v\n1\n' }))
  for (const [key, body] of Object.entries(LAKE_FILES)) {
    await s3.send(new PutObjectCommand({ Bucket: LAKE, Key: key, Body: body }))
    await mkdir(join(cwd, 'lake', key, '..'), { recursive: true })
    await writeFile(join(cwd, 'lake', key), body)
  }
  // the data files, in the user's directory
  await writeFile(join(cwd, 'closes.csv'), closesCsv(3000))
  await writeAssetsCsv(join(cwd, 'assets.csv'), { assets: 12, days: 250, seed: 3 })
  await mkdir(join(cwd, 'prices', 'more'), { recursive: true })
  await writeFile(join(cwd, 'prices', 'AAPL.csv'), 'day,close\n1,10\n2,11\n')
  await writeFile(join(cwd, 'prices', 'more', 'MSFT.csv'), 'day,close\n1,20\n')
  await writeFile(join(cwd, 'ticks.parquet'), ticksParquet(2000, 300))
}, 330_000)

afterAll(async () => {
  await stopAllClis()
  await stopEmulator({ stateDir })
  for (const pid of pids) expect(isAlive(pid)).toBe(false)
  await removeTempDir(cwd)
})

/** A CSV with a `close` column: a deterministic walk. */
function closesCsv(bars: number): string {
  let price = 100
  const lines = ['day,close']
  for (let t = 0; t < bars; t++) {
    lines.push(`${t},${price.toFixed(4)}`)
    price *= 1 + 0.01 * Math.sin(t * 0.7) + 0.002 * Math.cos(t * 0.13)
  }
  return `${lines.join('\n')}\n`
}

/** A Parquet file of `rows` rows in row groups of `groupRows`. */
function ticksParquet(rows: number, groupRows: number): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'asset', data: Array.from({ length: rows }, (_, i) => `A${i % 5}`) },
        { name: 'close', data: Float64Array.from({ length: rows }, (_, i) => 100 + (i % 97) / 4) },
      ],
      rowGroupSize: groupRows,
    }),
  )
}

async function run(target: 'local' | 'localstack', jobId: string, args: string[]) {
  const r = await runCli(
    ['run', ...args, '--target', target, '--job-id', `${jobId}-${target}`, '--json'],
    { cwd, env, timeoutMs: 180_000 },
  )
  const summary = r.code === 0 ? JSON.parse(r.stdout.trim().split('\n').pop() as string) : undefined
  return { ...r, summary }
}

/** The result table of a job, from its target's store. */
async function resultOf(target: 'local' | 'localstack', jobId: string) {
  if (target === 'local')
    return plainTable(await readTable(join(jobDir(cwd, `${jobId}-local`), 'result.parquet')))
  const bytes = await store.get(`jobs/${jobId}-localstack/result.parquet`)
  if (!bytes) throw new Error(`no result for ${jobId}`)
  const { decodeTable } = await import('../../../src/store/parquet.js')
  return plainTable((await decodeTable(bytes)).table)
}

/** Run on both targets; expect success and the same result table and summary. */
async function bothTargets(jobId: string, local: string[], cloud = local) {
  const l = await run('local', jobId, local)
  const c = await run('localstack', jobId, cloud)
  expect(l.code, l.stderr).toBe(0)
  expect(c.code, c.stderr).toBe(0)
  const table = await resultOf('local', jobId)
  expect(await resultOf('localstack', jobId)).toEqual(table)
  expect(c.summary.summary).toEqual(l.summary.summary)
  return { local: l, cloud: c, table }
}

describe('data on both targets', () => {
  it('carries a file() param: ma-crossover --param prices=closes.csv runs unchanged on the emulated cloud', async () => {
    // Act
    const args = [MA_CROSSOVER, '--param', 'prices=closes.csv', '--param', 'side=5']
    const { cloud, table } = await bothTargets('ma-file', args)
    const again = await run('localstack', 'ma-file-again', [...args])

    // Assess
    expect(table.numRows).toBe(25)
    expect(cloud.stderr).toMatch(/fanout: staged prices \(\d+ KB\)/)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(
      /fanout: prices \(\d+ KB\) is in the bucket already: nothing to upload/,
    )
    expect(again.stderr).not.toContain('fanout: staged')
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get('jobs/ma-file-localstack/manifest.json')),
    )
    expect(manifest.params.prices).toMatchObject({ 'fanout:data': 'file', name: 'closes.csv' })
    expect((await store.list('data/')).some((k) => /^data\/[0-9a-f]{64}$/.test(k))).toBe(true)
  })

  it('carries a folder() param, file by file, read whole in setup', async () => {
    // Act
    const { table } = await bothTargets('folder', [
      fixtureJob('data-folder.ts'),
      '--param',
      'assets=prices',
    ])

    // Assess
    expect(table.columns.name).toEqual(['AAPL.csv', 'more/MSFT.csv'])
    expect(table.columns.sum).toEqual([21, 20])
  })

  it('cuts a CSV into chunks of rows: asset-features gives the same ranking on both targets', async () => {
    // Act
    const { local, table } = await bothTargets('features', [
      ASSET_FEATURES,
      '--param',
      'prices=assets.csv',
      '--param',
      'rows=700',
    ])

    // Assess
    expect(local.summary.atoms).toBe(Math.ceil((12 * 250) / 700))
    expect(local.summary.summary.assets).toBe(12)
    // the line index the CLI found while planning, kept next to the staged file for the workers
    expect((await store.list('data/')).filter((k) => k.endsWith('.lines-700-h.json'))).toHaveLength(
      1,
    )
    expect(await store.list('jobs/features-localstack/data/')).toEqual([])
    expect(table.columns.n?.length).toBeGreaterThanOrEqual(12)
  })

  it('cuts a Parquet file into row groups and into row ranges', async () => {
    // Act
    const groups = await bothTargets('pq-groups', [
      fixtureJob('data-parquet.ts'),
      '--param',
      'ticks=ticks.parquet',
    ])
    const ranges = await bothTargets('pq-rows', [
      fixtureJob('data-parquet.ts'),
      '--param',
      'ticks=ticks.parquet',
      '--param',
      'rows=450',
    ])

    // Assess
    expect(groups.table.columns.rows).toEqual([300, 300, 300, 300, 300, 300, 200])
    expect(ranges.table.columns.rows).toEqual([450, 450, 450, 450, 200])
    const total = (t: typeof groups.table) => (t.columns.sum as number[]).reduce((a, b) => a + b, 0)
    expect(total(ranges.table)).toBeCloseTo(total(groups.table), 9)
  })

  it('lists objects under an S3 prefix (a folder locally), and under a folder() param', async () => {
    // Act
    const prefix = await bothTargets(
      'objects',
      [fixtureJob('data-objects.ts'), '--param', `lake=${join(cwd, 'lake', 'ticks')}`],
      [fixtureJob('data-objects.ts'), '--param', `lake=s3://${LAKE}/ticks/`],
    )
    const folderParam = await bothTargets('objects-dir', [
      fixtureJob('data-objects.ts'),
      '--param',
      'dir=lake/ticks',
    ])

    // Assess
    expect(prefix.table.columns.name).toEqual(['a.csv', 'b/c.csv', 'd.csv'])
    expect(prefix.table.columns.sum).toEqual([6, 10, 1.5])
    expect(prefix.table.columns.read).toEqual(prefix.table.columns.size)
    expect(folderParam.table).toEqual(prefix.table)
    const pins = (await store.list('jobs/objects-localstack/data/')).filter((k) =>
      k.includes('objects-'),
    )
    expect(pins).toHaveLength(1)
  })
})

describe('what a cloud target refuses, as AWS would', () => {
  it('refuses a plain string param that names a local file, in one line naming the param and file()', async () => {
    // Act
    const local = await run('local', 'plain', [
      fixtureJob('data-plain.ts'),
      '--param',
      'path=closes.csv',
    ])
    // without the progress lines, so that the refusal is all stderr holds
    const cloud = await run('localstack', 'plain', [
      fixtureJob('data-plain.ts'),
      '--param',
      'path=closes.csv',
      '--no-progress',
    ])

    // Assess
    expect(local.code, local.stderr).toBe(0)
    expect(cloud.code).toBe(2)
    expect(cloud.stderr.trim().split('\n')).toEqual([
      "fanout: --param path=closes.csv names a local file, which --target localstack cannot read (its functions see only their own /tmp): declare path as file() in the job's params (import { file } from 'fanout'), and fanout stages it with the job",
    ])
  })

  it('refuses, in the emulator as on Lambda, a job that reads an absolute host path', async () => {
    // Prepare: a job with a host path in its code, which no check of params can see
    const job = join(cwd, 'host-path.ts')
    await writeFile(
      job,
      `import { readFileSync } from 'node:fs'
import { defineJob, range } from 'fanout'
const HOST = ${JSON.stringify(join(cwd, 'closes.csv'))}
export default defineJob({ atoms: () => range(2), run: (i) => ({ i, bytes: readFileSync(HOST).byteLength }) })
`,
    )

    // Act
    const local = await run('local', 'host', [job])
    const cloud = await runCli(
      ['run', job, '--target', 'localstack', '--job-id', 'host-localstack'],
      {
        cwd,
        env,
        timeoutMs: 120_000,
      },
    )
    const errors = plainTable(await readTable(await downloadErrors('host-localstack')))

    // Assess
    expect(local.code, local.stderr).toBe(0)
    expect(cloud.code).toBe(1)
    expect(cloud.stderr).toContain('fanout: 2 of 2 atoms failed')
    expect(errors.columns.message?.[0]).toMatch(
      /^Access to this API has been restricted.* \(.*closes\.csv is outside the function's code and \/tmp: on Lambda only those exist; pass a file as a file\(\) param/,
    )
  })

  it('refuses objects() over a bucket the stack may not read, or that does not exist, before anything runs', async () => {
    // Act
    const objects = fixtureJob('data-objects.ts')
    const ungranted = await run('localstack', 'ungranted', [
      objects,
      '--param',
      `lake=s3://${OTHER}/x/`,
      '--no-progress',
    ])
    const missing = await run('localstack', 'missing', [
      objects,
      '--param',
      'lake=s3://fanout-nowhere/x/',
      '--no-progress',
    ])

    // Assess
    expect(ungranted.code).toBe(2)
    expect(ungranted.stderr.trim()).toBe(
      `fanout: objects() reads the bucket ${OTHER}, which the stack may not read (it reads ${LAKE}): redeploy with \`fanout deploy --target localstack -c dataBuckets=${LAKE},${OTHER}\``,
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe(
      "fanout: the job's atoms(params): cannot list s3://fanout-nowhere/x/: no such bucket",
    )
    expect(await store.list('jobs/ungranted-localstack/')).toEqual([])
  })
})

/** The errors table of a cloud job, downloaded to the temp dir. */
async function downloadErrors(jobId: string): Promise<string> {
  const bytes = await store.get(`jobs/${jobId}/errors.parquet`)
  if (!bytes) throw new Error(`no errors table for ${jobId}`)
  const path = join(cwd, `${jobId}-errors.parquet`)
  await writeFile(path, bytes)
  return path
}
