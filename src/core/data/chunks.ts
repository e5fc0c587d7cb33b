/**
 * `chunks(file, { bytes } | { rows })`: one atom per chunk of one large file,
 * read by range wherever the atom runs (a positioned read locally, an S3
 * range GET on Lambda), never the whole file.
 *
 * @module
 */
import { describeValue } from '../errors.js'
import { checkIndex } from '../sources.js'
import type { AtomSource } from '../types.js'
import { type DataAccess, type DataFile, dataAccess, type ParquetLayout } from './access.js'
import { DataError } from './errors.js'
import {
  type DataFormat,
  type DataRow,
  formatOf,
  parseHeader,
  type RowReadOptions,
  textRows,
} from './formats.js'
import { lineOffsets, readFirstLine, readLineRange } from './lines.js'

/** Options of {@link chunks}: how big a chunk is, and how to read it. */
export interface ChunkOptions extends RowReadOptions {
  /**
   * Bytes per chunk. Text: newline-aligned ranges of about this size (a chunk
   * owns the lines that start in its range). Parquet: consecutive row groups
   * up to about this size (a row group is never split).
   */
  readonly bytes?: number
  /**
   * Rows per chunk. Text: lines (blank ones included) after the header,
   * found by one pass over the file when the job is planned (kept next to the
   * staged file for the workers). Parquet: rows, reading only the row groups
   * they are in.
   */
  readonly rows?: number
}

/** One chunk: the atom of a {@link chunks} source. */
export interface Chunk<R extends DataRow = DataRow> {
  /** The chunk's index, `0 .. count - 1`. */
  readonly index: number
  /** Where the file is, for messages. */
  readonly file: string
  readonly format: DataFormat
  /**
   * The bytes `[start, end)` the chunk covers. Text chunked by bytes: the
   * range whose starting lines it owns (it reads about one line past `end`);
   * chunked by rows: exactly its lines. Parquet: its row groups' column data.
   */
  readonly start: number
  readonly end: number
  /** Parquet: the row groups `[first, last)` it reads. */
  readonly rowGroups: readonly [number, number] | undefined
  /** The rows `[rowStart, rowEnd)` of the file, when known before reading (rows chunks, Parquet). */
  readonly rowStart: number | undefined
  readonly rowEnd: number | undefined
  /** The chunk's rows: CSV rows keyed by the header's names, JSON Lines as parsed, Parquet rows, plain lines as `{ line }`. */
  rows(): AsyncIterable<R>
  /** Bytes this handle fetched so far (its range, the end of its last line; not the header, read once per worker). */
  readonly bytesRead: number
}

/** A {@link chunks} source: its atoms and what they read. */
export interface ChunksSource<R extends DataRow = DataRow> extends AtomSource<Chunk<R>> {
  /** Where the file is. */
  readonly file: string
  readonly size: number
  readonly format: DataFormat
  /** The most bytes one chunk holds in memory (text chunked by bytes: plus its last line). */
  readonly maxChunkBytes: number
}

function positive(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value
  throw new DataError(
    `Expected chunks() option ${name} to be an integer from 1 and up, got ${describeValue(value)}`,
  )
}

/** What a chunk's range is, before reading it. */
interface Cut {
  start: number
  end: number
  lineStart: boolean
  rowStart?: number
  rowEnd?: number
  rowGroups?: [number, number]
}

/** Cuts of a text file: tiles of `bytes`, or ranges of `rows` lines from a line index. */
function textCuts(
  access: DataAccess,
  file: DataFile,
  options: ChunkOptions,
  header: boolean,
): { count: number; cut: (i: number) => Cut; maxBytes: number } {
  if (options.rows !== undefined) {
    const every = positive('rows', options.rows)
    const name = `lines-${every}${header ? '-h' : ''}`
    const { offsets, lines } = access.memo(
      `${file.id}:${name}`,
      () => lineOffsets(file, every, header ? 1 : 0),
      { file, name },
    )
    let maxBytes = 0
    for (let i = 0; i + 1 < offsets.length; i++) {
      maxBytes = Math.max(maxBytes, (offsets[i + 1] as number) - (offsets[i] as number))
    }
    return {
      count: offsets.length - 1,
      maxBytes,
      cut: (i) => ({
        start: offsets[i] as number,
        end: offsets[i + 1] as number,
        lineStart: true,
        rowStart: i * every,
        rowEnd: Math.min((i + 1) * every, lines),
      }),
    }
  }
  const bytes = positive('bytes', options.bytes)
  return {
    count: Math.ceil(file.size / bytes),
    maxBytes: Math.min(bytes, file.size),
    cut: (i) => ({
      start: i * bytes,
      end: Math.min(file.size, (i + 1) * bytes),
      lineStart: i === 0,
    }),
  }
}

/** Cuts of a Parquet file: a row group each, `rows` rows each, or row groups packed up to `bytes`. */
function parquetCuts(
  layout: ParquetLayout,
  options: ChunkOptions,
): { count: number; cut: (i: number) => Cut; maxBytes: number } {
  const groups = layout.rowGroups
  const firstRow: number[] = [0]
  for (const g of groups) firstRow.push((firstRow[firstRow.length - 1] as number) + g.rows)
  const span = (a: number, b: number) => ({
    start: groups[a]?.start ?? 0,
    end: groups[b - 1]?.end ?? 0,
  })
  const groupsOf = (rowStart: number, rowEnd: number): [number, number] => {
    let a = 0
    while (a < groups.length && (firstRow[a + 1] as number) <= rowStart) a++
    let b = a
    while (b < groups.length && (firstRow[b] as number) < rowEnd) b++
    return [a, b]
  }
  let packs: [number, number][]
  if (options.rows !== undefined) {
    const every = positive('rows', options.rows)
    const count = Math.ceil(layout.numRows / every)
    const cut = (i: number): Cut => {
      const rowStart = i * every
      const rowEnd = Math.min(layout.numRows, rowStart + every)
      const rowGroups = groupsOf(rowStart, rowEnd)
      return { ...span(...rowGroups), lineStart: true, rowStart, rowEnd, rowGroups }
    }
    let maxBytes = 0
    for (let i = 0; i < count; i++) {
      const c = cut(i)
      maxBytes = Math.max(maxBytes, c.end - c.start)
    }
    return { count, cut, maxBytes }
  }
  if (options.bytes !== undefined) {
    const limit = positive('bytes', options.bytes)
    packs = []
    for (let g = 0; g < groups.length; g++) {
      const last = packs[packs.length - 1]
      const grown = last && (groups[g]?.end as number) - (groups[last[0]]?.start as number)
      if (last && (grown as number) <= limit) last[1] = g + 1
      else packs.push([g, g + 1])
    }
  } else {
    packs = groups.map((_, g) => [g, g + 1])
  }
  const maxBytes = packs.reduce((m, [a, b]) => Math.max(m, span(a, b).end - span(a, b).start), 0)
  return {
    count: packs.length,
    maxBytes,
    cut: (i) => {
      const [a, b] = packs[i] as [number, number]
      return {
        ...span(a, b),
        lineStart: true,
        rowStart: firstRow[a] as number,
        rowEnd: firstRow[b] as number,
        rowGroups: [a, b],
      }
    },
  }
}

/** A file whose reads are counted into `into.bytesRead`. */
function counted(file: DataFile, into: { bytesRead: number }): DataFile {
  return {
    location: file.location,
    name: file.name,
    size: file.size,
    id: file.id,
    read: async (start, end) => {
      const bytes = await file.read(start, end)
      into.bytesRead += bytes.byteLength
      return bytes
    },
  }
}

/**
 * An atom source over one large file, one atom per chunk (Lithops'
 * `obj_chunk_size`, Dask's `blocksize`): newline-aligned byte ranges of a
 * CSV, TSV, JSON Lines or text file (the CSV header is read once per worker
 * and handed to every chunk), or row groups of a Parquet file. Every row is
 * in exactly one chunk, also when lines cross chunk borders and when the
 * file has no final newline. A worker reads only its chunk: a positioned
 * read locally, an S3 range GET on Lambda.
 *
 * `file` is a path the job holds: a `file()` param (staged with the job for
 * a cloud target, and then read by range, not downloaded), or a local path
 * on the local target. Give `{ bytes }` or `{ rows }` (a Parquet file may
 * take neither: one chunk per row group).
 *
 * @throws {@link DataError} for a missing file, bad options, or a CSV header that names no columns
 * @example
 * ```ts
 * export default defineJob({
 *   params: z.object({ ticks: file() }),
 *   atoms: (p) => chunks(p.ticks, { rows: 100_000 }),
 *   async run(chunk) {
 *     let n = 0
 *     for await (const row of chunk.rows()) n += Number(row.volume)
 *     return { chunk: chunk.index, volume: n }
 *   },
 * })
 * ```
 */
export function chunks<R extends DataRow = DataRow>(
  file: string,
  options: ChunkOptions,
): ChunksSource<R> {
  if (typeof file !== 'string' || file === '') {
    throw new DataError(
      `Expected chunks() to get the path of a file (a file() param), got ${describeValue(file)}`,
    )
  }
  if (options === null || typeof options !== 'object') {
    throw new DataError(
      `Expected chunks() options { bytes } or { rows }, got ${describeValue(options)}`,
    )
  }
  if (options.bytes !== undefined && options.rows !== undefined) {
    throw new DataError('chunks() takes { bytes } or { rows }, not both')
  }
  const access = dataAccess()
  const data = access.file(file)
  const format = options.format ?? formatOf(data.name)
  const header = (format === 'csv' || format === 'tsv') && (options.header ?? true)
  if (format !== 'parquet' && options.bytes === undefined && options.rows === undefined) {
    throw new DataError(
      `chunks(${data.location}) needs { bytes } or { rows }: how big one chunk is, e.g. { bytes: 64 << 20 } or { rows: 100_000 }`,
    )
  }
  const cuts =
    format === 'parquet'
      ? parquetCuts(access.parquetLayout(data), options)
      : textCuts(access, data, options, header)

  let columns: Promise<string[]> | undefined
  const headerNames = (): Promise<string[]> => {
    columns ??= readFirstLine(data).then(({ line }) =>
      parseHeader(line, format as 'csv' | 'tsv', data.location),
    )
    return columns
  }

  const handle = (index: number): Chunk<R> => {
    const cut = cuts.cut(index)
    const stats = { bytesRead: 0 }
    const where = `${data.location}, chunk ${index} (bytes ${cut.start} to ${cut.end})`
    return {
      index,
      file: data.location,
      format,
      start: cut.start,
      end: cut.end,
      rowGroups: cut.rowGroups,
      rowStart: cut.rowStart,
      rowEnd: cut.rowEnd,
      get bytesRead() {
        return stats.bytesRead
      },
      async *rows(): AsyncGenerator<R> {
        if (format === 'parquet') {
          const rows = await access.parquetRows(
            counted(data, stats),
            cut.rowStart as number,
            cut.rowEnd as number,
            options.columns,
          )
          for (const row of rows) yield row as R
          return
        }
        const range = await readLineRange(counted(data, stats), cut.start, cut.end, cut.lineStart)
        let bytes = range.bytes
        if (header && range.from === 0) {
          // chunk 0 owns the header line: it names the columns, it is no row
          const lf = bytes.indexOf(10)
          bytes = lf < 0 ? new Uint8Array(0) : bytes.subarray(lf + 1)
        }
        const names = header ? await headerNames() : undefined
        const rows = textRows(bytes, format, {
          where,
          cast: options.cast ?? false,
          ...(names ? { columns: names } : {}),
        })
        for (const row of rows) yield row as R
      },
    }
  }

  return Object.freeze({
    count: cuts.count,
    file: data.location,
    size: data.size,
    format,
    maxChunkBytes: cuts.maxBytes,
    at(index: number): Chunk<R> {
      checkIndex(index, cuts.count)
      return handle(index)
    },
  })
}
