import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ColumnTable, TableBuilder } from '../../../src/core/table.js'
import type { Row } from '../../../src/core/types.js'
import { writeOutput, writeOutputStream } from '../../../src/store/output.js'
import { footerColumns } from '../../../src/store/parquet/decode.js'
import { concatTables, decodeTable, encodeTable } from '../../../src/store/parquet.js'
import { type TableStream, unionColumns } from '../../../src/store/tableStream.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-output-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function table(first: number, rows: Row[]): ColumnTable {
  const b = new TableBuilder()
  for (const [i, row] of rows.entries()) b.add(first + i, row)
  return b.build()
}

/** Partials that differ: a column missing from one, ints in one and fractions in another, nulls. */
const partials: ColumnTable[] = [
  table(0, [
    { x: 1, name: 'a', flag: true },
    { x: 2, name: 'b,"c"', flag: false },
  ]),
  table(2, [{ x: 2.5, when: new Date(Date.UTC(2024, 0, 2)) }]),
  table(3, []),
  table(3, [
    { x: -1, name: null, big: 1234567890123456789n },
    { x: 0, name: '', flag: null },
  ]),
]

/** The stream a job handle makes: columns from the partials' footers, then the tables. */
function streamOf(tables: readonly ColumnTable[]): TableStream {
  return {
    columns: unionColumns(tables.map((t) => footerColumns(encodeTable(t)))),
    tables: (async function* () {
      yield* tables
    })(),
  }
}

describe('writeOutputStream', () => {
  it.each(['csv', 'jsonl'])('writes %s byte for byte as the combined table', async (ext) => {
    // Prepare
    const whole = writeOutput(join(dir, `whole.${ext}`), concatTables(partials))

    // Act
    const streamed = await writeOutputStream(join(dir, `streamed.${ext}`), streamOf(partials))

    // Assess
    expect(streamed.rows).toBe(5)
    expect(await readFile(streamed.path, 'utf8')).toBe(await readFile(whole, 'utf8'))
  })

  it('writes Parquet row group by row group with the combined table’s columns and values', async () => {
    // Act
    const streamed = await writeOutputStream(join(dir, 'streamed.parquet'), streamOf(partials))

    // Assess
    const bytes = await readFile(streamed.path)
    const { table: read } = await decodeTable(bytes)
    const whole = concatTables(partials)
    expect(read.columns.map((c) => [c.name, c.type])).toEqual(
      whole.columns.map((c) => [c.name, c.type]),
    )
    for (const [i, column] of whole.columns.entries()) {
      expect(Array.from(read.columns[i]?.values ?? [])).toEqual(Array.from(column.values))
    }
    // format version 1 in the footer, as the whole-table writer stamps it (parquetjs-lite needs it)
    const footerLength = bytes.readUInt32LE(bytes.length - 8)
    expect([
      ...bytes.subarray(bytes.length - 8 - footerLength, bytes.length - 6 - footerLength),
    ]).toEqual([0x15, 0x02])
  })

  it('writes a valid empty file for no tables, and leaves nothing behind on a failure', async () => {
    // Prepare
    const empty = await writeOutputStream(join(dir, 'empty.parquet'), streamOf([]))
    const failing: TableStream = {
      columns: unionColumns([footerColumns(encodeTable(partials[0] as ColumnTable))]),
      tables: (async function* () {
        yield partials[0] as ColumnTable
        throw new Error('the store went away')
      })(),
    }

    // Act
    const error = await writeOutputStream(join(dir, 'broken.csv'), failing).catch((e) => e)

    // Assess
    expect((await decodeTable(await readFile(empty.path))).table.numRows).toBe(0)
    expect((error as Error).message).toBe('the store went away')
    const { readdir } = await import('node:fs/promises')
    expect((await readdir(dir)).sort()).toEqual(['empty.parquet'])
  })

  it('refuses tables whose columns conflict, naming the column', () => {
    // Prepare
    const a = footerColumns(encodeTable(table(0, [{ x: 'text' }])))
    const b = footerColumns(encodeTable(table(1, [{ x: 1.5 }])))

    // Act
    const act = () => unionColumns([a, b])

    // Assess
    expect(act).toThrow(
      'cannot combine tables: column "x" holds string values in table 0 but double values in table 1',
    )
  })
})
