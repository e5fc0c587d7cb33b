import { createRequire } from 'node:module'
import { parquetMetadata } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import type { Column, ColumnTable } from '../../../src/core/table.js'
import { encodeTable } from '../../../src/store/parquet.js'

/**
 * Proof that fanout's Parquet files are readable by an independent reader,
 * parquetjs-lite 0.8.7 (a separate code base: its own thrift, codecs and
 * snappy). What it can and cannot read, as these tests establish:
 * - every column type fanout writes, nulls included, when the file is written
 *   with `{ dictionary: false }` — except that its cursor cannot turn INT64
 *   TIMESTAMP_MILLIS into Dates (`new Date(+bigint)` throws a TypeError, for
 *   its own files too); the raw column chunk holds the right epoch millis;
 * - with the default `dictionary: true`, every column that the writer kept
 *   PLAIN (unique values, booleans always); a column written RLE_DICTIONARY
 *   (repeated values) fails with `invalid encoding: RLE_DICTIONARY`, an
 *   encoding parquetjs-lite does not implement.
 * It needs FileMetaData version 1, which encodeTable writes.
 */

interface LiteField {
  primitiveType?: string
  originalType?: string
  repetitionType?: string
}
interface LiteColumnChunk {
  meta_data: { path_in_schema: string[] }
}
interface LiteReader {
  schema: { fields: Record<string, LiteField> }
  metadata: { row_groups: { columns: LiteColumnChunk[] }[] }
  envelopeReader: {
    readColumnChunk(
      schema: unknown,
      chunk: LiteColumnChunk,
    ): Promise<{ values: unknown[]; dlevels: number[] }>
  }
  getRowCount(): number | bigint
  getCursor(columns?: string[]): { nextRowGroup(): Promise<Record<string, unknown>[] | null> }
  close(): Promise<void>
}
interface ParquetJsLite {
  ParquetReader: { openBuffer(buffer: Buffer): Promise<LiteReader> }
}

// parquetjs-lite is CommonJS without type declarations
const parquet = createRequire(import.meta.url)('parquetjs-lite') as ParquetJsLite

async function readRows(bytes: Uint8Array, columns: string[]): Promise<Record<string, unknown>[]> {
  const reader = await parquet.ParquetReader.openBuffer(Buffer.from(bytes))
  try {
    // nextRowGroup, not next: next() shifts the row group array, quadratic on large groups
    const cursor = reader.getCursor(columns)
    const rows: Record<string, unknown>[] = []
    for (
      let group = await cursor.nextRowGroup();
      group !== null;
      group = await cursor.nextRowGroup()
    ) {
      for (const row of group) rows.push(row)
    }
    return rows
  } finally {
    await reader.close()
  }
}

const n = 50

function column(name: string, type: Column['type'], make: (i: number) => unknown): Column {
  return { name, type, values: Array.from({ length: n }, (_, i) => make(i)) as Column['values'] }
}

/** One column of every type, with and without nulls; values chosen to be unique so no dictionary applies. */
function interopTable(): ColumnTable {
  return {
    numRows: n,
    columns: [
      { name: 'atom', type: 'int32', values: Int32Array.from({ length: n }, (_, i) => i) },
      { name: 'x', type: 'double', values: Float64Array.from({ length: n }, (_, i) => i / 7 - 3) },
      column('xn', 'double', (i) => (i % 4 === 0 ? null : i * 1.5)),
      {
        name: 'k',
        type: 'int32',
        values: Int32Array.from({ length: n }, (_, i) => -(2 ** 31) + i * 1000),
      },
      {
        name: 'big',
        type: 'int64',
        values: BigInt64Array.from({ length: n }, (_, i) => 2n ** 62n + BigInt(i) * 1_000_003n),
      },
      column('bign', 'int64', (i) => (i % 3 === 0 ? null : -(2n ** 60n) - BigInt(i))),
      column('flag', 'boolean', (i) => i % 3 === 0),
      column('flagn', 'boolean', (i) => (i % 5 === 0 ? null : i % 2 === 0)),
      column('name', 'string', (i) => `row ${i} · é 😀`),
      column('namen', 'string', (i) => (i % 2 === 0 ? null : `n${i}`)),
      column('when', 'timestamp', (i) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_123)),
      column('nothing', 'null', () => null),
    ],
  }
}

const readable = [
  'atom',
  'x',
  'xn',
  'k',
  'big',
  'bign',
  'flag',
  'flagn',
  'name',
  'namen',
  'nothing',
]

function expected(table: ColumnTable, name: string): unknown[] {
  const values = table.columns.find((c) => c.name === name)?.values ?? []
  // parquetjs-lite leaves a null field out of the row object
  return Array.from(values, (v) => (v === null ? undefined : v))
}

describe('parquetjs-lite reads files written by encodeTable', () => {
  it('reads every non-timestamp type, nulls included, from a file written with dictionary: false', async () => {
    // Prepare
    const table = interopTable()
    const bytes = encodeTable(table, { dictionary: false })

    // Act
    const rows = await readRows(bytes, readable)

    // Assess
    expect(rows).toHaveLength(n)
    for (const name of readable) {
      expect(
        rows.map((row) => row[name]),
        name,
      ).toEqual(expected(table, name))
    }
  })

  it('reads the same columns from a file written with the defaults, where no value repeats', async () => {
    // Prepare
    const table = interopTable()
    const bytes = encodeTable(table)

    // Act
    const rows = await readRows(bytes, readable)

    // Assess
    for (const name of readable) {
      expect(
        rows.map((row) => row[name]),
        name,
      ).toEqual(expected(table, name))
    }
  })

  it('sees the schema: types, UTF8, TIMESTAMP_MILLIS and which columns are optional', async () => {
    // Prepare
    const bytes = encodeTable(interopTable())

    // Act
    const reader = await parquet.ParquetReader.openBuffer(Buffer.from(bytes))
    const fields = reader.schema.fields
    const rowCount = Number(reader.getRowCount())
    await reader.close()

    // Assess
    expect(rowCount).toBe(n)
    expect(fields.atom).toMatchObject({ primitiveType: 'INT32', repetitionType: 'REQUIRED' })
    expect(fields.x).toMatchObject({ primitiveType: 'DOUBLE', repetitionType: 'REQUIRED' })
    expect(fields.xn).toMatchObject({ primitiveType: 'DOUBLE', repetitionType: 'OPTIONAL' })
    expect(fields.big).toMatchObject({ primitiveType: 'INT64' })
    expect(fields.flag).toMatchObject({ primitiveType: 'BOOLEAN' })
    expect(fields.name).toMatchObject({ primitiveType: 'BYTE_ARRAY', originalType: 'UTF8' })
    expect(fields.when).toMatchObject({ primitiveType: 'INT64', originalType: 'TIMESTAMP_MILLIS' })
    expect(fields.nothing).toMatchObject({
      primitiveType: 'BYTE_ARRAY',
      repetitionType: 'OPTIONAL',
    })
  })

  it('holds the right epoch millis in the timestamp column, which its cursor cannot convert', async () => {
    // Prepare
    const table = interopTable()
    const bytes = encodeTable(table)
    const millis = expected(table, 'when').map((d) => BigInt((d as Date).getTime()))

    // Act
    const reader = await parquet.ParquetReader.openBuffer(Buffer.from(bytes))
    const chunk = reader.metadata.row_groups[0]?.columns.find(
      (c) => c.meta_data.path_in_schema[0] === 'when',
    )
    const raw =
      chunk === undefined
        ? undefined
        : await reader.envelopeReader.readColumnChunk(reader.schema, chunk)
    await reader.close()
    const viaCursor = readRows(bytes, ['when'])

    // Assess
    expect(raw?.values).toEqual(millis)
    await expect(viaCursor).rejects.toThrow('Cannot convert a BigInt value to a number')
  })

  it('reads columns that span several data pages', async () => {
    // Prepare
    const rows = 200_000
    const table: ColumnTable = {
      numRows: rows,
      columns: [
        { name: 'atom', type: 'int32', values: Int32Array.from({ length: rows }, (_, i) => i) },
        {
          name: 'x',
          type: 'double',
          values: Float64Array.from({ length: rows }, (_, i) => Math.sqrt(i)),
        },
      ],
    }

    const bytes = encodeTable(table)

    // Act
    const read = await readRows(bytes, ['atom', 'x'])

    // Assess
    // hyparquet-writer writes an offset index only for a column chunk of more than one page
    expect(parquetMetadata(bytes).row_groups[0]?.columns[1]?.offset_index_offset).toBeDefined()
    expect(read).toHaveLength(rows)
    let mismatches = 0
    for (let i = 0; i < rows; i++)
      if (read[i]?.atom !== i || read[i]?.x !== Math.sqrt(i)) mismatches++
    expect(mismatches).toBe(0)
  })

  it('reads a file of 0 rows', async () => {
    // Prepare
    const empty: ColumnTable = {
      numRows: 0,
      columns: [
        { name: 'atom', type: 'int32', values: new Int32Array(0) },
        { name: 'x', type: 'double', values: new Float64Array(0) },
      ],
    }

    // Act
    const rows = await readRows(encodeTable(empty), [])

    // Assess
    expect(rows).toEqual([])
  })

  it('fails on a dictionary-encoded column (repeated values), an encoding it lacks', async () => {
    // Prepare
    const repeated: ColumnTable = {
      numRows: n,
      columns: [
        { name: 'atom', type: 'int32', values: Int32Array.from({ length: n }, (_, i) => i) },
        column('symbol', 'string', (i) => ['AAPL', 'MSFT'][i % 2]),
      ],
    }

    // Act
    const withDictionary = readRows(encodeTable(repeated), ['symbol'])
    const plain = await readRows(encodeTable(repeated, { dictionary: false }), ['symbol'])

    // Assess
    await expect(withDictionary).rejects.toThrow('invalid encoding: RLE_DICTIONARY')
    expect(plain.map((row) => row.symbol)).toEqual(expected(repeated, 'symbol'))
  })
})
