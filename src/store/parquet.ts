import type { AsyncBuffer, DecodedArray, FileMetaData, SchemaElement } from 'hyparquet'
import { parquetMetadata, parquetRead } from 'hyparquet'
import type { ColumnSource, SchemaElement as WriterSchemaElement } from 'hyparquet-writer'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { StoreError } from '../core/errors.js'
import { ATOM_COLUMN, type Column, type ColumnTable, type ColumnType } from '../core/table.js'
import type { Row, Scalar } from '../core/types.js'

/**
 * Rows per row group. Large groups keep the footer small and the write fast;
 * result files of fanout are read whole, so there is little to gain from
 * smaller groups.
 */
const ROW_GROUP_SIZE = 1_000_000

/** Distinct strings remembered while encoding a string column; past this it is written PLAIN. */
const STRING_CACHE_LIMIT = 1 << 16

/** Strings encoded per batch when a string column has too many distinct values to cache. */
const ENCODE_BATCH = 4096

// hyparquet-writer depends on its own copy of hyparquet, so its types are its own
type Encoding = NonNullable<ColumnSource['encoding']>

/** Options of {@link encodeTable}. */
export interface EncodeOptions {
  /** Key-value metadata stored in the file footer. @default {} */
  metadata?: Record<string, string>
  /**
   * Allow dictionary encoding for columns whose values repeat (it makes such
   * files many times smaller and repeated strings much faster to read).
   * `false` writes every column PLAIN, which readers without `RLE_DICTIONARY`
   * support, such as parquetjs-lite, need.
   * @default true
   */
  dictionary?: boolean
}

/** What {@link decodeTable} returns. */
export interface DecodedParquet {
  readonly table: ColumnTable
  /** The file's key-value metadata. */
  readonly metadata: Record<string, string>
}

/**
 * Write a table as a Parquet file (hyparquet-writer, SNAPPY, data page v2).
 *
 * Types: `double` → DOUBLE, `int32` → INT32, `int64` → INT64, `boolean` →
 * BOOLEAN, `string` → BYTE_ARRAY UTF8, `timestamp` → INT64 TIMESTAMP(MILLIS,
 * UTC), `null` → an OPTIONAL BYTE_ARRAY annotated with the NULL (unknown)
 * logical type. A column is OPTIONAL only when it holds a null. Column
 * statistics are not written (they double the write time, and fanout reads its
 * files whole). Booleans are always PLAIN (readers such as parquetjs-lite
 * misread RLE booleans). The footer says format version 1, as parquet-mr
 * writes, because parquetjs-lite refuses any other.
 *
 * A table with 0 rows still gives a valid file with the schema.
 *
 * @throws {@link StoreError} when a column's length differs from `numRows`, a
 * timestamp is an invalid Date, or a value does not fit its column type.
 * @example
 * ```ts
 * const bytes = encodeTable(table, { metadata: { 'fanout.job': 'sweep-1' } })
 * ```
 */
export function encodeTable(table: ColumnTable, options: EncodeOptions = {}): Uint8Array {
  const dictionary = options.dictionary ?? true
  const schema: WriterSchemaElement[] = [{ name: 'root', num_children: table.columns.length }]
  const columnData: ColumnSource[] = []
  for (const column of table.columns) {
    if (column.values.length !== table.numRows) {
      throw new StoreError(
        `cannot write column "${column.name}": it has ${column.values.length} values but the table has ${table.numRows} rows`,
      )
    }
    const nullable = column.type === 'null' || hasNull(column.values)
    schema.push(schemaElement(column, nullable))
    const { data, encoding } = physicalValues(column, dictionary)
    const source: ColumnSource = { name: column.name, data }
    if (encoding !== undefined) source.encoding = encoding
    columnData.push(source)
  }
  let buffer: ArrayBuffer
  try {
    buffer = parquetWriteBuffer({
      columnData,
      schema,
      codec: 'SNAPPY',
      statistics: false,
      rowGroupSize: ROW_GROUP_SIZE,
      kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      createdBy: 'fanout (hyparquet-writer)',
    })
  } catch (error) {
    throw new StoreError(`cannot write the table as Parquet: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return setFormatVersion1(new Uint8Array(buffer))
}

function schemaElement(column: Column, nullable: boolean): WriterSchemaElement {
  const name = column.name
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED'
  switch (column.type) {
    case 'double':
      return { name, type: 'DOUBLE', repetition_type }
    case 'int32':
      return { name, type: 'INT32', repetition_type }
    case 'int64':
      return { name, type: 'INT64', repetition_type }
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type }
    case 'string':
      return {
        name,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
        repetition_type,
      }
    case 'timestamp':
      return {
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type,
      }
    case 'null':
      return {
        name,
        type: 'BYTE_ARRAY',
        logical_type: { type: 'NULL' },
        repetition_type: 'OPTIONAL',
      }
  }
}

/** The values as hyparquet-writer takes them, and the encoding to force (undefined: the writer decides). */
function physicalValues(
  column: Column,
  dictionary: boolean,
): { data: ColumnSource['data']; encoding?: Encoding } {
  const values = column.values
  const plain: Encoding | undefined = dictionary ? undefined : 'PLAIN'
  switch (column.type) {
    case 'string':
      return utf8Values(values, dictionary)
    case 'timestamp':
      return { data: timestampMillis(column), encoding: plain }
    case 'boolean':
    case 'null':
      return { data: asDecoded(values), encoding: 'PLAIN' }
    default:
      return { data: asDecoded(values), encoding: plain }
  }
}

/**
 * Encode a string column to UTF-8 for the writer (which would otherwise
 * allocate one array per row). Up to {@link STRING_CACHE_LIMIT} distinct
 * values, each distinct string is encoded once and the dictionary is chosen
 * from the exact counts rather than the writer's sample (which misses repeats
 * that follow a pattern); past that the column is written PLAIN, encoded in
 * batches.
 */
function utf8Values(
  values: ArrayLike<Scalar>,
  dictionary: boolean,
): { data: DecodedArray; encoding: Encoding } {
  const encoder = new TextEncoder()
  const distinct = new Map<string, Uint8Array>()
  const data = new Array<Uint8Array | null>(values.length)
  let totalBytes = 0
  let distinctBytes = 0
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null
    if (value === null) {
      data[i] = null
      continue
    }
    let bytes = distinct.get(value)
    if (bytes === undefined) {
      if (distinct.size === STRING_CACHE_LIMIT) {
        return { data: encodeEach(values), encoding: 'PLAIN' }
      }
      bytes = encoder.encode(value)
      distinct.set(value, bytes)
      distinctBytes += bytes.length + 4
    }
    totalBytes += bytes.length + 4
    data[i] = bytes
  }
  const useDictionary = dictionary && totalBytes > 0 && distinctBytes * 2 <= totalBytes
  return { data, encoding: useDictionary ? 'RLE_DICTIONARY' : 'PLAIN' }
}

/** Encode many strings with one encoder call per batch when the batch is ASCII (one allocation instead of thousands). */
function encodeEach(values: ArrayLike<Scalar>): (Uint8Array | null)[] {
  const encoder = new TextEncoder()
  const out = new Array<Uint8Array | null>(values.length)
  for (let start = 0; start < values.length; start += ENCODE_BATCH) {
    const end = Math.min(values.length, start + ENCODE_BATCH)
    let joined = ''
    for (let i = start; i < end; i++) {
      if (values[i] !== null) joined += values[i] as string
    }
    const bytes = encoder.encode(joined)
    const ascii = bytes.length === joined.length
    let offset = 0
    for (let i = start; i < end; i++) {
      const value = values[i] as string | null
      if (value === null) {
        out[i] = null
      } else if (ascii) {
        out[i] = bytes.subarray(offset, offset + value.length)
        offset += value.length
      } else {
        out[i] = encoder.encode(value)
      }
    }
  }
  return out
}

function timestampMillis(column: Column): DecodedArray {
  const values = column.values as ArrayLike<Date | null>
  const out = new Array<bigint | null>(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as Date | null
    if (value === null) {
      out[i] = null
      continue
    }
    const millis = value instanceof Date ? value.getTime() : Number.NaN
    if (!Number.isFinite(millis)) {
      throw new StoreError(
        `cannot write column "${column.name}", row ${i}: ${String(value)} is not a valid Date; return a valid Date or null`,
      )
    }
    out[i] = BigInt(millis)
  }
  return out
}

/**
 * hyparquet-writer stamps FileMetaData.version 2; parquet-mr, the reference
 * writer, stamps 1 whatever its page versions, and parquetjs-lite rejects
 * anything but 1. The footer opens with that field: compact-protocol field 1,
 * i32, zigzag varint — bytes 0x15 0x04 for 2, 0x15 0x02 for 1 — so it is
 * patched in place. A footer that does not open so is left alone.
 */
function setFormatVersion1(bytes: Uint8Array): Uint8Array {
  const end = bytes.length - 8
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const start = end - view.getUint32(end, true)
  if (start >= 4 && bytes[start] === 0x15 && bytes[start + 1] === 0x04) bytes[start + 1] = 0x02
  return bytes
}

function asDecoded(values: ArrayLike<Scalar>): DecodedArray {
  return Array.isArray(values) || ArrayBuffer.isView(values)
    ? (values as DecodedArray)
    : Array.from(values)
}

function hasNull(values: ArrayLike<Scalar>): boolean {
  if (ArrayBuffer.isView(values)) return false
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) return true
  }
  return false
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

/** Where one column of the union comes from while concatenating. */
interface ColumnPlan {
  readonly name: string
  type: ColumnType
  /** Index of the table that set `type`, for the error message. */
  typeFrom: number
}

/**
 * Concatenate tables in the given order. Columns are the union of the
 * tables' columns (`atom` first, then in order of first appearance); a
 * table without a column gets nulls there. A `null` column merges with any
 * type, and `int32` with `double` gives `double`; any other pair of types is
 * a conflict. Dense numeric columns stay typed arrays. A single table is
 * returned as it is.
 *
 * @throws {@link StoreError} naming the column and both types on a conflict.
 * @example
 * ```ts
 * concatTables([a, b]).numRows === a.numRows + b.numRows
 * ```
 */
export function concatTables(tables: readonly ColumnTable[]): ColumnTable {
  if (tables.length === 1) return tables[0] as ColumnTable
  const plans = new Map<string, ColumnPlan>()
  let numRows = 0
  tables.forEach((table, index) => {
    numRows += table.numRows
    for (const column of table.columns) {
      const plan = plans.get(column.name)
      if (plan === undefined) {
        plans.set(column.name, { name: column.name, type: column.type, typeFrom: index })
        continue
      }
      const merged = mergeTypes(plan.type, column.type)
      if (merged === undefined) {
        throw new StoreError(
          `cannot combine tables: column "${column.name}" holds ${plan.type} values in table ${plan.typeFrom} but ${column.type} values in table ${index}; a field must keep one type in every row`,
        )
      }
      if (merged !== plan.type) {
        plan.type = merged
        plan.typeFrom = index
      }
    }
  })
  if (!plans.has(ATOM_COLUMN)) {
    plans.set(ATOM_COLUMN, { name: ATOM_COLUMN, type: 'int32', typeFrom: 0 })
  }
  const ordered = [
    plans.get(ATOM_COLUMN) as ColumnPlan,
    ...[...plans.values()].filter((p) => p.name !== ATOM_COLUMN),
  ]
  const lookups = tables.map(
    (table) => new Map(table.columns.map((column) => [column.name, column])),
  )
  const columns = ordered.map((plan) => concatColumn(plan, tables, lookups, numRows))
  return { numRows, columns }
}

function mergeTypes(a: ColumnType, b: ColumnType): ColumnType | undefined {
  if (a === b || b === 'null') return a
  if (a === 'null') return b
  if ((a === 'int32' && b === 'double') || (a === 'double' && b === 'int32')) return 'double'
  return undefined
}

function concatColumn(
  plan: ColumnPlan,
  tables: readonly ColumnTable[],
  lookups: readonly Map<string, Column>[],
  numRows: number,
): Column {
  const parts = tables.map((table, i) => ({
    rows: table.numRows,
    column: lookups[i]?.get(plan.name),
  }))
  const dense = parts.every(
    (p) => p.rows === 0 || (p.column !== undefined && !hasNull(p.column.values)),
  )
  const { type, name } = plan
  if (dense && (type === 'double' || type === 'int32' || type === 'int64')) {
    const values =
      type === 'double'
        ? new Float64Array(numRows)
        : type === 'int32'
          ? new Int32Array(numRows)
          : new BigInt64Array(numRows)
    // TypedArray#set converts int32 to double, and takes plain arrays of numbers or bigints
    const target = values as Float64Array
    let offset = 0
    for (const { rows, column } of parts) {
      if (column !== undefined && rows > 0) target.set(column.values as ArrayLike<number>, offset)
      offset += rows
    }
    return { name, type, values }
  }
  const values = new Array<Scalar>(numRows)
  let offset = 0
  for (const { rows, column } of parts) {
    if (column === undefined || column.type === 'null') {
      values.fill(null, offset, offset + rows)
    } else {
      for (let i = 0; i < rows; i++) values[offset + i] = column.values[i] as Scalar
    }
    offset += rows
  }
  return { name, type, values }
}

/**
 * The table as row objects `{ atom, ...fields }`, in row order, with `null`
 * where a row has no value — what a job's `reduce` receives.
 *
 * @example
 * ```ts
 * tableToRows(table)[0] // { atom: 0, sharpe: 1.2 }
 * ```
 */
export function tableToRows(table: ColumnTable): Row[] {
  const rows = new Array<Row>(table.numRows)
  for (let i = 0; i < table.numRows; i++) rows[i] = {}
  for (const { name, values } of table.columns) {
    for (let i = 0; i < table.numRows; i++) (rows[i] as Row)[name] = values[i] as Scalar
  }
  return rows
}
