import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installDataAccess } from '../../../src/core/data/access.js'
import { planJob } from '../../../src/runner/planJob.js'
import { stageJobData } from '../../../src/runner/staging.js'
import { LocalDataAccess } from '../../../src/runtime/data/LocalDataAccess.js'
import { FsResultStore } from '../../../src/store/FsResultStore.js'

let dir: string
let previous: ReturnType<typeof installDataAccess>
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-stage-'))
  await writeFile(join(dir, 'big.csv'), `v\n${'1\n'.repeat(1024 * 1024)}`)
  await writeFile(
    join(dir, 'job.ts'),
    `import { chunks, defineJob, file, range, z } from 'fanout'
export default defineJob({
  params: z.object({ data: file(), chunked: z.boolean().default(false) }),
  atoms: (p) => (p.chunked ? chunks(p.data, { bytes: 1 << 20 }) : range(1)),
  run: (a) => ({ ok: true }),
})
`,
  )
})
afterEach(async () => {
  installDataAccess(previous)
  await rm(dir, { recursive: true, force: true })
})

/** An S3 client that fails the test if anything is sent. */
const untouched = {
  send: () => {
    throw new Error('nothing may be uploaded before the checks pass')
  },
} as unknown as S3Client

async function stage(params: Record<string, unknown>, memoryMb: number) {
  const data = new LocalDataAccess({ cwd: dir })
  previous = installDataAccess(data)
  const planned = await planJob({
    jobFile: join(dir, 'job.ts'),
    params: { ...params, data: join(dir, 'big.csv') },
    workers: 1,
    scheme: 'linear',
    root: join(dir, '.fanout'),
  })
  return stageJobData({
    planned,
    target: 'aws',
    store: new FsResultStore(join(dir, 'store')),
    client: untouched,
    bucket: 'b',
    prefix: '',
    data,
    limits: { memoryMb, ephemeralStorageMb: 2048 },
    dataBuckets: [],
    cwd: dir,
  })
}

describe('stageJobData', () => {
  it("checks the worker's memory before anything is uploaded", async () => {
    // Act
    const error = await stage({}, 1).catch((e: unknown) => e as Error)

    // Assess
    expect((error as Error).message).toMatch(
      /^--param data names 2\.0 MB, more than the worker's 1 MB of memory, so setup cannot read it whole: redeploy with/,
    )
  })

  it('does not count a file read by chunks() as downloaded, but checks its chunks against memory', async () => {
    // Act
    const error = await stage({ chunked: true }, 2).catch((e: unknown) => e as Error)

    // Assess: 1 MiB chunks are more than a quarter of 2 MB; the 2 MB file itself is never downloaded
    expect((error as Error).message).toMatch(
      /^the job's chunks hold up to 1\.0 MB, more than a quarter of the worker's 2 MB of memory/,
    )
  })
})
