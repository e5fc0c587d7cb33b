/**
 * The formats data sources read, by file extension, and how text turns into
 * rows: CSV by csv-parse (quotes, escapes, CRLF; its sync API, which needs no
 * stream module), JSON Lines one object per line, plain lines as strings.
 * Pure: bytes in, rows out.
 *
 * @module
 */
import { parse } from 'csv-parse/sync'
import { DataError } from './errors.js'

/** The formats of `chunks` and of an object's `rows()`. */
export const DATA_FORMATS = ['csv', 'tsv', 'jsonl', 'lines', 'parquet'] as const
/** One of {@link DATA_FORMATS}. */
export type DataFormat = (typeof DATA_FORMATS)[number]

/** How rows are read from a file or an object: by `chunks()` and by `objects()`' `rows()`. */
export interface RowReadOptions {
  /** The format. @default by the file's extension (`.csv`, `.tsv`, `.jsonl`, `.parquet`; else lines) */
  readonly format?: DataFormat
  /** CSV/TSV: the first line names the columns (and is handed to every chunk). @default true */
  readonly header?: boolean
  /** CSV/TSV: fields that look like numbers become numbers. @default false (strings) */
  readonly cast?: boolean
  /** Parquet: read only these columns. @default all */
  readonly columns?: readonly string[]
}

/** A row of a data file: CSV rows keyed by the header's names, JSON Lines as parsed. */
export type DataRow = Record<string, unknown>

/**
 * The format a file name's extension names: `.csv`, `.tsv`, `.jsonl` or
 * `.ndjson`, `.parquet`; anything else is `lines`. A trailing `.gz` is not
 * read (compressed files cannot be read by range).
 *
 * @throws {@link DataError} for a compressed file
 * @example
 * ```ts
 * formatOf('ticks.parquet') // 'parquet'
 * ```
 */
export function formatOf(name: string): DataFormat {
  const lower = name.toLowerCase()
  if (/\.(gz|bz2|zst|xz|zip)$/.test(lower)) {
    throw new DataError(
      `${name} is compressed: fanout reads data files by byte range, which a compressed file does not allow; decompress it, or write it as Parquet (compressed inside, read by row group)`,
    )
  }
  if (lower.endsWith('.csv')) return 'csv'
  if (lower.endsWith('.tsv')) return 'tsv'
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl'
  if (lower.endsWith('.parquet')) return 'parquet'
  return 'lines'
}

/** Options of {@link textRows}. */
export interface TextRowOptions {
  /** Column names (CSV/TSV): the file's header line, parsed. @default none: rows are arrays of fields */
  readonly columns?: readonly string[]
  /** Convert CSV fields that look like numbers to numbers (csv-parse's `cast`). @default false */
  readonly cast?: boolean
  /** Where the text comes from, for messages. */
  readonly where: string
}

const decoder = new TextDecoder()

function csvOptions(format: 'csv' | 'tsv') {
  return { delimiter: format === 'tsv' ? '\t' : ',', relax_quotes: false, bom: true }
}

/**
 * Parse a CSV or TSV header line into column names.
 *
 * @throws {@link DataError} when the line is not CSV or names a column twice or not at all
 */
export function parseHeader(line: Uint8Array, format: 'csv' | 'tsv', where: string): string[] {
  let records: string[][]
  try {
    records = parse(decoder.decode(line), csvOptions(format))
  } catch (error) {
    throw new DataError(
      `${where}: its header line is not ${format.toUpperCase()}: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  const names = records[0] ?? []
  const seen = new Set<string>()
  for (const name of names) {
    if (name === '' || seen.has(name)) {
      throw new DataError(
        `${where}: its header names ${name === '' ? 'a column with no name' : `the column "${name}" twice`} (header: ${names.join(',')}); every column needs a distinct name`,
      )
    }
    seen.add(name)
  }
  return names
}

/**
 * Rows of whole lines of text: CSV/TSV records as objects keyed by
 * `columns` (arrays of fields without them), JSON Lines as parsed, plain
 * lines as `{ line }`. Blank lines are skipped.
 *
 * @throws {@link DataError} naming where and which line does not parse
 */
export function textRows(
  bytes: Uint8Array,
  format: Exclude<DataFormat, 'parquet'>,
  options: TextRowOptions,
): DataRow[] {
  if (format === 'csv' || format === 'tsv') {
    try {
      return parse(decoder.decode(bytes), {
        ...csvOptions(format),
        ...(options.columns ? { columns: [...options.columns] } : {}),
        skip_empty_lines: true,
        cast: options.cast ?? false,
      }) as unknown as DataRow[]
    } catch (error) {
      throw new DataError(
        `${options.where}: ${(error as Error).message} (chunked CSV must hold one record per line, with as many fields as the header)`,
        { cause: error },
      )
    }
  }
  const rows: DataRow[] = []
  const text = decoder.decode(bytes)
  let lineNo = 0
  for (const raw of text.split('\n')) {
    lineNo++
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') continue
    if (format === 'lines') {
      rows.push({ line })
      continue
    }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      throw new DataError(
        `${options.where}, line ${lineNo} of the range: not JSON (${(error as Error).message})`,
        { cause: error },
      )
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataError(
        `${options.where}, line ${lineNo} of the range: expected a JSON object per line, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
      )
    }
    rows.push(value as DataRow)
  }
  return rows
}
