import type { AsyncBuffer, DecodedArray, FileMetaData, SchemaElement } from 'hyparquet'
import { parquetMetadata, parquetRead } from 'hyparquet'
import { StoreError } from '../../core/errors.js'
import type { Column, ColumnTable, ColumnType } from '../../core/table.js'
import type { Scalar } from '../../core/types.js'
import { hasNull } from './tables.js'

/** What {@link decodeTable} returns. */
export interface DecodedParquet {
  readonly table: ColumnTable
  /** The file's key-value metadata. */
  readonly metadata: Record<string, string>
}

/**
 * Read a Parquet file into a table (hyparquet, column chunks, no row objects).
 * Dense DOUBLE, INT32 and INT64 columns come back as `Float64Array`,
 * `Int32Array` and `BigInt64Array`; timestamps as `Date`; columns with nulls
 * as plain arrays. Columns keep the file's order (fanout writes `atom` first).
 * Files from other writers are read when their columns are flat and of a type
 * that maps onto a {@link ColumnType} (FLOAT and DECIMAL read as `double`,
 * DATE and TIMESTAMP of any unit as `timestamp`).
 *
 * @throws {@link StoreError} when the bytes are not a Parquet file, or a column is nested or of a type fanout cannot hold.
 * @example
 * ```ts
 * const { table, metadata } = await decodeTable(bytes)
 * ```
 */
export async function decodeTable(bytes: Uint8Array): Promise<DecodedParquet> {
  // a plain view: Buffer#slice does not copy, so its .buffer would be the whole pool
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const metadata = readFooter(view)
  const numRows = Number(metadata.num_rows)
  const sinks = new Map<string, ColumnSink>()
  for (const element of flatColumns(metadata)) {
    sinks.set(element.name, new ColumnSink(element, numRows))
  }
  const file: AsyncBuffer = {
    byteLength: view.byteLength,
    slice: (start, end) => view.slice(start, end).buffer,
  }
  if (numRows > 0) {
    try {
      await parquetRead({
        file,
        metadata,
        onChunk: (chunk) => sinks.get(chunk.columnName)?.write(chunk),
      })
    } catch (error) {
      throw new StoreError(`cannot read Parquet data: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }
  const columns = [...sinks.values()].map((sink) => sink.finish())
  return { table: { numRows, columns }, metadata: keyValues(metadata) }
}

/**
 * Read only the key-value metadata of a Parquet file (its footer), without
 * decoding any column.
 *
 * @throws {@link StoreError} when the bytes are not a Parquet file.
 * @example
 * ```ts
 * const meta = await readParquetMetadata(bytes) // { 'fanout.molecule': '{...}' }
 * ```
 */
export async function readParquetMetadata(bytes: Uint8Array): Promise<Record<string, string>> {
  return keyValues(readFooter(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
}

/** A column as a Parquet footer declares it: its fanout type and whether it may hold nulls. */
export interface ColumnSpec {
  readonly name: string
  readonly type: ColumnType
  readonly nullable: boolean
}

/**
 * The columns a Parquet file declares, from its footer alone (the bytes may
 * be just the file's tail, as a suffix range read gives it).
 *
 * @throws {@link StoreError} when the bytes end in no Parquet footer, or a column has no fanout type
 * @example
 * ```ts
 * footerColumns(tail) // [{ name: 'atom', type: 'int32', nullable: false }, ...]
 * ```
 */
export function footerColumns(bytes: Uint8Array): ColumnSpec[] {
  const metadata = readFooter(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  return flatColumns(metadata).map((element) => {
    const type = columnTypeOf(element)
    if (type === undefined) {
      throw new StoreError(
        `cannot read column "${element.name}": Parquet ${element.type} has no fanout column type`,
      )
    }
    return { name: element.name, type, nullable: element.repetition_type !== 'REQUIRED' }
  })
}

function readFooter(bytes: Uint8Array): FileMetaData {
  try {
    return parquetMetadata(bytes)
  } catch (error) {
    throw new StoreError(
      `not a readable Parquet file (${bytes.byteLength} bytes): ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}

function keyValues(metadata: FileMetaData): Record<string, string> {
  const out: Record<string, string> = {}
  for (const { key, value } of metadata.key_value_metadata ?? []) out[key] = value ?? ''
  return out
}

function flatColumns(metadata: FileMetaData): SchemaElement[] {
  const [, ...elements] = metadata.schema
  for (const element of elements) {
    if ((element.num_children ?? 0) > 0 || element.repetition_type === 'REPEATED') {
      throw new StoreError(
        `cannot read column "${element.name}": it is nested or repeated; fanout reads flat columns only`,
      )
    }
  }
  return elements
}

/** The fanout type of a flat Parquet column, or undefined when fanout cannot hold it. */
function columnTypeOf(element: SchemaElement): ColumnType | undefined {
  const logical = element.logical_type?.type
  const converted = element.converted_type
  if (logical === 'NULL') return 'null'
  if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'double'
  if (logical === 'TIMESTAMP' || logical === 'DATE' || converted === 'DATE') return 'timestamp'
  if (converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') return 'timestamp'
  switch (element.type) {
    case 'BOOLEAN':
      return 'boolean'
    case 'INT32':
      return converted === 'UINT_32' ? 'double' : 'int32'
    case 'INT64':
      return 'int64'
    case 'FLOAT':
    case 'DOUBLE':
      return 'double'
    case 'BYTE_ARRAY':
      if (
        logical === undefined &&
        (converted === undefined || converted === 'UTF8' || converted === 'ENUM')
      ) {
        return 'string'
      }
      return logical === 'STRING' || logical === 'ENUM' ? 'string' : undefined
    default:
      return undefined
  }
}

/** Collects one column's chunks into a preallocated array. */
class ColumnSink {
  private readonly name: string
  private readonly type: ColumnType
  private readonly values: Float64Array | Int32Array | BigInt64Array | Scalar[]

  constructor(element: SchemaElement, numRows: number) {
    const type = columnTypeOf(element)
    if (type === undefined) {
      const annotation = element.logical_type?.type ?? element.converted_type
      throw new StoreError(
        `cannot read column "${element.name}": Parquet ${element.type}${annotation ? ` (${annotation})` : ''} has no fanout column type`,
      )
    }
    this.name = element.name
    this.type = type
    const required = element.repetition_type === 'REQUIRED'
    if (required && type === 'double') this.values = new Float64Array(numRows)
    else if (required && type === 'int32') this.values = new Int32Array(numRows)
    else if (required && type === 'int64') this.values = new BigInt64Array(numRows)
    else this.values = new Array<Scalar>(numRows).fill(null)
  }

  write(chunk: { columnData: DecodedArray; rowStart: number }): void {
    const src = chunk.columnData
    const dest = this.values
    if (Array.isArray(dest)) {
      for (let i = 0; i < src.length; i++) dest[chunk.rowStart + i] = normalize(src[i], this.type)
      return
    }
    const typed = dest as Float64Array
    typed.set(convert(src, this.type) as ArrayLike<number>, chunk.rowStart)
  }

  finish(): Column {
    const values = this.values
    if (
      Array.isArray(values) &&
      (this.type === 'double' || this.type === 'int32' || this.type === 'int64')
    ) {
      return {
        name: this.name,
        type: this.type,
        values: hasNull(values) ? values : packNumbers(values, this.type),
      }
    }
    return { name: this.name, type: this.type, values }
  }
}

/** Chunks for a typed destination: typed arrays pass, plain arrays (dictionary pages) convert. */
function convert(src: DecodedArray, type: ColumnType): ArrayLike<number | bigint> {
  if (type === 'int64' && !(src instanceof BigInt64Array)) {
    return Array.from(src as ArrayLike<number | bigint>, (v) => BigInt(v))
  }
  if (type !== 'int64' && (src instanceof BigInt64Array || src instanceof BigUint64Array)) {
    return Array.from(src, Number)
  }
  return src as ArrayLike<number>
}

function normalize(value: unknown, type: ColumnType): Scalar {
  if (value === null || value === undefined) return null
  if (type === 'double' && typeof value === 'bigint') return Number(value)
  if (type === 'int64' && typeof value === 'number') return BigInt(value)
  return value as Scalar
}

function packNumbers(values: Scalar[], type: 'double' | 'int32' | 'int64'): ArrayLike<Scalar> {
  if (type === 'int64') return BigInt64Array.from(values as bigint[])
  return type === 'int32'
    ? Int32Array.from(values as number[])
    : Float64Array.from(values as number[])
}
