import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installDataAccess, whenReady } from '../../../../src/core/data/access.js'
import { DataError } from '../../../../src/core/data/errors.js'
import { objects, parseLocation } from '../../../../src/core/data/objects.js'
import { LocalDataAccess } from '../../../../src/runtime/data/LocalDataAccess.js'
import type { S3Objects } from '../../../../src/runtime/data/objectStore.js'

let dir: string
let previous: ReturnType<typeof installDataAccess>
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-objects-'))
  await mkdir(join(dir, 'lake', 'b'), { recursive: true })
  await writeFile(join(dir, 'lake', 'a.csv'), 'x,y\n1,2\n3,4\n')
  await writeFile(join(dir, 'lake', 'b', 'c.jsonl'), '{"x":5}\n')
  await writeFile(join(dir, 'lake', 'Z.txt'), 'one\ntwo')
  previous = installDataAccess(undefined)
})
afterEach(async () => {
  installDataAccess(previous)
  await rm(dir, { recursive: true, force: true })
})

async function rowsOf(source: ReturnType<typeof objects>) {
  const out: Record<string, unknown[]> = {}
  for (let i = 0; i < source.count; i++) {
    const obj = source.at(i)
    out[obj.name] = []
    for await (const row of obj.rows()) out[obj.name]?.push(row)
  }
  return out
}

describe('objects over a folder', () => {
  it('lists every file, in S3 key order, relative names, and reads each by its format', async () => {
    // Prepare
    const access = new LocalDataAccess({ cwd: dir })
    installDataAccess(access)

    // Act
    const source = await whenReady(() => objects('lake'))
    const rows = await rowsOf(source)

    // Assess
    expect(source.count).toBe(3)
    expect(Array.from({ length: 3 }, (_, i) => source.at(i).name)).toEqual([
      'Z.txt',
      'a.csv',
      'b/c.jsonl',
    ])
    expect(rows).toEqual({
      'Z.txt': [{ line: 'one' }, { line: 'two' }],
      'a.csv': [
        { x: '1', y: '2' },
        { x: '3', y: '4' },
      ],
      'b/c.jsonl': [{ x: 5 }],
    })
    expect(source.bytes).toBe(12 + 8 + 7)
    expect(access.opened.has(join(dir, 'lake'))).toBe(true)
    await expect(
      whenReady(() => objects({ folder: 'lake' }, { suffix: '.csv' }).count),
    ).resolves.toBe(1)
  })
})

describe('objects over an S3 prefix', () => {
  it('lists through the S3 adapter once and reads each object by range', async () => {
    // Prepare
    const calls: string[] = []
    const store: Record<string, string> = {
      'ticks/2024/a.csv': 'p\n1\n',
      'ticks/2024/b.csv': 'p\n2\n3\n',
    }
    const s3: S3Objects = {
      list: async (bucket, prefix) => {
        calls.push(`list ${bucket}/${prefix}`)
        return Object.keys(store)
          .filter((k) => k.startsWith(prefix))
          .map((key) => ({ key, size: (store[key] as string).length }))
      },
      read: async (bucket, key, start, end) => {
        calls.push(`get ${bucket}/${key} ${start}-${end}`)
        return new TextEncoder().encode((store[key] as string).slice(start, end))
      },
    }
    installDataAccess(new LocalDataAccess({ s3 }))

    // Act
    const source = await whenReady(() => objects('s3://lake/ticks/2024/'))
    const again = objects({ bucket: 'lake', prefix: 'ticks/2024/' })
    const rows = await rowsOf(source)

    // Assess
    expect(again.count).toBe(2)
    expect(rows).toEqual({ 'a.csv': [{ p: '1' }], 'b.csv': [{ p: '2' }, { p: '3' }] })
    expect(calls).toEqual([
      'list lake/ticks/2024/',
      'get lake/ticks/2024/a.csv 0-4',
      'get lake/ticks/2024/b.csv 0-6',
    ])
  })

  it('is refused on the local target, saying where it works', () => {
    // Prepare
    installDataAccess(new LocalDataAccess())

    // Act
    const act = () => objects('s3://lake/ticks/')

    // Assess
    expect(act).toThrow(DataError)
    expect(act).toThrow(
      "objects(s3://lake/ticks/) lists S3, which the local target does not read: run the job with --target localstack or --target aws, or list a folder locally (objects('./folder'), or a folder() param)",
    )
  })

  it('parses locations and names a bad one', () => {
    // Act
    const parsed = [parseLocation('s3://b/p/q'), parseLocation('s3://b'), parseLocation('./x')]
    const bad = [() => parseLocation('s3:///x'), () => parseLocation({} as never)]

    // Assess
    expect(parsed).toEqual([
      { bucket: 'b', prefix: 'p/q' },
      { bucket: 'b', prefix: '' },
      { folder: './x' },
    ])
    expect(bad[0]).toThrow(
      'objects(s3:///x): an S3 location needs a bucket: s3://<bucket>/<prefix>',
    )
    expect(bad[1]).toThrow(
      'Expected objects() to get "s3://bucket/prefix", { bucket, prefix }, a folder path or { folder }, got an object (Object)',
    )
  })
})
