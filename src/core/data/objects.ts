/**
 * `objects(location)`: one atom per existing object under an S3 prefix (a
 * data lake), or per file under a folder, read by key in the worker.
 *
 * @module
 */
import { describeValue } from '../errors.js'
import { checkIndex } from '../sources.js'
import type { AtomSource } from '../types.js'
import {
  type DataFile,
  type DataObjectInfo,
  dataAccess,
  type ObjectsLocation,
  whenReady,
} from './access.js'
import { DataError } from './errors.js'
import { type DataRow, formatOf, parseHeader, type RowReadOptions, textRows } from './formats.js'

/** Options of {@link objects}. */
export interface ObjectsOptions {
  /** Only objects whose name ends so, e.g. `.csv` (skips `_SUCCESS` markers and the like). @default all */
  readonly suffix?: string
}

/** Options of {@link DataObject.rows}. */
export type ObjectRowsOptions = RowReadOptions

/** One object: the atom of an {@link objects} source. */
export interface DataObject<R extends DataRow = DataRow> {
  /** The atom's index, `0 .. count - 1`, in name order. */
  readonly index: number
  /** Its key relative to the prefix (or its path relative to the folder), `/`-separated. */
  readonly name: string
  readonly size: number
  /** Where it is, for messages: an `s3://` URL or a path. */
  readonly location: string
  /** The bytes `[start, end)` (a range GET / positioned read). */
  read(start: number, end: number): Promise<Uint8Array>
  /** All its bytes. */
  bytes(): Promise<Uint8Array>
  /** All of it as UTF-8 text. */
  text(): Promise<string>
  /** Its rows, by format: CSV keyed by the header's names, JSON Lines, Parquet, lines. */
  rows(options?: ObjectRowsOptions): AsyncIterable<R>
  /** Bytes this handle fetched so far. */
  readonly bytesRead: number
}

/** An {@link objects} source. */
export interface ObjectsSource<R extends DataRow = DataRow> extends AtomSource<DataObject<R>> {
  /** The listed location, as given. */
  readonly location: string
  /** The total size of the listed objects. */
  readonly bytes: number
}

/**
 * A location as {@link objects} takes it: `s3://bucket/prefix` or
 * `{ bucket, prefix }` for S3, anything else (or `{ folder }`) a folder.
 *
 * @throws {@link DataError} for an S3 URL without a bucket
 */
export function parseLocation(location: string | ObjectsLocation): ObjectsLocation {
  if (typeof location === 'string') {
    if (location === '') throw new DataError('Expected objects() to get a location, got ""')
    const s3 = /^s3:\/\/([^/]*)\/?(.*)$/.exec(location)
    if (!s3) return { folder: location }
    if (!s3[1])
      throw new DataError(
        `objects(${location}): an S3 location needs a bucket: s3://<bucket>/<prefix>`,
      )
    return { bucket: s3[1], prefix: s3[2] ?? '' }
  }
  if (location !== null && typeof location === 'object') {
    if ('bucket' in location && typeof location.bucket === 'string' && location.bucket !== '') {
      const prefix = (location as { prefix?: unknown }).prefix ?? ''
      if (typeof prefix !== 'string') {
        throw new DataError(
          `Expected objects() prefix to be a string, got ${describeValue(prefix)}`,
        )
      }
      return { bucket: location.bucket, prefix }
    }
    if ('folder' in location && typeof location.folder === 'string' && location.folder !== '') {
      return { folder: location.folder }
    }
  }
  throw new DataError(
    `Expected objects() to get "s3://bucket/prefix", { bucket, prefix }, a folder path or { folder }, got ${describeValue(location)}`,
  )
}

function describe(location: ObjectsLocation): string {
  return 'folder' in location ? location.folder : `s3://${location.bucket}/${location.prefix}`
}

function handle<R extends DataRow>(index: number, info: DataObjectInfo): DataObject<R> {
  const stats = { bytesRead: 0 }
  let file: DataFile | undefined
  const read = async (start: number, end: number) => {
    file ??= info.open()
    const bytes = await file.read(start, end)
    stats.bytesRead += bytes.byteLength
    return bytes
  }
  const bytes = () => read(0, info.size)
  return {
    index,
    name: info.name,
    size: info.size,
    location: info.location,
    get bytesRead() {
      return stats.bytesRead
    },
    read,
    bytes,
    text: async () => new TextDecoder().decode(await bytes()),
    async *rows(options: ObjectRowsOptions = {}): AsyncGenerator<R> {
      const format = options.format ?? formatOf(info.name)
      if (format === 'parquet') {
        file ??= info.open()
        const access = dataAccess()
        const opened = file
        const counting: DataFile = {
          ...opened,
          read: async (start, end) => {
            const b = await opened.read(start, end)
            stats.bytesRead += b.byteLength
            return b
          },
        }
        const layout = await whenReady(() => access.parquetLayout(counting))
        for (const row of await access.parquetRows(counting, 0, layout.numRows, options.columns)) {
          yield row as R
        }
        return
      }
      let body = await bytes()
      let columns: string[] | undefined
      if ((format === 'csv' || format === 'tsv') && (options.header ?? true)) {
        const lf = body.indexOf(10)
        const line = lf < 0 ? body : body.subarray(0, lf)
        columns = parseHeader(
          line.at(-1) === 13 ? line.subarray(0, -1) : line,
          format,
          info.location,
        )
        body = lf < 0 ? new Uint8Array(0) : body.subarray(lf + 1)
      }
      const rows = textRows(body, format, {
        where: info.location,
        cast: options.cast ?? false,
        ...(columns ? { columns } : {}),
      })
      for (const row of rows) yield row as R
    },
  }
}

/**
 * An atom source of existing objects, one atom per object, in name order:
 * under an S3 prefix (`objects('s3://lake/ticks/')` or
 * `objects({ bucket, prefix })`), or under a folder (`objects('./ticks')`,
 * or a `folder()` param, which a cloud target stages file by file). The
 * listing is taken once when the job is planned and every worker sees the
 * same one, so atom `i` is the same object everywhere. A worker reads only
 * its object, by key. On Lambda, the stack may read only the buckets named
 * at deploy time (`fanout deploy -c dataBuckets=lake`).
 *
 * @throws {@link DataError} for a location of the wrong form, or one the target cannot read
 * @example
 * ```ts
 * export default defineJob({
 *   params: z.object({ lake: z.string().default('s3://my-lake/ticks/') }),
 *   atoms: (p) => objects(p.lake, { suffix: '.csv' }),
 *   async run(obj) {
 *     let rows = 0
 *     for await (const _ of obj.rows()) rows++
 *     return { name: obj.name, rows }
 *   },
 * })
 * ```
 */
export function objects<R extends DataRow = DataRow>(
  location: string | ObjectsLocation,
  options: ObjectsOptions = {},
): ObjectsSource<R> {
  const where = parseLocation(location)
  const suffix = options.suffix
  if (suffix !== undefined && typeof suffix !== 'string') {
    throw new DataError(
      `Expected objects() option suffix to be a string, got ${describeValue(suffix)}`,
    )
  }
  const listed = dataAccess().objects(where)
  const infos = suffix ? listed.filter((o) => o.name.endsWith(suffix)) : listed
  const count = infos.length
  return Object.freeze({
    count,
    location: describe(where),
    bytes: infos.reduce((sum, o) => sum + o.size, 0),
    at(index: number): DataObject<R> {
      checkIndex(index, count)
      return handle<R>(index, infos[index] as DataObjectInfo)
    },
  })
}
