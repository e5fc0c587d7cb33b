import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installDataAccess, whenReady } from '../../../../src/core/data/access.js'
import { type ChunkOptions, chunks } from '../../../../src/core/data/chunks.js'
import { DataError } from '../../../../src/core/data/errors.js'
import { MemoryDataAccess } from '../../../helpers/memoryData.js'

const encoder = new TextEncoder()
let access: MemoryDataAccess
let previous: ReturnType<typeof installDataAccess>

beforeEach(() => {
  access = new MemoryDataAccess(new Map())
  previous = installDataAccess(access)
})
afterEach(() => {
  installDataAccess(previous)
})

async function allRows(path: string, options: ChunkOptions) {
  const source = await whenReady(() => chunks(path, options))
  const rows: unknown[] = []
  const perChunk: number[] = []
  for (let i = 0; i < source.count; i++) {
    let n = 0
    for await (const row of source.at(i).rows()) {
      rows.push(row)
      n++
    }
    perChunk.push(n)
  }
  return { source, rows, perChunk }
}

/** A CSV with a header and quoted fields (commas and quotes inside, no line breaks). */
const csvFile = fc
  .record({
    rows: fc.array(
      fc.tuple(
        fc.stringMatching(/^[A-Z]{1,5}$/),
        fc.integer(),
        fc.stringMatching(/^[a-z ,"]{0,12}$/),
      ),
      { maxLength: 40 },
    ),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ rows, crlf, finalNewline }) => {
    const eol = crlf ? '\r\n' : '\n'
    const quote = (s: string) => (/[,"]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)
    const lines = ['asset,qty,"note, free"', ...rows.map(([a, q, n]) => `${a},${q},${quote(n)}`)]
    return lines.join(eol) + (finalNewline ? eol : '')
  })

describe('chunks over CSV', () => {
  it.each([['bytes'], ['rows']])(
    'covers every row exactly once, keyed by the header, chunked by %s (property)',
    async (mode) => {
      // Prepare
      const inputs = fc.record({ csv: csvFile, size: fc.integer({ min: 1, max: 120 }) })

      // Act
      let run = 0
      const check = fc.asyncProperty(inputs, async ({ csv, size }) => {
        const path = `t${run++}.csv`
        access.files.set(path, encoder.encode(csv))
        const options = mode === 'bytes' ? { bytes: size } : { rows: Math.ceil(size / 10) }
        const { rows, source } = await allRows(path, options)

        // Assess: the same rows as csv-parse gives for the whole file
        const expected = parse(csv, { columns: true, skip_empty_lines: true })
        expect(rows).toEqual(expected)
        expect(source.size).toBe(encoder.encode(csv).byteLength)
      })

      // Assess
      await fc.assert(check, { numRuns: 150 })
    },
  )

  it('reads each chunk by range, the header once per worker, never the whole file', async () => {
    // Prepare: 2,000 rows of about 20 bytes
    const lines = ['asset,day,close']
    for (let i = 0; i < 2000; i++) lines.push(`A${i % 7},${i},${(100 + i / 10).toFixed(2)}`)
    const bytes = encoder.encode(`${lines.join('\n')}\n`)
    access.files.set('p.csv', bytes)

    // Act
    const { source, perChunk } = await allRows('p.csv', { bytes: 4096 })
    const one = source.at(3)
    for await (const _ of one.rows()) {
      // read it
    }

    // Assess
    expect(source.count).toBe(Math.ceil(bytes.byteLength / 4096))
    expect(perChunk.reduce((a, b) => a + b, 0)).toBe(2000)
    const line = 24
    expect(one.bytesRead).toBeGreaterThanOrEqual(4096)
    expect(one.bytesRead).toBeLessThanOrEqual(4096 + 1 + line + 256)
    const reads = access.handles.get('p.csv')?.reads ?? []
    expect(reads.every(([a, b]) => (b as number) - (a as number) <= 4097)).toBe(true)
  })

  it('cuts by rows with a line index computed once and asked for as data to fetch', async () => {
    // Prepare
    const lines = ['k,v', ...Array.from({ length: 25 }, (_, i) => `${i},${i * i}`)]
    access.files.set('r.csv', encoder.encode(lines.join('\n')))

    // Act
    const first = (() => {
      try {
        return chunks('r.csv', { rows: 10 })
      } catch (error) {
        return error as Error
      }
    })()
    const { source, perChunk, rows } = await allRows('r.csv', { rows: 10, cast: true })

    // Assess
    expect((first as Error).name).toBe('NeedDataError')
    expect(access.computed).toEqual(['mem:r.csv:lines-10-h'])
    expect(perChunk).toEqual([10, 10, 5])
    expect([source.at(2).rowStart, source.at(2).rowEnd]).toEqual([20, 25])
    expect(rows[24]).toEqual({ k: 24, v: 576 })
  })
})

describe('chunks over JSON Lines and text', () => {
  it('parses one object per line and names a line that is not JSON', async () => {
    // Prepare
    access.files.set('e.jsonl', encoder.encode('{"a":1}\n\n{"a":2}\n{"a":3}'))
    access.files.set('bad.jsonl', encoder.encode('{"a":1}\n[1]\n'))

    // Act
    const { rows } = await allRows('e.jsonl', { bytes: 5 })
    const error = await allRows('bad.jsonl', { bytes: 100 }).catch((e: unknown) => e)

    // Assess
    expect(rows).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }])
    expect(error).toBeInstanceOf(DataError)
    expect((error as Error).message).toBe(
      'mem:bad.jsonl, chunk 0 (bytes 0 to 12), line 2 of the range: expected a JSON object per line, got an array',
    )
  })

  it('says what is missing: a size, one option not both, a file', () => {
    // Prepare
    access.files.set('x.csv', encoder.encode('a\n1\n'))

    // Act
    const messages = [
      () => chunks('x.csv', {}),
      () => chunks('x.csv', { bytes: 10, rows: 10 }),
      () => chunks('x.csv', { bytes: 0 }),
      () => chunks('', { bytes: 1 }),
    ].map((f) => {
      try {
        f()
        return 'no error'
      } catch (error) {
        return (error as Error).message
      }
    })

    // Assess
    expect(messages).toEqual([
      'chunks(mem:x.csv) needs { bytes } or { rows }: how big one chunk is, e.g. { bytes: 64 << 20 } or { rows: 100_000 }',
      'chunks() takes { bytes } or { rows }, not both',
      'Expected chunks() option bytes to be an integer from 1 and up, got 0 (number)',
      'Expected chunks() to get the path of a file (a file() param), got "" (string)',
    ])
  })
})

describe('chunks over Parquet', () => {
  const n = 1000
  const parquet = new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'asset', data: Array.from({ length: n }, (_, i) => `A${i % 3}`) },
        { name: 'close', data: Float64Array.from({ length: n }, (_, i) => 100 + i) },
      ],
      rowGroupSize: 128,
    }),
  )

  it.each<[string, ChunkOptions, number]>([
    ['one chunk per row group', {}, 8],
    ['rows', { rows: 300 }, 4],
    ['bytes, packing row groups', { bytes: 3000 }, -1],
  ])('covers every row once with %s', async (_name, options, chunkCount) => {
    // Prepare
    access.files.set('t.parquet', parquet)

    // Act
    const { rows, source, perChunk } = await allRows('t.parquet', options)

    // Assess
    expect(rows).toEqual(
      Array.from({ length: n }, (_, i) => ({ asset: `A${i % 3}`, close: 100 + i })),
    )
    if (chunkCount > 0) expect(source.count).toBe(chunkCount)
    else expect(source.count).toBeLessThan(8)
    expect(perChunk.reduce((a, b) => a + b, 0)).toBe(n)
  })

  it('reads only the row groups of its chunk', async () => {
    // Prepare
    access.files.set('t.parquet', parquet)
    const source = await whenReady(() => chunks('t.parquet', {}))

    // Act
    const chunk = source.at(5)
    const rows = []
    for await (const row of chunk.rows()) rows.push(row)

    // Assess
    expect(chunk.rowGroups).toEqual([5, 6])
    expect([chunk.rowStart, chunk.rowEnd]).toEqual([640, 768])
    expect(rows.length).toBe(128)
    expect(chunk.bytesRead).toBeLessThanOrEqual(chunk.end - chunk.start)
    expect(chunk.bytesRead).toBeGreaterThan(0)
  })
})
