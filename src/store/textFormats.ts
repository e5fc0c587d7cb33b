import { StoreError, UsageError } from '../core/errors.js'
import type { Column, ColumnTable } from '../core/table.js'
import type { Scalar } from '../core/types.js'

/** The output formats fanout writes, named by the file extension. */
export type OutputFormat = 'parquet' | 'csv' | 'jsonl'

/**
 * The format an output path names by its extension (case-insensitive).
 *
 * @throws {@link UsageError} for any other extension.
 * @example
 * ```ts
 * formatFromPath('out/result.csv') // 'csv'
 * ```
 */
export function formatFromPath(path: string): OutputFormat {
  const match = /\.(parquet|csv|jsonl)$/i.exec(path)
  if (match === null) {
    throw new UsageError(`--out must end in .parquet, .csv or .jsonl, got ${JSON.stringify(path)}`)
  }
  return (match[1] as string).toLowerCase() as OutputFormat
}

/** Turns one cell into its text; `row` and `column` name it in errors. */
type CellFormatter = (value: Scalar, row: number) => string

function isoDate(column: Column): (value: Date, row: number) => string {
  return (value, row) => {
    if (!Number.isFinite(value.getTime())) {
      throw new StoreError(
        `cannot write column "${column.name}", row ${row}: Invalid Date is not a valid Date`,
      )
    }
    return value.toISOString()
  }
}

const CSV_SPECIAL = /[",\r\n]/

function csvQuote(text: string): string {
  return CSV_SPECIAL.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csvCell(column: Column): CellFormatter {
  const iso = isoDate(column)
  return (value, row) => {
    if (value === null || value === undefined) return ''
    switch (typeof value) {
      case 'number':
        return Object.is(value, -0) ? '-0' : String(value)
      case 'string':
        // quote the empty string so that it differs from null
        return value === '' ? '""' : csvQuote(value)
      case 'object':
        return iso(value, row)
      default:
        return String(value)
    }
  }
}

/**
 * The table as CSV: a header row, then one line per row, fields quoted per
 * RFC 4180 (a field holding `"`, `,`, CR or LF is wrapped in quotes, inner
 * quotes doubled). Lines end in `\n`. `null` is an empty field and the empty
 * string is `""`, so the two stay apart; a Date is ISO 8601 UTC with
 * milliseconds; a bigint is its digits; a number is JavaScript's shortest
 * round-trip form (`0.1`, `1e+21`, `NaN`, `Infinity`, `-0`); booleans are
 * `true` / `false`.
 *
 * @throws {@link StoreError} when a Date is invalid.
 * @example
 * ```ts
 * encodeCsv(table) // 'atom,x\n0,1.5\n'
 * ```
 */
export function encodeCsv(table: ColumnTable): string {
  return encodeCsvHeader(table.columns) + encodeCsvRows(table)
}

/** The header line of {@link encodeCsv}: the column names, quoted as needed, and `\n`. */
export function encodeCsvHeader(columns: readonly Pick<Column, 'name'>[]): string {
  return `${columns.map((column) => csvQuote(column.name)).join(',')}\n`
}

/**
 * The rows of {@link encodeCsv} without its header, each line ending in `\n`
 * (`''` for no rows): write a header once, then the rows of table after table.
 */
export function encodeCsvRows(table: ColumnTable): string {
  const formatters = table.columns.map(csvCell)
  const lines = new Array<string>(table.numRows)
  const columns = table.columns
  for (let row = 0; row < table.numRows; row++) {
    let line = ''
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) line += ','
      line += (formatters[c] as CellFormatter)((columns[c] as Column).values[row] as Scalar, row)
    }
    lines[row] = line
  }
  return table.numRows === 0 ? '' : `${lines.join('\n')}\n`
}

function jsonCell(column: Column): CellFormatter {
  const iso = isoDate(column)
  return (value, row) => {
    if (value === null || value === undefined) return 'null'
    switch (typeof value) {
      case 'number':
        return Number.isFinite(value) ? String(value) : 'null'
      case 'bigint':
        return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER
          ? value.toString()
          : `"${value.toString()}"`
      case 'string':
        return JSON.stringify(value)
      case 'object':
        return `"${iso(value, row)}"`
      default:
        return String(value)
    }
  }
}

/**
 * The table as JSON Lines: one JSON object per row (`{"atom":0,...}`), each
 * line ending in `\n`. `null` stays `null`; a Date is its ISO 8601 string; a
 * number is a JSON number, except NaN and ±Infinity, which JSON cannot hold,
 * and become `null` (as `JSON.stringify` does). A bigint is a JSON number when
 * it is a safe integer (|n| ≤ 2^53 − 1), so every JSON parser reads it
 * exactly; beyond that it is a string of its digits, because most parsers
 * (JavaScript's included) would silently round a larger number.
 *
 * @throws {@link StoreError} when a Date is invalid.
 * @example
 * ```ts
 * encodeJsonl(table) // '{"atom":0,"x":1.5}\n'
 * ```
 */
export function encodeJsonl(table: ColumnTable): string {
  const columns = table.columns
  const formatters = columns.map(jsonCell)
  const keys = columns.map((column, c) => `${c === 0 ? '{' : ','}${JSON.stringify(column.name)}:`)
  const lines = new Array<string>(table.numRows)
  for (let row = 0; row < table.numRows; row++) {
    let line = columns.length === 0 ? '{' : ''
    for (let c = 0; c < columns.length; c++) {
      line += keys[c] as string
      line += (formatters[c] as CellFormatter)((columns[c] as Column).values[row] as Scalar, row)
    }
    lines[row] = `${line}}`
  }
  return table.numRows === 0 ? '' : `${lines.join('\n')}\n`
}
