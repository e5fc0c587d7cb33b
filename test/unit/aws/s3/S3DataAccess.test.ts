import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { S3DataAccess } from '../../../../src/aws/s3/S3DataAccess.js'
import type { AwsFetchConnection } from '../../../../src/aws/signedFetch.js'
import { DATA_REF } from '../../../../src/core/data/refs.js'
import { FsResultStore } from '../../../../src/store/FsResultStore.js'

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex')

let dir: string
let requests: string[]
/** Objects of the fake S3, by `bucket/key`. */
let objects: Map<string, Uint8Array>

/** A fetch connection to a fake S3 that serves `objects`, ranges included. */
function fakeS3(): AwsFetchConnection {
  return {
    region: 'us-east-1',
    endpoint: 'http://s3.test',
    client: {
      fetch: async (url: string, init: { method: string; headers?: Record<string, string> }) => {
        const path = decodeURIComponent(new URL(url).pathname.slice(1))
        const range = init.headers?.Range
        requests.push(`${init.method} ${path}${range ? ` ${range}` : ''}`)
        const body = objects.get(path)
        if (!body) return new Response('<Error><Code>NoSuchKey</Code></Error>', { status: 404 })
        if (!range) return new Response(body, { status: 200 })
        const [, a, b] = /bytes=(\d+)-(\d+)/.exec(range) as RegExpExecArray
        return new Response(body.slice(Number(a), Number(b) + 1), { status: 206 })
      },
    } as unknown as AwsFetchConnection['client'],
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-s3data-'))
  requests = []
  objects = new Map()
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function access(store = new FsResultStore(join(dir, 'store'))) {
  return new S3DataAccess({
    store,
    connection: fakeS3(),
    bucket: 'stack',
    prefix: '',
    tmpDir: join(dir, 'tmp'),
    dataBuckets: ['lake'],
  })
}

function stage(text: string, name: string) {
  const bytes = new TextEncoder().encode(text)
  const sha256 = sha(bytes)
  objects.set(`stack/data/${sha256}`, bytes)
  return {
    [DATA_REF]: 'file' as const,
    key: `data/${sha256}`,
    sha256,
    size: bytes.byteLength,
    name,
  }
}

describe('S3DataAccess', () => {
  it('turns references into /tmp paths, downloads what no source opened once, checked, and reads the rest by range', async () => {
    // Prepare
    const whole = stage('close\n1\n2\n', 'closes.csv')
    const ranged = stage('a\nb\nc\n', 'big.txt')
    const data = access()

    // Act
    const params = (await data.resolveParams({ prices: whole, big: ranged, n: 3 }, 'job1')) as {
      prices: string
      big: string
    }
    const file = data.file(params.big)
    const middle = await file.read(2, 4)
    await data.beforeSetup()
    await data.beforeSetup()

    // Assess
    expect(params.prices).toBe(join(dir, 'tmp', 'fanout-data', whole.sha256, 'closes.csv'))
    expect(readFileSync(params.prices, 'utf8')).toBe('close\n1\n2\n')
    expect(existsSync(params.big)).toBe(false)
    expect(new TextDecoder().decode(middle)).toBe('b\n')
    expect(requests).toEqual([
      `GET stack/data/${ranged.sha256} bytes=2-3`,
      `GET stack/data/${whole.sha256}`,
    ])
    expect(data.downloadedBytes).toBe(whole.size)
  })

  it('refuses data whose bytes do not hash to their reference, a path that was not staged, and a bucket not granted', async () => {
    // Prepare
    const ref = stage('right', 'x.csv')
    objects.set(`stack/data/${ref.sha256}`, new TextEncoder().encode('wrong'))
    const data = access()
    const params = (await data.resolveParams({ x: ref }, 'job2')) as { x: string }

    // Act
    const tampered = await data.beforeSetup().catch((e: unknown) => e as Error)
    const unstaged = (() => {
      try {
        data.file('/home/me/prices.csv')
      } catch (e) {
        return e as Error
      }
      return undefined
    })()
    const ungranted = (() => {
      try {
        data.objects({ bucket: 'elsewhere', prefix: 'p/' })
      } catch (e) {
        return e as Error
      }
      return undefined
    })()

    // Assess
    expect(tampered?.message).toMatch(
      /has sha256 [0-9a-f]{64}, not the [0-9a-f]{64} the job staged: refusing to use it/,
    )
    expect(existsSync(params.x)).toBe(false)
    expect(unstaged?.message).toBe(
      "/home/me/prices.csv is not a file staged with the job: on Lambda only data params travel; declare the param that names it as file() (import { file } from 'fanout')",
    )
    expect(ungranted?.message).toBe(
      'objects(s3://elsewhere/p/): the stack may read only the data buckets named at deploy time (lake); redeploy with `fanout deploy -c dataBuckets=lake,elsewhere`',
    )
  })
})
