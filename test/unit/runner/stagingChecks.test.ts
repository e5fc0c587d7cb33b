import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { dataParamsOf, file, folder } from '../../../src/core/data/params.js'
import { UsageError } from '../../../src/core/errors.js'
import {
  checkWorkerLimits,
  dataParamValues,
  refuseLocalPaths,
  refuseUngrantedBuckets,
  refuseUnstagedReads,
} from '../../../src/runner/stagingChecks.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-staging-'))
  await writeFile(join(dir, 'closes.csv'), 'close\n1\n')
  await mkdir(join(dir, 'assets'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const MB = 1024 * 1024
const thrown = (f: () => unknown) => {
  try {
    f()
  } catch (error) {
    return error as Error
  }
  throw new Error('did not throw')
}

describe('data params', () => {
  it('resolve to existing files and folders, and name the param when they do not', () => {
    // Prepare
    const schema = z.object({ prices: file(), assets: folder(), more: z.array(file()).optional() })
    const params = dataParamsOf(schema)

    // Act
    const ok = dataParamValues({ prices: 'closes.csv', assets: 'assets' }, params, dir)
    const missing = thrown(() =>
      dataParamValues({ prices: 'nope.csv', assets: 'assets' }, params, dir),
    )
    const wrongKind = thrown(() =>
      dataParamValues({ prices: 'assets', assets: 'assets' }, params, dir),
    )
    const inArray = thrown(() =>
      dataParamValues(
        { prices: 'closes.csv', assets: 'assets', more: ['closes.csv', 'x'] },
        params,
        dir,
      ),
    )

    // Assess
    expect(ok.map((v) => [v.label, v.path])).toEqual([
      ['prices', join(dir, 'closes.csv')],
      ['assets', join(dir, 'assets')],
    ])
    expect(missing).toBeInstanceOf(UsageError)
    expect(missing.message).toBe(
      `--param prices=nope.csv: no file at ${join(dir, 'nope.csv')} (a file() param names a local file)`,
    )
    expect(wrongKind.message).toBe(
      '--param prices=assets: is a folder, not a file (a file() param names a local file)',
    )
    expect(inArray.message).toBe(
      `--param more[1]=x: no file at ${join(dir, 'x')} (a file() param names a local file)`,
    )
  })

  it('refuse plain string params that name local files or folders, naming the param and file()', () => {
    // Prepare
    const params = dataParamsOf(
      z.object({ prices: file(), path: z.string(), dir: z.string(), name: z.string() }),
    )

    // Act
    const asFile = thrown(() =>
      refuseLocalPaths({ prices: 'closes.csv', path: 'closes.csv' }, params, 'aws', dir),
    )
    const asFolder = thrown(() => refuseLocalPaths({ dir: 'assets' }, params, 'localstack', dir))
    const fine = () =>
      refuseLocalPaths({ prices: 'closes.csv', name: 'AAPL', path: '.' }, params, 'aws', dir)

    // Assess
    expect(asFile.message).toBe(
      "--param path=closes.csv names a local file, which --target aws cannot read (its functions see only their own /tmp): declare path as file() in the job's params (import { file } from 'fanout'), and fanout stages it with the job",
    )
    expect(asFolder.message).toBe(
      "--param dir=assets names a local folder, which --target localstack cannot read (its functions see only their own /tmp): declare dir as folder() in the job's params (import { folder } from 'fanout'), and fanout stages it with the job",
    )
    expect(fine).not.toThrow()
  })

  it('refuse reads of paths that are no data param, and buckets the stack may not read', () => {
    // Act
    const unstaged = thrown(() => refuseUnstagedReads(['/data/big.csv'], [], 'aws'))
    const bucket = thrown(() => refuseUngrantedBuckets(['lake'], ['ticks'], 'aws'))
    const none = thrown(() => refuseUngrantedBuckets(['lake'], undefined, 'localstack'))

    // Assess
    expect(unstaged.message).toBe(
      "the job's atoms read /data/big.csv, which --target aws cannot read: pass it as a param declared file() (or folder() for a folder), so that fanout stages it with the job",
    )
    expect(bucket.message).toBe(
      'objects() reads the bucket lake, which the stack may not read (it reads ticks): redeploy with `fanout deploy --target aws -c dataBuckets=ticks,lake`',
    )
    expect(none.message).toBe(
      'objects() reads the bucket lake, which the stack may not read (it reads no data buckets): redeploy with `fanout deploy --target localstack -c dataBuckets=lake`',
    )
  })
})

describe('the worker limits', () => {
  const limits = { memoryMb: 1769, ephemeralStorageMb: 2048 }

  it("say what to redeploy when the downloaded data does not fit the worker's /tmp", () => {
    // Act
    const error = thrown(() =>
      checkWorkerLimits(
        [
          { label: 'prices', bytes: 1500 * MB, kind: 'file' },
          { label: 'assets', bytes: 700 * MB, kind: 'folder' },
        ],
        undefined,
        limits,
        'aws',
      ),
    )

    // Assess
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toBe(
      "the data params prices (1.5 GB), assets (700.0 MB) need 2.1 GB of the worker's /tmp, which holds 2048 MB on this stack: redeploy with `fanout deploy --target aws -c workerEphemeralStorageMb=2264` (512 to 10240), or read the largest with chunks() or objects(), which read by range and download nothing",
    )
  })

  it('say what to change when a file param is larger than memory, or a chunk too big for it', () => {
    // Act
    const big = thrown(() =>
      checkWorkerLimits(
        [{ label: 'ticks', bytes: 1900 * MB, kind: 'file' }],
        undefined,
        { memoryMb: 1769, ephemeralStorageMb: 4096 },
        'aws',
      ),
    )
    const chunk = thrown(() => checkWorkerLimits([], 600 * MB, limits, 'aws'))
    const fits = () =>
      checkWorkerLimits([{ label: 'p', bytes: 100 * MB, kind: 'file' }], 64 * MB, limits, 'aws')

    // Assess
    expect(big.message).toBe(
      "--param ticks names 1.9 GB, more than the worker's 1769 MB of memory, so setup cannot read it whole: redeploy with `fanout deploy --target aws -c workerMemoryMb=2850` (up to 10240), or read it chunk by chunk with chunks()",
    )
    expect(chunk.message).toBe(
      "the job's chunks hold up to 600.0 MB, more than a quarter of the worker's 1769 MB of memory (a chunk is held whole, with its parsed rows): cut smaller chunks (e.g. { bytes: 442 * 1024 * 1024 } or fewer rows), or redeploy with `fanout deploy --target aws -c workerMemoryMb=...`",
    )
    expect(fits).not.toThrow()
  })
})
