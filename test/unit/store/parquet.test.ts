import { parquetMetadata } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { StoreError } from '../../../src/core/errors.js'
import { type Column, type ColumnTable, TableBuilder } from '../../../src/core/table.js'
import {
  concatTables,
  decodeTable,
  encodeTable,
  readParquetMetadata,
  tableToRows,
} from '../../../src/store/parquet.js'

function table(columns: Column[]): ColumnTable {
  return { numRows: columns[0]?.values.length ?? 0, columns }
}

const atom = (n: number, from = 0): Column => ({
  name: 'atom',
  type: 'int32',
  values: Int32Array.from({ length: n }, (_, i) => from + i),
})

/** Index of the first element that differs (or the length when lengths differ), -1 when equal; fast on 1M rows. */
function firstDifference(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

/** A table with every column type, dense and with nulls. */
function everyType(): ColumnTable {
  return table([
    atom(4),
    { name: 'd', type: 'double', values: Float64Array.from([1.5, -0, Number.NaN, 1e300]) },
    { name: 'dn', type: 'double', values: [1.5, null, Number.POSITIVE_INFINITY, -2] },
    { name: 'i', type: 'int32', values: Int32Array.from([0, -1, 2 ** 31 - 1, -(2 ** 31)]) },
    {
      name: 'l',
      type: 'int64',
      values: BigInt64Array.from([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 0n]),
    },
    { name: 'ln', type: 'int64', values: [null, 9007199254740993n, -1n, null] },
    { name: 'b', type: 'boolean', values: [true, false, false, true] },
    { name: 'bn', type: 'boolean', values: [null, true, false, null] },
    { name: 's', type: 'string', values: ['plain', 'é ü ñ', '😀 emoji', ''] },
    { name: 'sn', type: 'string', values: [null, 'x', null, 'line\nbreak'] },
    {
      name: 't',
      type: 'timestamp',
      values: [
        new Date(0),
        new Date('2024-02-29T12:34:56.789Z'),
        new Date(-86_400_000),
        new Date(8.64e15),
      ],
    },
    { name: 'tn', type: 'timestamp', values: [null, new Date(1), null, null] },
    { name: 'z', type: 'null', values: [null, null, null, null] },
  ])
}

describe('encodeTable / decodeTable', () => {
  it('round-trips every column type, with and without nulls', async () => {
    // Prepare
    const input = everyType()

    // Act
    const { table: output } = await decodeTable(encodeTable(input))

    // Assess
    expect(output.numRows).toBe(4)
    expect(output.columns.map((c) => [c.name, c.type])).toEqual(
      input.columns.map((c) => [c.name, c.type]),
    )
    for (const [i, column] of input.columns.entries()) {
      expect(Array.from(output.columns[i]?.values ?? []), column.name).toEqual(
        Array.from(column.values),
      )
    }
    expect(Object.is(output.columns[1]?.values[1], -0)).toBe(true)
  })

  it('returns typed arrays for dense numeric columns and plain arrays where nulls are', async () => {
    // Prepare
    const input = everyType()

    // Act
    const { table: output } = await decodeTable(encodeTable(input))

    // Assess
    const byName = new Map(output.columns.map((c) => [c.name, c.values]))
    expect(byName.get('atom')).toBeInstanceOf(Int32Array)
    expect(byName.get('d')).toBeInstanceOf(Float64Array)
    expect(byName.get('i')).toBeInstanceOf(Int32Array)
    expect(byName.get('l')).toBeInstanceOf(BigInt64Array)
    expect(Array.isArray(byName.get('dn'))).toBe(true)
    expect(Array.isArray(byName.get('ln'))).toBe(true)
    expect(byName.get('t')?.[1]).toBeInstanceOf(Date)
  })

  it('writes a valid file with the schema for a table of 0 rows', async () => {
    // Prepare
    const input = table([
      atom(0),
      { name: 'x', type: 'double', values: new Float64Array(0) },
      { name: 's', type: 'string', values: [] },
      { name: 'z', type: 'null', values: [] },
    ])

    // Act
    const bytes = encodeTable(input, { metadata: { k: 'v' } })
    const { table: output, metadata } = await decodeTable(bytes)

    // Assess
    expect(output.numRows).toBe(0)
    expect(output.columns.map((c) => [c.name, c.type, c.values.length])).toEqual([
      ['atom', 'int32', 0],
      ['x', 'double', 0],
      ['s', 'string', 0],
      ['z', 'null', 0],
    ])
    expect(metadata).toEqual({ k: 'v' })
  })

  it('stores key-value metadata that readParquetMetadata reads back without the columns', async () => {
    // Prepare
    const stats = JSON.stringify({ moleculeId: 3, durationMs: 12.5 })
    const bytes = encodeTable(everyType(), { metadata: { 'fanout.molecule': stats, note: 'é' } })

    // Act
    const fromFooter = await readParquetMetadata(bytes)
    const { metadata } = await decodeTable(bytes)

    // Assess
    expect(fromFooter).toEqual({ 'fanout.molecule': stats, note: 'é' })
    expect(metadata).toEqual(fromFooter)
  })

  it('writes the atom column first, OPTIONAL only where nulls are, SNAPPY, no statistics, version 1', () => {
    // Prepare
    const bytes = encodeTable(everyType())

    // Act
    const meta = parquetMetadata(bytes)

    // Assess
    expect(meta.version).toBe(1)
    expect(meta.schema[1]).toMatchObject({
      name: 'atom',
      type: 'INT32',
      repetition_type: 'REQUIRED',
    })
    const repetition = Object.fromEntries(
      meta.schema.slice(1).map((e) => [e.name, e.repetition_type]),
    )
    expect(repetition).toMatchObject({
      d: 'REQUIRED',
      dn: 'OPTIONAL',
      s: 'REQUIRED',
      sn: 'OPTIONAL',
      z: 'OPTIONAL',
    })
    for (const chunk of meta.row_groups[0]?.columns ?? []) {
      expect(chunk.meta_data?.codec).toBe('SNAPPY')
      expect(chunk.meta_data?.statistics).toBeUndefined()
    }
  })

  it('reads a table from a Uint8Array that is a view into a larger buffer', async () => {
    // Prepare
    const bytes = encodeTable(everyType())
    const padded = new Uint8Array(bytes.length + 16)
    padded.set(bytes, 7)

    // Act
    const { table: output } = await decodeTable(padded.subarray(7, 7 + bytes.length))

    // Assess
    expect(Array.from(output.columns[8]?.values ?? [])).toEqual(['plain', 'é ü ñ', '😀 emoji', ''])
  })

  it('reads a Node Buffer, pooled (at an offset in a shared ArrayBuffer) or not', async () => {
    // Prepare
    const small = table([atom(2), { name: 's', type: 'string', values: ['a', 'b'] }])
    const bytes = encodeTable(small, { metadata: { k: 'v' } })
    const pooled = Buffer.from(bytes)
    const own = Buffer.alloc(bytes.length)
    own.set(bytes)

    // Act
    const fromPooled = await decodeTable(pooled)
    const fromOwn = await decodeTable(own)

    // Assess
    expect(pooled.byteOffset + pooled.length).toBeLessThanOrEqual(pooled.buffer.byteLength)
    expect(tableToRows(fromPooled.table)).toEqual(tableToRows(small))
    expect(tableToRows(fromOwn.table)).toEqual(tableToRows(small))
    expect(await readParquetMetadata(pooled)).toEqual({ k: 'v' })
  })

  it('round-trips large tables with repeated and unique strings across row groups', async () => {
    // Prepare
    const n = 1_000_001
    const symbols = Array.from({ length: 300 }, (_, i) => `sym-${i}`)
    const input = table([
      atom(n),
      { name: 'x', type: 'double', values: Float64Array.from({ length: n }, (_, i) => i / 3) },
      {
        name: 'sym',
        type: 'string',
        values: Array.from({ length: n }, (_, i) => symbols[i % 300] as string),
      },
      { name: 'id', type: 'string', values: Array.from({ length: n }, (_, i) => `id-${i}`) },
    ])

    // Act
    const bytes = encodeTable(input)
    const { table: output } = await decodeTable(bytes)

    // Assess
    expect(parquetMetadata(bytes).row_groups.length).toBe(2)
    expect(output.numRows).toBe(n)
    expect(output.columns[1]?.values).toBeInstanceOf(Float64Array)
    for (const [i, column] of input.columns.entries()) {
      expect(firstDifference(output.columns[i]?.values ?? [], column.values), column.name).toBe(-1)
    }
  })

  it('round-trips a table built by TableBuilder', async () => {
    // Prepare
    const builder = new TableBuilder()
    builder.add(0, { sharpe: 1.25, symbol: 'AAPL', ok: true, at: new Date(5), big: 2n ** 60n })
    builder.add(1, { sharpe: null, symbol: 'MSFT', note: null })
    const input = builder.build()

    // Act
    const { table: output } = await decodeTable(encodeTable(input))

    // Assess
    expect(tableToRows(output)).toEqual(tableToRows(input))
  })

  it('rejects an invalid Date, naming the column and row', () => {
    // Prepare
    const input = table([
      atom(2),
      { name: 'when', type: 'timestamp', values: [new Date(1), new Date(Number.NaN)] },
    ])

    // Act
    const act = () => encodeTable(input)

    // Assess
    expect(act).toThrow(StoreError)
    expect(act).toThrow('cannot write column "when", row 1: Invalid Date is not a valid Date')
  })

  it('rejects a column whose length is not numRows', () => {
    // Prepare
    const input: ColumnTable = {
      numRows: 3,
      columns: [atom(3), { name: 'x', type: 'double', values: [1, 2] }],
    }

    // Act
    const act = () => encodeTable(input)

    // Assess
    expect(act).toThrow('cannot write column "x": it has 2 values but the table has 3 rows')
  })

  it('rejects bytes that are not Parquet with a StoreError', async () => {
    // Prepare
    const bytes = new TextEncoder().encode('not parquet at all')

    // Act
    const act = decodeTable(bytes)

    // Assess
    await expect(act).rejects.toThrow(StoreError)
    await expect(readParquetMetadata(bytes)).rejects.toThrow('not a readable Parquet file')
  })

  it('can write every column PLAIN for readers without dictionary support', () => {
    // Prepare
    const n = 5000
    const input = table([
      atom(n),
      { name: 's', type: 'string', values: Array.from({ length: n }, (_, i) => `s${i % 3}`) },
      { name: 'x', type: 'double', values: Float64Array.from({ length: n }, (_, i) => i % 2) },
    ])

    // Act
    const dictionary = parquetMetadata(encodeTable(input))
    const plain = parquetMetadata(encodeTable(input, { dictionary: false }))

    // Assess
    const encodings = (meta: typeof plain) =>
      meta.row_groups[0]?.columns.map((c) => c.meta_data?.encodings)
    expect(encodings(dictionary)?.[1]).toContain('RLE_DICTIONARY')
    for (const e of encodings(plain) ?? []) expect(e).toEqual(['PLAIN'])
  })
})

describe('concatTables', () => {
  it('concatenates in order, with the union of columns and nulls where a table lacks one', () => {
    // Prepare
    const a = table([atom(2), { name: 'x', type: 'double', values: Float64Array.from([1, 2]) }])
    const b = table([
      atom(1, 2),
      { name: 'y', type: 'string', values: ['b'] },
      { name: 'x', type: 'double', values: Float64Array.from([3]) },
    ])
    const c = table([atom(1, 3), { name: 'y', type: 'string', values: ['c'] }])

    // Act
    const out = concatTables([a, b, c])

    // Assess
    expect(out.numRows).toBe(4)
    expect(out.columns.map((col) => [col.name, col.type])).toEqual([
      ['atom', 'int32'],
      ['x', 'double'],
      ['y', 'string'],
    ])
    expect(tableToRows(out)).toEqual([
      { atom: 0, x: 1, y: null },
      { atom: 1, x: 2, y: null },
      { atom: 2, x: 3, y: 'b' },
      { atom: 3, x: null, y: 'c' },
    ])
  })

  it('keeps dense numeric columns as typed arrays', () => {
    // Prepare
    const parts = [0, 1, 2].map((k) =>
      table([
        atom(3, k * 3),
        { name: 'x', type: 'double', values: Float64Array.from([k, k, k]) },
        { name: 'l', type: 'int64', values: [BigInt(k), 1n, 2n] },
      ]),
    )

    // Act
    const out = concatTables(parts)

    // Assess
    expect(out.columns[0]?.values).toEqual(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]))
    expect(out.columns[1]?.values).toBeInstanceOf(Float64Array)
    expect(out.columns[2]?.values).toEqual(BigInt64Array.from([0n, 1n, 2n, 1n, 1n, 2n, 2n, 1n, 2n]))
  })

  it('merges a null column with any type, and int32 with double', () => {
    // Prepare
    const a = table([atom(1), { name: 'v', type: 'null', values: [null] }])
    const b = table([atom(1, 1), { name: 'v', type: 'timestamp', values: [new Date(7)] }])
    const big = table([{ name: 'atom', type: 'double', values: Float64Array.from([2 ** 31]) }])

    // Act
    const out = concatTables([a, b, big])

    // Assess
    expect(out.columns.map((c) => c.type)).toEqual(['double', 'timestamp'])
    expect(out.columns[0]?.values).toEqual(Float64Array.from([0, 1, 2 ** 31]))
    expect(out.columns[1]?.values).toEqual([null, new Date(7), null])
  })

  it('throws a StoreError naming the column and both types on a type conflict', () => {
    // Prepare
    const a = table([atom(1), { name: 'score', type: 'double', values: [1] }])
    const b = table([atom(1, 1), { name: 'score', type: 'string', values: ['high'] }])

    // Act
    const act = () => concatTables([a, b])

    // Assess
    expect(act).toThrow(StoreError)
    expect(act).toThrow(
      'cannot combine tables: column "score" holds double values in table 0 but string values in table 1',
    )
  })

  it('keeps the columns of empty tables and gives an atom column for no tables', () => {
    // Prepare
    const empty = table([atom(0), { name: 'x', type: 'double', values: new Float64Array(0) }])
    const one = table([atom(1), { name: 'y', type: 'boolean', values: [true] }])

    // Act
    const out = concatTables([empty, one])
    const none = concatTables([])

    // Assess
    expect(out.columns.map((c) => c.name)).toEqual(['atom', 'x', 'y'])
    expect(out.columns[1]?.values).toEqual([null])
    expect(none).toEqual({
      numRows: 0,
      columns: [{ name: 'atom', type: 'int32', values: new Int32Array(0) }],
    })
  })
})

describe('tableToRows', () => {
  it('gives one object per row with atom first', () => {
    // Prepare
    const input = table([atom(2), { name: 'x', type: 'double', values: [0.5, null] }])

    // Act
    const rows = tableToRows(input)

    // Assess
    expect(rows).toEqual([
      { atom: 0, x: 0.5 },
      { atom: 1, x: null },
    ])
    expect(Object.keys(rows[0] ?? {})).toEqual(['atom', 'x'])
  })
})
