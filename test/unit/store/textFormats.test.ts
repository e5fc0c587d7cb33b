import { describe, expect, it } from 'vitest'
import { StoreError, UsageError } from '../../../src/core/errors.js'
import type { ColumnTable } from '../../../src/core/table.js'
import { encodeCsv, encodeJsonl, formatFromPath } from '../../../src/store/textFormats.js'

function sample(): ColumnTable {
  return {
    numRows: 3,
    columns: [
      { name: 'atom', type: 'int32', values: Int32Array.from([0, 1, 2]) },
      { name: 'x', type: 'double', values: [0.1, null, 1e21] },
      { name: 'big', type: 'int64', values: [9007199254740993n, -5n, null] },
      { name: 'ok', type: 'boolean', values: [true, false, null] },
      { name: 'text', type: 'string', values: ['plain', 'say "hi", then\nleave', ''] },
      {
        name: 'at',
        type: 'timestamp',
        values: [new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)), null, new Date(0)],
      },
      { name: 'none', type: 'null', values: [null, null, null] },
    ],
  }
}

describe('encodeCsv', () => {
  it('writes a header and RFC 4180 quoted rows, null as an empty field', () => {
    // Prepare
    const table = sample()

    // Act
    const csv = encodeCsv(table)

    // Assess
    expect(csv).toBe(
      [
        'atom,x,big,ok,text,at,none',
        '0,0.1,9007199254740993,true,plain,2024-02-29T12:00:00.005Z,',
        '1,,-5,false,"say ""hi"", then\nleave",,',
        '2,1e+21,,,"",1970-01-01T00:00:00.000Z,',
        '',
      ].join('\n'),
    )
  })

  it('writes numbers in their shortest round-trip form, -0 and non-finite included', () => {
    // Prepare
    const values = [1 / 3, -0, Number.NaN, Number.NEGATIVE_INFINITY, 5e-324]
    const table: ColumnTable = {
      numRows: values.length,
      columns: [
        { name: 'atom', type: 'int32', values: Int32Array.from(values.keys()) },
        { name: 'v', type: 'double', values: Float64Array.from(values) },
      ],
    }

    // Act
    const cells = encodeCsv(table)
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1])

    // Assess
    expect(cells).toEqual(['0.3333333333333333', '-0', 'NaN', '-Infinity', '5e-324'])
    expect(cells.map(Number)).toEqual(values)
  })

  it('quotes header names that need it and writes only the header for 0 rows', () => {
    // Prepare
    const table: ColumnTable = {
      numRows: 0,
      columns: [
        { name: 'atom', type: 'int32', values: new Int32Array(0) },
        { name: 'a,b', type: 'double', values: new Float64Array(0) },
      ],
    }

    // Act
    const csv = encodeCsv(table)

    // Assess
    expect(csv).toBe('atom,"a,b"\n')
  })

  it('rejects an invalid Date, naming the column and row', () => {
    // Prepare
    const table: ColumnTable = {
      numRows: 1,
      columns: [
        { name: 'atom', type: 'int32', values: Int32Array.from([0]) },
        { name: 'at', type: 'timestamp', values: [new Date(Number.NaN)] },
      ],
    }

    // Act
    const act = () => encodeCsv(table)

    // Assess
    expect(act).toThrow(StoreError)
    expect(act).toThrow('cannot write column "at", row 0')
  })
})

describe('encodeJsonl', () => {
  it('writes one JSON object per row with ISO dates and safe bigints as numbers', () => {
    // Prepare
    const table = sample()

    // Act
    const lines = encodeJsonl(table).split('\n')

    // Assess
    expect(lines).toHaveLength(4)
    expect(lines[3]).toBe('')
    expect(lines.slice(0, 3).map((line) => JSON.parse(line))).toEqual([
      {
        atom: 0,
        x: 0.1,
        big: '9007199254740993',
        ok: true,
        text: 'plain',
        at: '2024-02-29T12:00:00.005Z',
        none: null,
      },
      { atom: 1, x: null, big: -5, ok: false, text: 'say "hi", then\nleave', at: null, none: null },
      {
        atom: 2,
        x: 1e21,
        big: null,
        ok: null,
        text: '',
        at: '1970-01-01T00:00:00.000Z',
        none: null,
      },
    ])
  })

  it('writes bigints at the safe-integer edge as numbers and beyond it as strings', () => {
    // Prepare
    const values = [2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 63n)]
    const table: ColumnTable = {
      numRows: 4,
      columns: [
        { name: 'atom', type: 'int32', values: Int32Array.from([0, 1, 2, 3]) },
        { name: 'n', type: 'int64', values: BigInt64Array.from(values) },
      ],
    }

    // Act
    const parsed = encodeJsonl(table)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).n)

    // Assess
    expect(parsed).toEqual([
      9007199254740991,
      -9007199254740991,
      '9007199254740992',
      '-9223372036854775808',
    ])
  })

  it('writes NaN and Infinity as null and keeps key order with atom first', () => {
    // Prepare
    const table: ColumnTable = {
      numRows: 1,
      columns: [
        { name: 'atom', type: 'int32', values: Int32Array.from([7]) },
        { name: 'we"ird', type: 'double', values: [Number.NaN] },
        { name: 'inf', type: 'double', values: [Number.POSITIVE_INFINITY] },
      ],
    }

    // Act
    const jsonl = encodeJsonl(table)

    // Assess
    expect(jsonl).toBe('{"atom":7,"we\\"ird":null,"inf":null}\n')
  })

  it('writes nothing for 0 rows', () => {
    // Prepare
    const table: ColumnTable = {
      numRows: 0,
      columns: [{ name: 'atom', type: 'int32', values: new Int32Array(0) }],
    }

    // Act
    const jsonl = encodeJsonl(table)

    // Assess
    expect(jsonl).toBe('')
  })
})

describe('formatFromPath', () => {
  it.each([
    ['result.parquet', 'parquet'],
    ['out/dir/result.csv', 'csv'],
    ['RESULT.JSONL', 'jsonl'],
  ])('reads %s as %s', (path, format) => {
    // Prepare
    // (the path)

    // Act
    const got = formatFromPath(path)

    // Assess
    expect(got).toBe(format)
  })

  it.each(['result.json', 'result', 'result.parquet.gz', 'csv'])(
    'rejects %s with a UsageError',
    (path) => {
      // Prepare
      // (the path)

      // Act
      const act = () => formatFromPath(path)

      // Assess
      expect(act).toThrow(UsageError)
      expect(act).toThrow(`--out must end in .parquet, .csv or .jsonl, got "${path}"`)
    },
  )
})
