import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreError, UsageError } from '../../../src/core/errors.js'
import { FsResultStore, TEMP_PREFIX } from '../../../src/store/FsResultStore.js'
import {
  errorsKey,
  errorsTableKey,
  jobPrefix,
  manifestKey,
  moleculeIdFromKey,
  partialKey,
  resultKey,
  statsKey,
  validateJobId,
} from '../../../src/store/layout.js'

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes)

/** Every file name under `dir`, recursively, temp files included. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => e.name)
}

describe('FsResultStore', () => {
  let root: string
  let store: FsResultStore

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fanout-store-'))
    store = new FsResultStore(root)
  })

  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('puts and gets bytes and strings, creating directories', async () => {
    // Prepare
    const bytes = Uint8Array.from([0, 1, 2, 255])

    // Act
    await store.put('jobs/j1/partials/000000.parquet', bytes)
    await store.put('jobs/j1/stats.json', '{"é":1}')

    // Assess
    expect(await store.get('jobs/j1/partials/000000.parquet')).toEqual(bytes)
    expect(text(await store.get('jobs/j1/stats.json'))).toBe('{"é":1}')
    expect(await store.exists('jobs/j1/stats.json')).toBe(true)
  })

  it('gives undefined for a missing key or a directory, and exists is false for them', async () => {
    // Prepare
    await store.put('jobs/j1/stats.json', '{}')

    // Act
    const missing = await store.get('jobs/nope/stats.json')
    const directory = await store.get('jobs/j1')
    const under = await store.get('jobs/j1/stats.json/deeper')

    // Assess
    expect(missing).toBeUndefined()
    expect(directory).toBeUndefined()
    expect(under).toBeUndefined()
    expect(await store.exists('jobs/j1')).toBe(false)
    expect(await store.exists('jobs/nope/stats.json')).toBe(false)
  })

  it('replaces a key atomically and leaves no temp file behind', async () => {
    // Prepare
    await store.put('jobs/j1/result.parquet', 'first')

    // Act
    const replaced = await store.put('jobs/j1/result.parquet', 'second')

    // Assess
    expect(replaced).toBe(true)
    expect(text(await store.get('jobs/j1/result.parquet'))).toBe('second')
    expect(await allFiles(root)).toEqual(['result.parquet'])
  })

  it('with ifAbsent, writes once, then returns false and keeps the first content', async () => {
    // Prepare
    const key = partialKey('j1', 3)

    // Act
    const first = await store.put(key, 'first', { ifAbsent: true })
    const second = await store.put(key, 'second', { ifAbsent: true })

    // Assess
    expect(first).toBe(true)
    expect(second).toBe(false)
    expect(text(await store.get(key))).toBe('first')
    expect(await allFiles(root)).toEqual(['000003.parquet'])
  })

  it('lets exactly one of many concurrent ifAbsent puts win', async () => {
    // Prepare
    const key = partialKey('j1', 0)
    const bodies = Array.from({ length: 25 }, (_, i) => `writer ${i} `.repeat(1000))

    // Act
    const results = await Promise.all(
      bodies.map((body) => store.put(key, body, { ifAbsent: true })),
    )

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(text(await store.get(key))).toBe(bodies[results.indexOf(true)])
    expect(await allFiles(root)).toEqual(['000000.parquet'])
  })

  it('never lists temp files, neither during concurrent puts nor after a crash left one', async () => {
    // Prepare
    await mkdir(join(root, 'jobs', 'j1', 'partials'), { recursive: true })
    await writeFile(join(root, 'jobs', 'j1', 'partials', `${TEMP_PREFIX}deadbeef`), 'torn')
    const puts = Array.from({ length: 20 }, (_, i) =>
      store.put(partialKey('j1', i), 'x'.repeat(100_000)),
    )

    // Act
    const seen: string[] = []
    while (seen.length < 200) seen.push(...(await store.list('jobs/')))
    await Promise.all(puts)
    const after = await store.list('jobs/j1/partials/')

    // Assess
    expect(seen.filter((key) => key.includes(TEMP_PREFIX))).toEqual([])
    expect(after).toEqual(Array.from({ length: 20 }, (_, i) => partialKey('j1', i)))
  })

  it('lists keys recursively, sorted, filtered by any prefix', async () => {
    // Prepare
    for (const key of [
      statsKey('j2'),
      partialKey('j1', 10),
      manifestKey('j1'),
      partialKey('j1', 2),
      'top.txt',
    ]) {
      await store.put(key, '.')
    }

    // Act
    const all = await store.list('')
    const job1 = await store.list(jobPrefix('j1'))
    const partial = await store.list('jobs/j1/partials/00001')
    const none = await store.list('jobs/j3/')

    // Assess
    expect(all).toEqual([
      'jobs/j1/manifest.json',
      'jobs/j1/partials/000002.parquet',
      'jobs/j1/partials/000010.parquet',
      'jobs/j2/stats.json',
      'top.txt',
    ])
    expect(job1).toEqual([
      'jobs/j1/manifest.json',
      'jobs/j1/partials/000002.parquet',
      'jobs/j1/partials/000010.parquet',
    ])
    expect(partial).toEqual(['jobs/j1/partials/000010.parquet'])
    expect(none).toEqual([])
  })

  it('describes a key as its file path under the root', () => {
    // Prepare
    const key = resultKey('j1')

    // Act
    const path = store.describe(key)
    const dir = store.describe(jobPrefix('j1'))

    // Assess
    expect(path).toBe(join(root, 'jobs', 'j1', 'result.parquet'))
    expect(dir.startsWith(join(root, 'jobs', 'j1'))).toBe(true)
  })

  it.each([
    ['', 'it has an empty segment'],
    ['/etc/passwd', 'it starts with "/"'],
    ['jobs//x', 'it has an empty segment'],
    ['jobs/x/', 'it has an empty segment'],
    ['../outside', 'it has a ".." segment'],
    ['jobs/../../outside', 'it has a ".." segment'],
    ['jobs/./x', 'it has a "." segment'],
    ['jobs\\x', 'it holds a backslash'],
    [`jobs/${TEMP_PREFIX}1234`, `a segment starts with "${TEMP_PREFIX}", which temp files use`],
  ])('rejects the key %j with a StoreError naming it', async (key, reason) => {
    // Prepare
    const expected = `invalid store key ${JSON.stringify(key)}: ${reason}`

    // Act
    const put = () => store.put(key, 'x')

    // Assess
    await expect(put()).rejects.toThrow(StoreError)
    await expect(put()).rejects.toThrow(expected)
    await expect(store.get(key)).rejects.toThrow(expected)
    await expect(store.exists(key)).rejects.toThrow(expected)
    expect(await allFiles(root)).toEqual([])
  })

  it('rejects bad prefixes in list and describe', async () => {
    // Prepare
    const bad = ['../', '/jobs/', 'jobs//']

    // Act
    const list = (i: number) => store.list(bad[i] as string)

    // Assess
    await expect(list(0)).rejects.toThrow('invalid store prefix "../": it has a ".." segment')
    await expect(list(1)).rejects.toThrow(StoreError)
    await expect(list(2)).rejects.toThrow(StoreError)
    expect(() => store.describe('../x')).toThrow('invalid store prefix "../x"')
  })
})

describe('layout', () => {
  it('names every key of a job under jobs/<jobId>/', () => {
    // Prepare
    const id = 'sweep_2024-01.a'

    // Act
    const keys = [
      jobPrefix(id),
      manifestKey(id),
      partialKey(id, 7),
      errorsKey(id, 7),
      errorsKey(id, 7, 2),
      resultKey(id),
      errorsTableKey(id),
      statsKey(id),
      partialKey(id, 1_234_567),
    ]

    // Assess
    expect(keys).toEqual([
      'jobs/sweep_2024-01.a/',
      'jobs/sweep_2024-01.a/manifest.json',
      'jobs/sweep_2024-01.a/partials/000007.parquet',
      'jobs/sweep_2024-01.a/errors/000007.parquet',
      'jobs/sweep_2024-01.a/errors/000007-2.parquet',
      'jobs/sweep_2024-01.a/result.parquet',
      'jobs/sweep_2024-01.a/errors.parquet',
      'jobs/sweep_2024-01.a/stats.json',
      'jobs/sweep_2024-01.a/partials/1234567.parquet',
    ])
  })

  it('parses the molecule id back from partial and errors keys only', () => {
    // Prepare
    const keys = [
      partialKey('j', 42),
      errorsKey('j', 5),
      errorsKey('j', 5, 3),
      partialKey('j', 1_234_567),
    ]

    // Act
    const ids = keys.map(moleculeIdFromKey)
    const others = [
      statsKey('j'),
      resultKey('j'),
      'jobs/j/partials/12.parquet',
      'jobs/j/partials/000001.json',
    ]

    // Assess
    expect(ids).toEqual([42, 5, 5, 1_234_567])
    expect(others.map(moleculeIdFromKey)).toEqual([undefined, undefined, undefined, undefined])
  })

  it.each(['a', 'A-1_b.c', 'x'.repeat(128), '-lead', '_lead'])('accepts the job id %j', (id) => {
    // Prepare
    // (the id)

    // Act
    const got = validateJobId(id)

    // Assess
    expect(got).toBe(id)
  })

  it.each(['', '.hidden', 'a/b', '..', 'x'.repeat(129), 'sp ace', 'é'])(
    'rejects the job id %j',
    (id) => {
      // Prepare
      // (the id)

      // Act
      const act = () => validateJobId(id)

      // Assess
      expect(act).toThrow(UsageError)
      expect(act).toThrow(
        `Expected the job id to be 1 to 128 characters of letters, digits, "-", "_" and ".", not starting with ".", got ${JSON.stringify(id)} (string)`,
      )
    },
  )

  it('rejects a molecule id that is not a non-negative integer', () => {
    // Prepare
    const bad = [-1, 1.5, Number.NaN]

    // Act
    const acts = bad.map((id) => () => partialKey('j', id))

    // Assess
    for (const act of acts) expect(act).toThrow(RangeError)
    expect(acts[0]).toThrow(
      'Expected the molecule id to be an integer from 0 and up, got -1 (number)',
    )
  })
})
