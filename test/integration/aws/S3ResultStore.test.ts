import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionFor } from '../../../src/aws/connection.js'
import { S3FetchStore } from '../../../src/aws/s3/S3FetchStore.js'
import {
  S3ResultStore,
  type S3ResultStoreOptions,
  s3ClientFor,
} from '../../../src/aws/s3/S3ResultStore.js'
import { fetchConnection } from '../../../src/aws/signedFetch.js'
import { StoreError } from '../../../src/core/errors.js'
import { freePort, startEmulator, stopEmulator } from '../../../src/emulator/index.js'
import type { ResultStore } from '../../../src/store/ResultStore.js'

// Runs against fanout's emulator (moto's S3 behind the gateway) on a free, non-default port.
const bucket = 'fanout-s3-store-test'
let stateDir: string
let client: S3Client
let endpoint: string

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'fanout-s3-store-'))
  const emulator = await startEmulator({ port: await freePort(), stateDir, timeoutMs: 60_000 })
  endpoint = emulator.endpoint
  client = s3ClientFor(connectionFor('localstack', {}, { endpoint }))
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
}, 90_000)

afterAll(async () => {
  client?.destroy()
  if (stateDir) {
    await stopEmulator({ stateDir })
    await rm(stateDir, { recursive: true, force: true })
  }
}, 30_000)

/** The two S3 adapters of the store port: the AWS SDK's client (CLI), signed fetch (Lambda functions). */
const adapters: [
  string,
  (
    bucket: string,
    prefix?: string,
    options?: S3ResultStoreOptions,
  ) => ResultStore & { prefix: string },
][] = [
  ['S3ResultStore', (b, p, o) => new S3ResultStore(client, b, p, o)],
  [
    'S3FetchStore',
    (b, p, o) =>
      new S3FetchStore(
        fetchConnection(connectionFor('localstack', {}, { endpoint }), 's3'),
        b,
        p,
        o,
      ),
  ],
]

describe.each(adapters)('%s', (_name, make) => {
  let store: ResultStore
  // one bucket per adapter, so conditional writes of one run do not meet the other's
  const own = `${bucket}-${_name.toLowerCase()}`
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: own }))
    store = make(own)
  })

  it('writes and reads bytes and strings, and describes keys as s3:// URLs', async () => {
    // Prepare
    const bytes = new Uint8Array([0, 1, 2, 255])
    // Act
    await store.put('t/rw/a.bin', bytes)
    await store.put('t/rw/b.json', '{"x":1}')
    // Assess
    expect(await store.get('t/rw/a.bin')).toEqual(bytes)
    expect(new TextDecoder().decode(await store.get('t/rw/b.json'))).toBe('{"x":1}')
    expect(store.describe('t/rw/a.bin')).toBe(`s3://${own}/t/rw/a.bin`)
  })

  it("writes, reads and lists keys with spaces, unicode and RFC 3986 reserved characters (!'()*)", async () => {
    // Prepare
    const keys = ["t/odd/it's (1)!*.json", 't/odd/été ü+x.json']
    // Act
    for (const k of keys) await store.put(k, k)
    // Assess
    for (const k of keys) expect(new TextDecoder().decode(await store.get(k))).toBe(k)
    expect(await store.list('t/odd/')).toEqual([...keys].sort())
    expect(await store.list("t/odd/it's (")).toEqual([keys[0]])
  })

  it('reads the tail of an object (a suffix range), all of a shorter one, undefined for none', async () => {
    // Prepare
    await store.put('t/tail/k', '0123456789')
    // Act / Assess
    expect(new TextDecoder().decode(await store.getTail('t/tail/k', 4))).toBe('6789')
    expect(new TextDecoder().decode(await store.getTail('t/tail/k', 100))).toBe('0123456789')
    expect(await store.getTail('t/tail/missing', 4)).toBeUndefined()
  })

  it('reads a missing key as undefined and tells whether keys exist', async () => {
    // Prepare
    await store.put('t/exists/here', 'x')
    // Assess
    expect(await store.get('t/exists/missing')).toBeUndefined()
    expect(await store.exists('t/exists/missing')).toBe(false)
    expect(await store.exists('t/exists/here')).toBe(true)
  })

  it('writes ifAbsent only once: the second put returns false and the first content stays', async () => {
    // Act
    const first = await store.put('t/cond/p.parquet', 'first', { ifAbsent: true })
    const second = await store.put('t/cond/p.parquet', 'second', { ifAbsent: true })
    // Assess
    expect(first).toBe(true)
    expect(second).toBe(false)
    expect(new TextDecoder().decode(await store.get('t/cond/p.parquet'))).toBe('first')
  })

  it('lets exactly one of many concurrent ifAbsent puts win', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.put('t/race/p', `writer ${i}`, { ifAbsent: true })),
    )
    // Assess
    expect(results.filter(Boolean)).toHaveLength(1)
    const winner = results.indexOf(true)
    expect(new TextDecoder().decode(await store.get('t/race/p'))).toBe(`writer ${winner}`)
  })

  it('overwrites without ifAbsent', async () => {
    // Act
    await store.put('t/over/k', 'one')
    const again = await store.put('t/over/k', 'two')
    // Assess
    expect(again).toBe(true)
    expect(new TextDecoder().decode(await store.get('t/over/k'))).toBe('two')
  })

  it('follows every ListObjectsV2 page and returns the keys sorted', async () => {
    // Prepare: 3 keys per page, 11 keys, so 4 pages
    const paged = make(own, '', { maxKeys: 3 })
    const keys = Array.from(
      { length: 11 },
      (_, i) => `t/list-${_name}/${String(10 - i).padStart(2, '0')}`,
    )
    await Promise.all(keys.map((k) => paged.put(k, k)))
    await store.put('t/listed-not/x', 'x')
    // Act
    const listed = await paged.list(`t/list-${_name}/`)
    // Assess
    expect(listed).toEqual([...keys].sort())
    expect(await paged.list('t/nothing/')).toEqual([])
  })

  it('scopes every key under its prefix', async () => {
    // Prepare
    const scoped = make(own, `scoped-${_name}`, { maxKeys: 2 })
    // Act
    await scoped.put('jobs/j1/a', 'a')
    await scoped.put('jobs/j1/b', 'b')
    await scoped.put('jobs/j1/c', 'c')
    // Assess
    expect(scoped.prefix).toBe(`scoped-${_name}/`)
    expect(await scoped.list('jobs/')).toEqual(['jobs/j1/a', 'jobs/j1/b', 'jobs/j1/c'])
    expect(await store.exists(`scoped-${_name}/jobs/j1/a`)).toBe(true)
    expect(scoped.describe('jobs/j1/a')).toBe(`s3://${own}/scoped-${_name}/jobs/j1/a`)
  })

  it('names the bad key, option or bucket', async () => {
    // Assess
    await expect(store.put('/abs', 'x')).rejects.toThrow(StoreError)
    expect(() => make(own, '', { maxKeys: 0 })).toThrow(
      'Expected maxKeys to be an integer from 1 to 1000, got 0 (number)',
    )
    expect(() => make('')).toThrow(StoreError)
    const nowhere = make('fanout-no-such-bucket')
    await expect(nowhere.put('k', 'x')).rejects.toThrow(
      /cannot write s3:\/\/fanout-no-such-bucket\/k/,
    )
  })
})

describe('S3FetchStore with role credentials', () => {
  it('is accepted with a session token, as inside Lambda, and round-trips odd keys', async () => {
    // Prepare: the keys a function's role puts in its environment
    const own = `${bucket}-session`
    await client.send(new CreateBucketCommand({ Bucket: own }))
    const env = {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/with+chars',
      AWS_SESSION_TOKEN: 'FQoGZXIvYXdzEXAMPLE//token==',
    }
    const connection = connectionFor('localstack', env, { endpoint })
    const store = new S3FetchStore(fetchConnection(connection, 's3'), own, 'role (1)')
    const key = "jobs/j 1/it's ü!*.json"
    // Act
    const written = await store.put(key, 'x', { ifAbsent: true })
    // Assess
    expect(connection.credentials?.sessionToken).toBe(env.AWS_SESSION_TOKEN)
    expect(written).toBe(true)
    expect(new TextDecoder().decode(await store.get(key))).toBe('x')
    expect(await store.list('jobs/j 1/')).toEqual([key])
    expect(await new S3ResultStore(client, own).list('role (1)/')).toEqual([`role (1)/${key}`])
  })
})
